package dev.latchkey.vault;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Bounded cache of plaintext data keys, so the hot paths do not call the key-encryption key every time.
 *
 * <ul>
 *   <li><b>Open</b> entries are keyed by the wrapped data key, the key that wrapped it and the owner's
 *   context; a hit skips the KEK unwrap. A value moved to another owner misses and is checked by the KEK.</li>
 *   <li><b>Seal</b> entries are keyed by the primary key version and the owner's context; a hit reuses a
 *   data key already wrapped for that same owner, with a fresh random 96-bit nonce per seal. Because the wrap is bound
 *   to the owner, a data key is never shared between owners.</li>
 * </ul>
 *
 * <p>Every entry expires after {@link CacheSettings#maxAge()} and after {@link CacheSettings#maxUses()} seals or
 * opens; at most {@link CacheSettings#maxEntries()} are kept (least recently used evicted first). Callers get copies
 * of key bytes and zero them; the cache's own copy is zeroed when the entry is evicted. Thread-safe.
 */
public final class DataKeyCache implements AutoCloseable {

    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

    private final CacheSettings settings;
    private final LongSupplier nanoTicker;
    private final long maxAgeNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<ByteBuffer, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final LongAdder sealHits = new LongAdder();
    private final LongAdder sealMisses = new LongAdder();
    private final LongAdder openHits = new LongAdder();
    private final LongAdder openMisses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private volatile long lastSweep;

    /** A cache with the given limits, timed by {@link System#nanoTime()}. */
    public DataKeyCache(CacheSettings settings) {
        this(settings, System::nanoTime);
    }

    /** A cache timed by {@code nanoTicker} (a monotonic nanosecond clock; tests pass a fake one). */
    public DataKeyCache(CacheSettings settings, LongSupplier nanoTicker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
        long nanos;
        try {
            nanos = settings.maxAge().toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        this.maxAgeNanos = nanos;
        this.lastSweep = nanoTicker.getAsLong();
    }

    /** A cache that never holds anything. */
    public static DataKeyCache disabled() {
        return new DataKeyCache(CacheSettings.disabled());
    }

    public CacheSettings settings() {
        return settings;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Current counters. */
    public CacheStats stats() {
        return new CacheStats(sealHits.sum(), sealMisses.sum(), openHits.sum(), openMisses.sum(), evictions.sum(),
                size());
    }

    /** Number of cached data keys. */
    public int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    /** Evicts and zeroes every cached data key, e.g. after a key version was disabled. */
    public void invalidateAll() {
        lock.lock();
        try {
            for (Entry e : entries.values()) {
                e.destroy();
                evictions.increment();
            }
            entries.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Evicts and zeroes entries past their maximum age. Called on every insert at most once a second. */
    public void evictExpired() {
        lock.lock();
        try {
            long now = nanoTicker.getAsLong();
            lastSweep = now;
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.expired(now)) {
                    it.remove();
                    e.destroy();
                    evictions.increment();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Same as {@link #invalidateAll()}. */
    @Override
    public void close() {
        invalidateAll();
    }

    /** A data key reusable for sealing: a copy of the plaintext key (the caller zeroes it) and its wrapped form. */
    record SealLease(byte[] key, WrappedKey wrapped) {
    }

    SealLease acquireForSeal(ByteBuffer id) {
        return acquire(id, sealHits, sealMisses);
    }

    /** A copy of the cached unwrapped key (the caller zeroes it), or null. */
    byte[] acquireForOpen(ByteBuffer id) {
        SealLease hit = acquire(id, openHits, openMisses);
        return hit == null ? null : hit.key();
    }

    /** Caches a copy of {@code key} for sealing; the seal that generated it counts as its first use. */
    void putForSeal(ByteBuffer id, byte[] key, WrappedKey wrapped) {
        put(id, new Entry(key.clone(), wrapped, nanoTicker.getAsLong()));
    }

    /** Caches a copy of {@code key} for opening; the open that unwrapped it counts as its first use. */
    void putForOpen(ByteBuffer id, byte[] key) {
        put(id, new Entry(key.clone(), null, nanoTicker.getAsLong()));
    }

    private SealLease acquire(ByteBuffer id, LongAdder hits, LongAdder misses) {
        if (!settings.enabled()) {
            misses.increment();
            return null;
        }
        lock.lock();
        try {
            Entry e = entries.get(id);
            if (e == null) {
                misses.increment();
                return null;
            }
            long now = nanoTicker.getAsLong();
            if (e.expired(now) || e.uses >= settings.maxUses()) {
                entries.remove(id);
                e.destroy();
                evictions.increment();
                misses.increment();
                return null;
            }
            e.uses++;
            hits.increment();
            return new SealLease(e.key.clone(), e.wrapped);
        } finally {
            lock.unlock();
        }
    }

    private void put(ByteBuffer id, Entry entry) {
        if (!settings.enabled()) {
            entry.destroy();
            return;
        }
        List<Entry> evicted = new ArrayList<>();
        lock.lock();
        try {
            Entry previous = entries.put(id, entry);
            if (previous != null) {
                evicted.add(previous);
            }
            Iterator<Map.Entry<ByteBuffer, Entry>> it = entries.entrySet().iterator();
            while (entries.size() > settings.maxEntries() && it.hasNext()) {
                evicted.add(it.next().getValue());
                it.remove();
            }
            for (Entry e : evicted) {
                e.destroy();
                evictions.increment();
            }
        } finally {
            lock.unlock();
        }
        if (nanoTicker.getAsLong() - lastSweep >= SWEEP_INTERVAL_NANOS) {
            evictExpired();
        }
    }

    private final class Entry {
        // Owned by the cache; callers only ever get clones, so zeroing here cannot pull a key from under a caller.
        private final byte[] key;
        private final WrappedKey wrapped;
        private final long createdAt;
        private long uses = 1;

        Entry(byte[] key, WrappedKey wrapped, long createdAt) {
            this.key = key;
            this.wrapped = wrapped;
            this.createdAt = createdAt;
        }

        boolean expired(long now) {
            return now - createdAt >= maxAgeNanos;
        }

        void destroy() {
            Arrays.fill(key, (byte) 0);
        }
    }
}
