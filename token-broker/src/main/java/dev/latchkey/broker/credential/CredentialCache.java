package dev.latchkey.broker.credential;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sealed credentials this node served recently, so that a token fetch needs no database read. Entries hold exactly
 * what the database holds (sealed bytes, never an opened secret).
 *
 * <p>Coherence comes from the database, not from a TTL: triggers ({@code V5}) send the connection id on channel
 * {@code latchkey_credentials} at commit of every change a fetch could serve, and {@link CredentialChangeListener}
 * evicts it. The cache is used only while that listener is provably connected (it heard from the database within
 * {@code liveness}); otherwise every read goes to the database, so a lost listener costs throughput, never
 * correctness. Changes made on this node are also evicted right after their commit, so a caller that deleted or
 * refreshed a connection reads its own write at once on this node; other nodes see it when the notification
 * arrives (milliseconds).
 *
 * <p>A read that races with a change: the loader records the change generation before reading, caches what it
 * read, and evicts it again if any change was heard in between. Evictions bump the generation before they remove, so
 * either the loader sees the bump or the eviction removes the loaded entry.
 */
public final class CredentialCache {

    private final Cache<UUID, StoredCredential> entries;
    private final AtomicLong generation = new AtomicLong();
    private final long livenessNanos;
    private volatile long heardAt;
    private volatile boolean live;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bypassed = new LongAdder();

    /**
     * @param maxSize  entries kept (the working set of connections fetched within {@code maxAge})
     * @param maxAge   an entry is read again from the database after this long, whatever the listener says
     * @param liveness the cache is bypassed when the listener has not completed a round trip for this long
     */
    public CredentialCache(long maxSize, Duration maxAge, Duration liveness) {
        this.entries = Caffeine.newBuilder().maximumSize(maxSize).expireAfterWrite(maxAge).build();
        this.livenessNanos = liveness.toNanos();
    }

    /** A cache that is never live: every read goes to the database (tools, or {@code credential-cache.enabled=false}). */
    public static CredentialCache disabled() {
        return new CredentialCache(0, Duration.ofSeconds(1), Duration.ZERO);
    }

    /** The credential from memory when the cache is live, else (or on a miss) from {@code load}. */
    public Optional<StoredCredential> get(UUID connectionId, Function<UUID, Optional<StoredCredential>> load) {
        if (!live()) {
            bypassed.increment();
            return load.apply(connectionId);
        }
        StoredCredential hit = entries.getIfPresent(connectionId);
        if (hit != null) {
            hits.increment();
            return Optional.of(hit);
        }
        misses.increment();
        long seen = generation.get();
        Optional<StoredCredential> loaded = load.apply(connectionId);
        loaded.ifPresent(credential -> {
            entries.put(connectionId, credential);
            if (generation.get() != seen || !live()) {
                entries.invalidate(connectionId);
            }
        });
        return loaded;
    }

    /** Forgets one connection: it changed. */
    public void evict(UUID connectionId) {
        generation.incrementAndGet();
        entries.invalidate(connectionId);
    }

    /**
     * Forgets one connection now and again after the current transaction commits (at once when there is none): the
     * first eviction stops this node serving the old row, the second drops a copy another thread may have loaded
     * before the commit.
     */
    public void evictAfterCommit(UUID connectionId) {
        evict(connectionId);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    evict(connectionId);
                }
            });
        }
    }

    /** The listener is (again) subscribed: start from empty, since changes made while it was away were not heard. */
    void resume() {
        clear();
        heard();
        live = true;
    }

    /** The listener completed a round trip with the database. */
    void heard() {
        heardAt = System.nanoTime();
    }

    /** The listener lost its connection: stop using memory and forget everything. */
    void suspend() {
        live = false;
        clear();
    }

    /** Whether fetches are served from memory now. */
    public boolean live() {
        return live && System.nanoTime() - heardAt < livenessNanos;
    }

    /** Counts since start, for metrics: reads from memory, reads that missed, reads made while not live. */
    public Stats stats() {
        return new Stats(hits.sum(), misses.sum(), bypassed.sum(), entries.estimatedSize());
    }

    public record Stats(long hits, long misses, long bypassed, long size) {
    }

    void clear() {
        generation.incrementAndGet();
        entries.invalidateAll();
    }
}
