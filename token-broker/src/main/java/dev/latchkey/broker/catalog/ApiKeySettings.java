package dev.latchkey.broker.catalog;

/**
 * How an {@code api_key} credential is sent to the provider's API.
 *
 * @param placement header or query parameter
 * @param name      header or parameter name
 * @param prefix    put before the key, e.g. {@code "Bearer "}; empty for none
 */
public record ApiKeySettings(Placement placement, String name, String prefix) {

    /** Where the key goes. */
    public enum Placement {
        HEADER("header"), QUERY("query");

        private final String wireName;

        Placement(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Placement fromWire(String value) {
            return Wire.lookup(values(), value, Placement::wireName);
        }
    }
}
