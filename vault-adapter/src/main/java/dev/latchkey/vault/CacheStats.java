package dev.latchkey.vault;

/**
 * Counters of a {@link DataKeyCache} since it was created: a seal hit reused a cached data key instead of asking the
 * KEK for a new one, an open hit found the unwrapped data key instead of calling the KEK.
 *
 * @param sealHits   seals served by a cached data key
 * @param sealMisses seals that asked the KEK for a fresh data key
 * @param openHits   opens served by a cached unwrapped data key
 * @param openMisses opens that called the KEK to unwrap
 * @param evictions  data keys removed (expired, used up, over capacity, or invalidated) and zeroed
 * @param size       data keys cached now
 */
public record CacheStats(long sealHits, long sealMisses, long openHits, long openMisses, long evictions, int size) {

    /** All hits. */
    public long hits() {
        return sealHits + openHits;
    }

    /** All misses. */
    public long misses() {
        return sealMisses + openMisses;
    }
}
