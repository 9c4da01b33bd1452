package dev.latchkey.broker.provider;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.RateLimit;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps the broker's calls to each provider's token endpoint under the provider's limit, so that a burst of
 * refreshes (a deploy, a clock jump, thousands of tokens minted in the same minute) cannot get the whole app
 * throttled or banned by the provider.
 *
 * <p>The limit of a provider is, in order: the override for its id (requests per second, from configuration), else
 * its catalog {@link RateLimit} ({@code requests} per {@code window}); a provider with neither is unlimited.
 *
 * <p>Two rules admit a call, both checked on one reservation:
 * <ul>
 *   <li>a token bucket (GCRA form) of {@code burst = min(requests, maxBurst)} tokens refilled at
 *       {@code requests / window}, which spreads calls out instead of sending them in clumps;</li>
 *   <li>a record of the last {@code requests} admission times: a call is admitted only if the one {@code requests}
 *       calls before it is at least a window old. A bucket alone lets a full bucket plus a window's refill through
 *       in one window (a 200 per second limit would allow 399 in a second); this record makes "at most
 *       {@code requests} in any window of length {@code window}" hold exactly, wherever the window starts.</li>
 * </ul>
 * The record costs up to 8 bytes per request allowed in a window, per limited key, and only while calls are made.
 *
 * <p>{@link #acquire} reserves the earliest slot that satisfies both rules and then sleeps until it, outside any
 * lock; slots are handed out in the order callers arrive, so waiting is first come, first served and no sleeper
 * wakes up to find its slot taken. A reservation whose slot is further away than the caller's wait is not made.
 * The per-key state is updated in O(1) under the cache's per-entry lock, so hundreds of virtual threads contend only
 * for a few instructions each.
 *
 * <p>{@link RateLimit.Scope#USER} and {@link RateLimit.Scope#ACCOUNT} limits (Calendly: 8 per user per minute) are
 * counted per {@code subject} when the caller names one ({@link #tryAcquire(String, String)}); without a subject
 * they are applied to the provider as a whole, which is safe but much stricter than the provider's limit. Idle
 * per-subject state is evicted once it no longer constrains anything.
 */
public final class ProviderRateLimiter {

    /** Default cap on the bucket size: at most this many calls to one provider back to back. */
    public static final int DEFAULT_MAX_BURST = 10;

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    private static final long NOT_RESERVED = Long.MIN_VALUE;

    private final Map<String, Limit> limits;
    private final LongSupplier nanoTime;
    private final Cache<Key, Bucket> buckets;

    /**
     * A limiter with explicit limits.
     *
     * @param catalogLimits      provider id → its catalog limit; providers not in it are unlimited unless overridden
     * @param overridesPerSecond provider id → requests per second (positive); takes precedence over the catalog and
     *                           counts per provider ({@link RateLimit.Scope#APP})
     * @param maxBurst           the largest bucket, at least 1; each provider's bucket is
     *                           {@code min(its requests, maxBurst)}
     * @param nanoTime           a monotonic nanosecond clock ({@code System::nanoTime}); {@link #acquire} sleeps in
     *                           real time, so a test clock must run at real speed for it (tests of {@link #tryAcquire}
     *                           may step it freely)
     */
    public ProviderRateLimiter(Map<String, RateLimit> catalogLimits, Map<String, Integer> overridesPerSecond,
            int maxBurst, LongSupplier nanoTime) {
        if (maxBurst < 1) {
            throw new IllegalArgumentException("maxBurst must be at least 1");
        }
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        Map<String, Limit> effective = new HashMap<>();
        if (catalogLimits != null) {
            catalogLimits.forEach((id, limit) -> {
                if (limit != null) {
                    effective.put(id, Limit.of(limit.requests(), limit.window(), maxBurst, limit.scope()));
                }
            });
        }
        if (overridesPerSecond != null) {
            overridesPerSecond.forEach((id, perSecond) -> {
                if (perSecond == null || perSecond < 1) {
                    throw new IllegalArgumentException("rate limit override for '" + id + "' must be at least 1/s");
                }
                effective.put(id, Limit.of(perSecond, ONE_SECOND, maxBurst, RateLimit.Scope.APP));
            });
        }
        this.limits = Map.copyOf(effective);
        this.buckets = Caffeine.newBuilder()
                .ticker(nanoTime::getAsLong)
                .expireAfter(new IdleUntilFresh())
                .build();
    }

    /**
     * The limiter for a loaded catalog, on the system clock.
     *
     * @param overridesPerSecond provider id → requests per second from configuration; may be empty
     */
    public static ProviderRateLimiter forCatalog(ProviderCatalog catalog, Map<String, Integer> overridesPerSecond,
            int maxBurst) {
        Map<String, RateLimit> catalogLimits = new HashMap<>();
        for (Provider provider : catalog.providers()) {
            if (provider.rateLimit() != null) {
                catalogLimits.put(provider.id(), provider.rateLimit());
            }
        }
        return new ProviderRateLimiter(catalogLimits, overridesPerSecond, maxBurst, System::nanoTime);
    }

    /** The limit applied to {@code providerId}; empty when it is unlimited. */
    public Optional<Limit> limitOf(String providerId) {
        return Optional.ofNullable(limits.get(providerId));
    }

    /** Takes a slot for a call to {@code providerId}'s token endpoint now, if one is free; never waits. */
    public boolean tryAcquire(String providerId) {
        return tryAcquire(providerId, null);
    }

    /**
     * As {@link #tryAcquire(String)}, counting a user- or account-scoped limit against {@code subject}.
     *
     * @param subject the user or provider account the call is for; ignored for per-app limits; null = the provider
     */
    public boolean tryAcquire(String providerId, String subject) {
        Limit limit = limits.get(Objects.requireNonNull(providerId, "providerId"));
        return limit == null || reserve(providerId, subject, limit, 0L, nanoTime.getAsLong()) != NOT_RESERVED;
    }

    /**
     * Waits for a slot for a call to {@code providerId}'s token endpoint, first come first served.
     *
     * @param maxWait the longest the caller will wait; zero behaves as {@link #tryAcquire(String)}
     * @return true once the slot is reached; false at once when the earliest free slot is further than
     *         {@code maxWait} away (nothing is reserved then)
     * @throws InterruptedException when interrupted while waiting; the reserved slot is then left unused
     */
    public boolean acquire(String providerId, Duration maxWait) throws InterruptedException {
        return acquire(providerId, null, maxWait);
    }

    /** As {@link #acquire(String, Duration)}, counting a user- or account-scoped limit against {@code subject}. */
    public boolean acquire(String providerId, String subject, Duration maxWait) throws InterruptedException {
        Objects.requireNonNull(maxWait, "maxWait");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Limit limit = limits.get(Objects.requireNonNull(providerId, "providerId"));
        if (limit == null) {
            return true;
        }
        long maxWaitNanos = maxWait.isNegative() ? 0L : saturatedNanos(maxWait);
        long now = nanoTime.getAsLong();
        long slot = reserve(providerId, subject, limit, maxWaitNanos, now);
        if (slot == NOT_RESERVED) {
            return false;
        }
        long wait = slot - now;
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return true;
    }

    private long reserve(String providerId, String subject, Limit limit, long maxWaitNanos, long now) {
        Key key = new Key(providerId, limit.scope() == RateLimit.Scope.APP ? null : subject);
        long[] slot = {NOT_RESERVED};
        // compute runs under the entry's lock: the check and the reservation are one step, and the expiry policy
        // sees the bucket as the reservation left it.
        buckets.asMap().compute(key, (k, bucket) -> {
            Bucket current = bucket == null ? new Bucket(limit) : bucket;
            slot[0] = current.reserve(now, maxWaitNanos);
            return current;
        });
        return slot[0];
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /**
     * The effective limit of one provider.
     *
     * @param requests at most this many calls in any window of length {@code window}
     * @param burst    at most this many calls back to back ({@code min(requests, maxBurst)})
     * @param scope    what the limit is counted over
     */
    public record Limit(int requests, Duration window, int burst, RateLimit.Scope scope) {

        public Limit {
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(scope, "scope");
            if (requests < 1 || burst < 1 || burst > requests || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("a limit needs requests >= burst >= 1 and a positive window");
            }
        }

        static Limit of(int requests, Duration window, int maxBurst, RateLimit.Scope scope) {
            return new Limit(requests, window, Math.min(requests, maxBurst), scope);
        }
    }

    private record Key(String providerId, String subject) {
    }

    /**
     * One key's state. Not thread-safe: only touched inside the cache's {@code compute}. Times are
     * {@code nanoTime} values, compared by difference as {@link System#nanoTime} requires.
     */
    private static final class Bucket {

        private final long windowNanos;
        private final int requests;
        /** GCRA emission interval: the window spread over its requests, rounded up so the rate is never exceeded. */
        private final long intervalNanos;
        /** GCRA tolerance: how far ahead of the theoretical schedule a call may be, i.e. burst − 1 intervals. */
        private final long toleranceNanos;
        /**
         * Admission times still inside a window of now, oldest first, at most {@code requests}: a ring that grows
         * with use, so a large limit costs memory only while it is being used.
         */
        private long[] admitted = new long[4];
        private int head;
        private int size;
        private boolean used;
        /** GCRA theoretical arrival time of the next call. */
        private long theoreticalArrival;
        private long lastAdmitted;

        Bucket(Limit limit) {
            this.windowNanos = limit.window().toNanos();
            this.requests = limit.requests();
            this.intervalNanos = Math.ceilDiv(windowNanos, limit.requests());
            this.toleranceNanos = (limit.burst() - 1) * intervalNanos;
        }

        /** Reserves the earliest slot both rules allow, if it is within {@code maxWait}; else NOT_RESERVED. */
        long reserve(long now, long maxWaitNanos) {
            // Admissions a window before now cannot constrain a slot at or after now.
            while (size > 0 && now - (admitted[head] + windowNanos) >= 0) {
                head = (head + 1) % admitted.length;
                size--;
            }
            long slot = now;
            if (used) {
                slot = later(slot, theoreticalArrival - toleranceNanos);
                slot = later(slot, lastAdmitted); // first come, first served: never ahead of an earlier reservation
                if (size == requests) {
                    slot = later(slot, admitted[head] + windowNanos); // the call `requests` back is a window old
                }
            }
            if (slot - now > maxWaitNanos) {
                return NOT_RESERVED;
            }
            theoreticalArrival = (used ? later(theoreticalArrival, slot) : slot) + intervalNanos;
            record(slot);
            used = true;
            lastAdmitted = slot;
            return slot;
        }

        private void record(long slot) {
            if (size == requests) {
                head = (head + 1) % admitted.length;
                size--;
            } else if (size == admitted.length) {
                long[] grown = new long[Math.min(requests, admitted.length * 2)];
                for (int i = 0; i < size; i++) {
                    grown[i] = admitted[(head + i) % admitted.length];
                }
                admitted = grown;
                head = 0;
            }
            admitted[(head + size) % admitted.length] = slot;
            size++;
        }

        /** How long from {@code now} until this bucket constrains nothing and may be forgotten. */
        long nanosUntilFresh(long now) {
            long freshAt = later(lastAdmitted + windowNanos, theoreticalArrival);
            return Math.max(0L, freshAt - now);
        }

        private static long later(long a, long b) {
            return a - b >= 0 ? a : b;
        }
    }

    /** Evicts a bucket exactly when forgetting it changes nothing; a fresh one would admit the same calls. */
    private static final class IdleUntilFresh implements Expiry<Key, Bucket> {

        @Override
        public long expireAfterCreate(Key key, Bucket bucket, long currentTime) {
            return bucket.nanosUntilFresh(currentTime);
        }

        @Override
        public long expireAfterUpdate(Key key, Bucket bucket, long currentTime, long currentDuration) {
            return bucket.nanosUntilFresh(currentTime);
        }

        @Override
        public long expireAfterRead(Key key, Bucket bucket, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
