package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long an access token is trusted.
 *
 * @param policy        {@link Kind#NEVER}, {@link Kind#PROVIDER} (trust {@code expires_in}), {@link Kind#UNKNOWN}
 *                      (refresh on 401) or {@link Kind#FIXED} (the catalog states the lifetime)
 * @param whenAbsent    for {@code PROVIDER}: what a response without {@code expires_in} means, {@code NEVER} or
 *                      {@code UNKNOWN}
 * @param fixedLifetime for {@code FIXED}: the lifetime; null otherwise
 * @param skew          subtracted from every lifetime so the token is renewed before the provider drops it
 */
public record ExpiryPolicy(Kind policy, ExpirySource whenAbsent, Duration fixedLifetime, Duration skew) {

    /** Default safety margin. */
    public static final Duration DEFAULT_SKEW = Duration.ofSeconds(60);

    /** The catalog's {@code expiry.policy}. */
    public enum Kind {
        NEVER("never"), PROVIDER("provider"), UNKNOWN("unknown"), FIXED("fixed");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Kind fromWire(String value) {
            return Wire.lookup(values(), value, Kind::wireName);
        }
    }

    /** When the token must be treated as expired, and why; {@code expiresAt} is null for NEVER and UNKNOWN. */
    public record Outcome(Instant expiresAt, ExpirySource source, Duration statedLifetime) {
    }

    public ExpiryPolicy {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(whenAbsent, "whenAbsent");
        Objects.requireNonNull(skew, "skew");
        if (whenAbsent != ExpirySource.NEVER && whenAbsent != ExpirySource.UNKNOWN) {
            throw new IllegalArgumentException("whenAbsent must be NEVER or UNKNOWN");
        }
        if ((policy == Kind.FIXED) != (fixedLifetime != null)) {
            throw new IllegalArgumentException("a fixed lifetime goes with policy FIXED only");
        }
    }

    static ExpiryPolicy defaults() {
        return new ExpiryPolicy(Kind.PROVIDER, ExpirySource.UNKNOWN, null, DEFAULT_SKEW);
    }

    /**
     * Applies the policy to a token response.
     *
     * @param expiresInSeconds the response's {@code expires_in}, or null when absent or not a positive number
     * @param now              when the response was received
     */
    public Outcome apply(Long expiresInSeconds, Instant now) {
        return switch (policy) {
            case NEVER -> new Outcome(null, ExpirySource.NEVER, null);
            case UNKNOWN -> new Outcome(null, ExpirySource.UNKNOWN, null);
            case FIXED -> new Outcome(now.plus(trusted(fixedLifetime)), ExpirySource.FIXED, fixedLifetime);
            case PROVIDER -> {
                if (expiresInSeconds == null) {
                    yield new Outcome(null, whenAbsent, null);
                }
                Duration stated = Duration.ofSeconds(expiresInSeconds);
                yield new Outcome(now.plus(trusted(stated)), ExpirySource.PROVIDER, stated);
            }
        };
    }

    /** Lifetime less the skew, but never less than half the lifetime (a 60 s token must not look born dead). */
    Duration trusted(Duration lifetime) {
        Duration lessSkew = lifetime.minus(skew);
        Duration half = lifetime.dividedBy(2);
        return lessSkew.compareTo(half) < 0 ? half : lessSkew;
    }
}
