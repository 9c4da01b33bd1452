package dev.latchkey.vault;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the {@link DataKeyCache}.
 *
 * @param enabled    false turns the cache off: every seal asks the KEK for a data key, every open unwraps
 * @param maxAge     how long an unwrapped data key may stay cached, counted from when it was generated or unwrapped
 * @param maxUses    how many seals or opens one cached data key may serve; bounds the number of random 96-bit
 *                   nonces drawn under one data key
 * @param maxEntries how many data keys may be cached at once; the least recently used is evicted first
 */
public record CacheSettings(boolean enabled, Duration maxAge, long maxUses, int maxEntries) {

    /** Default maximum age: five minutes. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    /** Default maximum uses per data key. */
    public static final long DEFAULT_MAX_USES = 1_000;
    /** Default maximum number of cached data keys. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    /**
     * Hard cap on uses per data key: with random 96-bit nonces the chance of a repeated nonce after n encryptions is
     * about n²/2⁹⁷, so 2²⁰ uses keep it below 2⁻⁵⁷, far inside NIST SP 800-38D's 2⁻³² bound.
     */
    public static final long MAX_USES_CAP = 1L << 20;

    public CacheSettings {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive");
        }
        if (maxUses < 1 || maxUses > MAX_USES_CAP) {
            throw new IllegalArgumentException("maxUses must be 1.." + MAX_USES_CAP);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive");
        }
    }

    /** Enabled, five minutes, 1,000 uses, 10,000 entries. */
    public static CacheSettings defaults() {
        return new CacheSettings(true, DEFAULT_MAX_AGE, DEFAULT_MAX_USES, DEFAULT_MAX_ENTRIES);
    }

    /** The cache switched off. */
    public static CacheSettings disabled() {
        return new CacheSettings(false, DEFAULT_MAX_AGE, DEFAULT_MAX_USES, DEFAULT_MAX_ENTRIES);
    }
}
