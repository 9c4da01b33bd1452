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
 * its catalog {@link RateLimit} ({@code requests} per {@code window}, less the headroom {@link #forCatalog} keeps);
 * a provider with neither is unlimited. It is the deployment's limit: {@link #shareAmong} gives this node its share,
 * the limit divided by the number of live nodes, and everything below applies to that share.
 *
 * <p>A call goes through two steps. Its <em>slot</em> is the earliest instant that satisfies a schedule of two rules:
 * <ul>
 *   <li>a token bucket (GCRA form) of {@code burst = min(requests, maxBurst)} tokens refilled at
 *       {@code requests / window}, which spreads calls out instead of sending them in clumps;</li>
 *   <li>a record of the last {@code requests} slots: a slot is given only if the one {@code requests} slots before
 *       it is at least a window old. A bucket alone lets a full bucket plus a window's refill through in one window
 *       (a 200 per second limit would allow 399 in a second).</li>
 * </ul>
 * Then, when the caller is back from sleeping until its slot, it is <em>admitted</em> against a record of the last
 * {@code requests} admissions, at the instants they really happened: if that many were let through in the window
 * before now, the caller sleeps until the oldest of them is a window old and asks again. A slot is only a plan; a
 * thread that wakes late (a busy scheduler, a GC pause) would otherwise send in the next window on top of the calls
 * planned there, which is how a 200 per second provider saw 229 calls in one second from a node limited to 190.
 * So "at most {@code requests} admissions in any window of length {@code window}" holds exactly, wherever the window
 * starts and however late callers wake; lateness delays calls instead. Each record costs up to 8 bytes per request
 * allowed in a window, per limited key, and only while calls are made.
 *
 * <p>{@link #acquire} reserves the slot under the key's lock and sleeps outside it; slots are handed out in the
 * order callers arrive, so waiting is first come, first served. While callers wake on time the admissions are the
 * slots and nobody waits twice; after late wake-ups some callers wait again, each time until a definite instant (no
 * spinning), and a reservation made meanwhile is planned after the admissions already in the window. A reservation
 * whose slot is further away than the caller's wait is not made, and a caller whose next try would fall after its
 * wait gives up. The per-key state is updated in O(1) under the cache's per-entry lock, so hundreds of virtual
 * threads contend only for a few instructions each.
 *
 * <p>{@link RateLimit.Scope#USER} and {@link RateLimit.Scope#ACCOUNT} limits (Calendly: 8 per user per minute) are
 * counted per {@code subject} when the caller names one ({@link #tryAcquire(String, String)}); without a subject
 * they are applied to the provider as a whole, which is safe but much stricter than the provider's limit. Idle
 * per-subject state is evicted once it no longer constrains anything.
 */
public final class ProviderRateLimiter {

    /** Default cap on the bucket size: at most this many calls to one provider back to back. */
    public static final int DEFAULT_MAX_BURST = 10;
    /** The largest share of a catalog limit {@link #forCatalog} may leave unused. */
    public static final double MAX_HEADROOM = 0.5;

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    /** What a step, and {@link #admittedAt}, answer when the call may not be made. */
    static final long REFUSED = Long.MIN_VALUE;

    /** The deployment's limits, as configured. */
    private final Map<String, Limit> limits;
    /** This node's share of them: {@link #limits} divided among the live nodes. */
    private volatile Map<String, Limit> shares;
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
        this.shares = limits;
        this.buckets = Caffeine.newBuilder()
                .ticker(nanoTime::getAsLong)
                .expireAfter(new IdleUntilFresh())
                .build();
    }

    /**
     * The limiter for a loaded catalog, on the system clock, staying {@code headroom} under each catalogued limit.
     *
     * <p>A catalog limit is what the provider enforces, counted by arrival. This limiter counts admissions, and the
     * HTTP client, the network and the provider's own front end bunch calls up on the way (on a loaded machine a
     * node admitting 190 per second was seen arriving as 214 in one second), so admitting the provider's exact
     * number would earn 429s. Overrides are taken as given: they are already the number an operator chose.
     *
     * @param overridesPerSecond provider id → requests per second from configuration; may be empty
     * @param headroom           the share of each catalog limit left unused, from 0 to 0.5; at least one request
     *                           per window is always allowed
     */
    public static ProviderRateLimiter forCatalog(ProviderCatalog catalog, Map<String, Integer> overridesPerSecond,
            int maxBurst, double headroom) {
        if (!(headroom >= 0 && headroom <= MAX_HEADROOM)) {
            throw new IllegalArgumentException("rate limit headroom must be between 0 and " + MAX_HEADROOM);
        }
        Map<String, RateLimit> catalogLimits = new HashMap<>();
        for (Provider provider : catalog.providers()) {
            RateLimit documented = provider.rateLimit();
            if (documented != null) {
                int allowed = Math.max(1, (int) Math.floor(documented.requests() * (1 - headroom)));
                catalogLimits.put(provider.id(),
                        new RateLimit(allowed, documented.window(), documented.scope(), documented.note()));
            }
        }
        return new ProviderRateLimiter(catalogLimits, overridesPerSecond, maxBurst, System::nanoTime);
    }

    /** This node's limit for {@code providerId} (its share of the deployment's); empty when it is unlimited. */
    public Optional<Limit> limitOf(String providerId) {
        return Optional.ofNullable(shares.get(providerId));
    }

    /**
     * Divides every limit evenly among {@code nodes} nodes calling the same providers, so that together they stay
     * within it; at least one call per window remains each node's. A key's recent slots and admissions carry over
     * into its new share, so a smaller share is not a fresh allowance on top of what the window already holds.
     *
     * @param nodes the live nodes, this one included (see {@code NodeRoster})
     */
    public void shareAmong(int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be at least 1");
        }
        Map<String, Limit> divided = new HashMap<>();
        limits.forEach((id, limit) -> divided.put(id, limit.dividedAmong(nodes)));
        shares = Map.copyOf(divided);
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
        Limit limit = shares.get(Objects.requireNonNull(providerId, "providerId"));
        return limit == null || reserve(key(providerId, subject, limit), 0L).admitted();
    }

    /**
     * Waits for a slot for a call to {@code providerId}'s token endpoint, first come first served, and is admitted
     * when it returns true: the call must be sent now.
     *
     * @param maxWait the longest the caller will wait; zero behaves as {@link #tryAcquire(String)}
     * @return true once admitted; false at once when the earliest free slot is further than {@code maxWait} away
     *         (nothing is reserved then), or when a late wake-up would have to wait past {@code maxWait}
     * @throws InterruptedException when interrupted while waiting; the reserved slot is then left unused
     */
    public boolean acquire(String providerId, Duration maxWait) throws InterruptedException {
        return acquire(providerId, null, maxWait);
    }

    /** As {@link #acquire(String, Duration)}, counting a user- or account-scoped limit against {@code subject}. */
    public boolean acquire(String providerId, String subject, Duration maxWait) throws InterruptedException {
        return admittedAt(providerId, subject, maxWait) != REFUSED;
    }

    /**
     * {@link #acquire(String, String, Duration)}, answering the clock reading at which the call was admitted, or
     * {@link #REFUSED}. Tests check these instants: a caller's own reading after the return may lag behind.
     */
    long admittedAt(String providerId, String subject, Duration maxWait) throws InterruptedException {
        Objects.requireNonNull(maxWait, "maxWait");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Limit limit = shares.get(Objects.requireNonNull(providerId, "providerId"));
        if (limit == null) {
            return nanoTime.getAsLong();
        }
        long maxWaitNanos = maxWait.isNegative() ? 0L : saturatedNanos(maxWait);
        Key key = key(providerId, subject, limit);
        Turn turn = reserve(key, maxWaitNanos);
        long deadline = turn.now() + maxWaitNanos;
        while (!turn.admitted()) {
            if (turn.at() == REFUSED || turn.at() - deadline > 0) {
                return REFUSED;
            }
            long wait = turn.at() - nanoTime.getAsLong();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            turn = admit(key);
        }
        return turn.now();
    }

    private static Key key(String providerId, String subject, Limit limit) {
        return new Key(providerId, limit.scope() == RateLimit.Scope.APP ? null : subject);
    }

    /** Reserves the earliest slot within {@code maxWaitNanos}; a slot that is now is admitted in the same step. */
    private Turn reserve(Key key, long maxWaitNanos) {
        return underLock(key, (bucket, now) -> {
            long slot = bucket.reserve(now, maxWaitNanos);
            return slot == now ? bucket.admit(now) : slot;
        });
    }

    private Turn admit(Key key) {
        return underLock(key, Bucket::admit);
    }

    /**
     * Runs one step on the key's bucket inside {@code compute}, under the entry's lock: the check and the record are
     * one step, the clock is read inside it (so each record's instants never decrease), and the expiry policy sees
     * the bucket as the step left it.
     */
    private Turn underLock(Key key, Step step) {
        // Read at every step: a caller that slept through a change of this node's share is admitted under the new one.
        Limit limit = shares.get(key.providerId());
        Turn[] turn = new Turn[1];
        buckets.asMap().compute(key, (k, bucket) -> {
            Bucket current = bucket == null ? new Bucket(limit)
                    : bucket.limit.equals(limit) ? bucket : bucket.resizedTo(limit);
            long now = nanoTime.getAsLong();
            turn[0] = new Turn(now, step.at(current, now));
            return current;
        });
        return turn[0];
    }

    @FunctionalInterface
    private interface Step {
        /** The instant the caller may go: {@code now} when admitted, later to sleep until, or REFUSED. */
        long at(Bucket bucket, long now);
    }

    /** A step's clock reading and its answer: admitted when {@code at == now}. */
    private record Turn(long now, long at) {
        boolean admitted() {
            return at == now;
        }
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

        Limit dividedAmong(int nodes) {
            int share = Math.max(1, requests / nodes);
            return new Limit(share, window, Math.min(share, burst), scope);
        }
    }

    private record Key(String providerId, String subject) {
    }

    /**
     * One key's state. Not thread-safe: only touched inside the cache's {@code compute}. Times are
     * {@code nanoTime} values, compared by difference as {@link System#nanoTime} requires.
     */
    private static final class Bucket {

        private final Limit limit;
        /** GCRA emission interval: the window spread over its requests, rounded up so the rate is never exceeded. */
        private final long intervalNanos;
        /** GCRA tolerance: how far ahead of the theoretical schedule a call may be, i.e. burst − 1 intervals. */
        private final long toleranceNanos;
        /** The slots handed out: the schedule callers sleep towards. */
        private final WindowLog slots;
        /** The calls admitted, at the instants they were: what the provider sees. */
        private final WindowLog admissions;
        private boolean used;
        /** GCRA theoretical arrival time of the next call. */
        private long theoreticalArrival;

        Bucket(Limit limit) {
            this(limit, new WindowLog(limit.window().toNanos(), limit.requests()),
                    new WindowLog(limit.window().toNanos(), limit.requests()));
        }

        private Bucket(Limit limit, WindowLog slots, WindowLog admissions) {
            this.limit = limit;
            this.intervalNanos = Math.ceilDiv(limit.window().toNanos(), limit.requests());
            this.toleranceNanos = (limit.burst() - 1) * intervalNanos;
            this.slots = slots;
            this.admissions = admissions;
        }

        /** This key's state under another limit of the same window: the recent slots and admissions still count. */
        Bucket resizedTo(Limit other) {
            Bucket resized = new Bucket(other, slots.resizedTo(other.requests()),
                    admissions.resizedTo(other.requests()));
            resized.used = used;
            resized.theoreticalArrival = theoreticalArrival;
            return resized;
        }

        /** Reserves the earliest slot every rule allows, if it is within {@code maxWait}; else REFUSED. */
        long reserve(long now, long maxWaitNanos) {
            slots.forgetBefore(now);
            admissions.forgetBefore(now);
            long slot = now;
            if (used) {
                slot = later(slot, theoreticalArrival - toleranceNanos);
            }
            if (!slots.isEmpty()) {
                slot = later(slot, slots.newest()); // first come, first served: never ahead of an earlier reservation
            }
            if (slots.isFull()) {
                slot = later(slot, slots.freeAt()); // the slot `requests` back is a window old
            }
            if (admissions.isFull()) {
                slot = later(slot, admissions.freeAt()); // late wake-ups have used the window up to now
            }
            if (slot - now > maxWaitNanos) {
                return REFUSED;
            }
            theoreticalArrival = (used ? later(theoreticalArrival, slot) : slot) + intervalNanos;
            used = true;
            slots.add(slot);
            return slot;
        }

        /** Admits a call now if fewer than {@code requests} were admitted in the window before; else when to retry. */
        long admit(long now) {
            admissions.forgetBefore(now);
            if (admissions.isFull()) {
                return admissions.freeAt();
            }
            admissions.add(now);
            return now;
        }

        /** How long from {@code now} until this bucket constrains nothing and may be forgotten. */
        long nanosUntilFresh(long now) {
            long freshAt = now;
            if (used) {
                freshAt = later(freshAt, theoreticalArrival);
            }
            if (!slots.isEmpty()) {
                freshAt = later(freshAt, slots.idleAt());
            }
            if (!admissions.isEmpty()) {
                freshAt = later(freshAt, admissions.idleAt());
            }
            return freshAt - now;
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
