package dev.latchkey.broker.catalog;

import java.util.regex.Pattern;

/**
 * A value kept with the connection: from the token response (Salesforce {@code instance_url}) or from the
 * authorization callback's query (QuickBooks {@code realmId}, Shopify {@code shop}).
 *
 * @param name    the key it is stored under
 * @param source  where it comes from
 * @param pointer JSON pointer into the token response (absolute, not relative to the token root); for
 *                {@link Source#TOKEN_RESPONSE}
 * @param param   callback query parameter name; for {@link Source#CALLBACK}
 * @param pattern the whole value must match, or the grant is refused; required for callback values, which the
 *                user's browser controls. Null when any value is kept.
 */
public record MetadataField(String name, Source source, String pointer, String param, Pattern pattern) {

    /** Where a metadata value is read from. */
    public enum Source {
        TOKEN_RESPONSE("tokenResponse"), CALLBACK("callback");

        private final String wireName;

        Source(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Source fromWire(String value) {
            return Wire.lookup(values(), value, Source::wireName);
        }
    }
}
