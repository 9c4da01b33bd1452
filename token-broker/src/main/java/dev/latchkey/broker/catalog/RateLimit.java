package dev.latchkey.broker.catalog;

import java.time.Duration;

/**
 * A documented limit on the provider's token endpoint, for the per-provider limiter.
 *
 * @param requests at most this many requests
 * @param window   per this window
 * @param scope    counted per app, per user, or per provider account
 * @param note     where the number comes from
 */
public record RateLimit(int requests, Duration window, Scope scope, String note) {

    /** What the limit is counted over. */
    public enum Scope {
        APP("app"), USER("user"), ACCOUNT("account");

        private final String wireName;

        Scope(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Scope fromWire(String value) {
            return Wire.lookup(values(), value, Scope::wireName);
        }
    }
}
