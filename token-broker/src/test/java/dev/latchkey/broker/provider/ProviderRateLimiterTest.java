package dev.latchkey.broker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.RateLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProviderRateLimiterTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    /** A clock the test steps by hand; starts far from zero, as {@code nanoTime} may. */
    private final AtomicLong now = new AtomicLong(-7 * SECOND);

    private ProviderRateLimiter limiter(Map<String, RateLimit> catalog, Map<String, Integer> overrides, int burst) {
        return new ProviderRateLimiter(catalog, overrides, burst, now::get);
    }

    private ProviderRateLimiter perSecond(String provider, int limit, int burst) {
        return limiter(Map.of(), Map.of(provider, limit), burst);
    }

    private static RateLimit rateLimit(int requests, int windowSeconds, RateLimit.Scope scope) {
        return new RateLimit(requests, Duration.ofSeconds(windowSeconds), scope, null);
    }

    /** The most of {@code sortedTimes} that fall in one half-open window of {@code window} nanoseconds. */
    private static int mostInAnyWindow(List<Long> sortedTimes, long window) {
        int most = 0;
        int start = 0;
        for (int end = 0; end < sortedTimes.size(); end++) {
            while (sortedTimes.get(end) - sortedTimes.get(start) >= window) {
                start++;
            }
            most = Math.max(most, end - start + 1);
        }
        return most;
    }

    /** Steps the clock a millisecond at a time for {@code duration}, taking every free slot; the admission times. */
    private List<Long> hammer(ProviderRateLimiter limiter, long duration) {
        List<Long> admitted = new ArrayList<>();
        long start = now.get();
        for (long t = start; t < start + duration; t += MS) {
            now.set(t);
            for (int i = 0; i < 1_000 && limiter.tryAcquire("acme"); i++) {
                admitted.add(t);
            }
        }
        return admitted;
    }

    // ---------------------------------------------------------------------------------------------- which limit

    @Test
    void whenAProviderHasNeitherCatalogLimitNorOverrideThenEveryCallPasses() throws InterruptedException {
        ProviderRateLimiter limiter = limiter(Map.of("calendly", rateLimit(8, 60, RateLimit.Scope.APP)), Map.of(), 10);

        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.tryAcquire("google")).isTrue();
        }
        assertThat(limiter.acquire("google", Duration.ZERO)).isTrue();
        assertThat(limiter.limitOf("google")).isEmpty();
    }

    @Test
    void whenAnOverrideIsConfiguredThenItWinsOverTheCatalogLimit() {
        ProviderRateLimiter limiter = limiter(Map.of("acme", rateLimit(8, 60, RateLimit.Scope.USER)),
                Map.of("acme", 3), 10);

        assertThat(limiter.limitOf("acme")).contains(
                new ProviderRateLimiter.Limit(3, Duration.ofSeconds(1), 3, RateLimit.Scope.APP));
        assertThat(limiter.tryAcquire("acme")).isTrue();
        assertThat(limiter.tryAcquire("acme")).isTrue();
        assertThat(limiter.tryAcquire("acme")).isTrue();
        assertThat(limiter.tryAcquire("acme")).isFalse();
    }

    @Test
    void whenBuiltFromTheBuiltInCatalogThenOnlyProvidersThatDocumentALimitAreLimited() {
        ProviderRateLimiter limiter = ProviderRateLimiter.forCatalog(new ProviderCatalog(), Map.of(), 10, 0);

        assertThat(limiter.limitOf("calendly")).contains(
                new ProviderRateLimiter.Limit(8, Duration.ofSeconds(60), 8, RateLimit.Scope.USER));
        assertThat(limiter.limitOf("google")).isEmpty();
    }

    @Test
    void whenTheCatalogIsGivenHeadroomThenItsLimitsShrinkByItButOverridesAreTakenAsGiven() {
        ProviderCatalog catalog = new ProviderCatalog();

        // Calendly documents 8 per user per minute: 10 % off, rounded down, is 7.
        assertThat(ProviderRateLimiter.forCatalog(catalog, Map.of(), 10, 0.1).limitOf("calendly")).contains(
                new ProviderRateLimiter.Limit(7, Duration.ofSeconds(60), 7, RateLimit.Scope.USER));
        // Never below one call per window, however much headroom.
        assertThat(ProviderRateLimiter.forCatalog(catalog, Map.of(), 10, 0.5).limitOf("calendly"))
                .map(ProviderRateLimiter.Limit::requests).contains(4);
        assertThat(ProviderRateLimiter.forCatalog(catalog, Map.of("calendly", 3, "google", 200), 10, 0.1)
                .limitOf("calendly")).contains(
                new ProviderRateLimiter.Limit(3, Duration.ofSeconds(1), 3, RateLimit.Scope.APP));
        assertThat(ProviderRateLimiter.forCatalog(catalog, Map.of("google", 200), 10, 0.1).limitOf("google"))
                .map(ProviderRateLimiter.Limit::requests).contains(200);

        for (double bad : new double[] {-0.1, 0.51, Double.NaN}) {
            assertThatThrownBy(() -> ProviderRateLimiter.forCatalog(catalog, Map.of(), 10, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headroom");
        }
    }

    @Test
    void whenTheLimitIsSharedAmongNodesThenThisNodeAdmitsItsShareAndItsRecentCallsStillCount() {
        ProviderRateLimiter limiter = perSecond("acme", 100, 10);

        List<Long> alone = hammer(limiter, 600 * MS);
        assertThat(alone).hasSizeGreaterThan(60);
        limiter.shareAmong(2);
        assertThat(limiter.limitOf("acme")).contains(
                new ProviderRateLimiter.Limit(50, Duration.ofSeconds(1), 10, RateLimit.Scope.APP));
        List<Long> shared = hammer(limiter, 3 * SECOND);

        // The calls made alone still fill the window: nothing more until fewer than 50 of them are a second old.
        List<Long> all = new ArrayList<>(alone);
        all.addAll(shared);
        for (long admitted : shared) {
            assertThat(all.stream().filter(t -> t > admitted - SECOND && t <= admitted).count())
                    .as("calls in the second up to %d ms", (admitted - alone.getFirst()) / MS)
                    .isLessThanOrEqualTo(50);
        }
        assertThat(shared.getFirst() - alone.getFirst()).isGreaterThan(SECOND / 2);
        assertThat(mostInAnyWindow(shared, SECOND)).isEqualTo(50);

        limiter.shareAmong(3);
        assertThat(limiter.limitOf("acme")).map(ProviderRateLimiter.Limit::requests).contains(33);
        limiter.shareAmong(1_000);
        assertThat(limiter.limitOf("acme")).as("never less than one call per window")
                .contains(new ProviderRateLimiter.Limit(1, Duration.ofSeconds(1), 1, RateLimit.Scope.APP));
        limiter.shareAmong(1);
        assertThat(limiter.limitOf("acme")).map(ProviderRateLimiter.Limit::requests).contains(100);
        assertThatThrownBy(() -> limiter.shareAmong(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAnOverrideIsNotPositiveThenTheLimiterIsRefused() {
        assertThatThrownBy(() -> perSecond("acme", 0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acme");
        assertThatThrownBy(() -> perSecond("acme", 5, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------------------------------- bursts, windows

    @Test
    void whenTheConfiguredBurstExceedsTheLimitThenTheBucketHoldsOnlyTheLimit() {
        ProviderRateLimiter limiter = perSecond("acme", 200, 1_000);

        int admitted = 0;
        while (admitted < 10_000 && limiter.tryAcquire("acme")) {
            admitted++;
        }

        assertThat(admitted).isEqualTo(200);
        assertThat(limiter.limitOf("acme").orElseThrow().burst()).isEqualTo(200);
    }

    @Test
    void whenA200PerSecondLimitIsHammeredForThreeSecondsThenNoOneSecondWindowEverSeesMoreThan200() {
        ProviderRateLimiter limiter = perSecond("acme", 200, 200);

        List<Long> admitted = hammer(limiter, 3 * SECOND);

        // A plain bucket of 200 refilled at 200/s would let ~400 through in the first second.
        assertThat(mostInAnyWindow(admitted, SECOND)).isEqualTo(200);
        assertThat(admitted).hasSizeBetween(3 * 200 - 1, 3 * 200);
    }

    @Test
    void whenTheBurstIsSmallThenCallsAreSpreadEvenlyAtTheLimitRate() {
        ProviderRateLimiter limiter = perSecond("acme", 100, 5);
        long start = now.get();

        List<Long> admitted = hammer(limiter, 2 * SECOND);

        assertThat(admitted.stream().filter(t -> t == start).count()).isEqualTo(5);
        assertThat(mostInAnyWindow(admitted, 100 * MS)).isLessThanOrEqualTo(5 + 10);
        assertThat(mostInAnyWindow(admitted, SECOND)).isLessThanOrEqualTo(100);
        assertThat(admitted).hasSizeGreaterThanOrEqualTo(195);
    }

    @Test
    void whenHundredsOfVirtualThreadsContendThenNoWindowEverSeesMoreThanTheLimit() throws Exception {
        ProviderRateLimiter limiter = perSecond("acme", 50, 10);
        List<Long> admitted = Collections.synchronizedList(new ArrayList<>());
        long start = now.get();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            // Two seconds of provider time in 50 ms steps; within a step 300 threads race for the free slots.
            for (long t = start; t < start + 2 * SECOND; t += 50 * MS) {
                now.set(t);
                long at = t;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> racers = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    racers.add(threads.submit(() -> {
                        go.await();
                        for (int attempt = 0; attempt < 3; attempt++) {
                            if (limiter.tryAcquire("acme")) {
                                admitted.add(at);
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> racer : racers) {
                    racer.get(10, TimeUnit.SECONDS);
                }
            }
        }

        List<Long> sorted = new ArrayList<>(admitted);
        Collections.sort(sorted);
        assertThat(mostInAnyWindow(sorted, SECOND)).isLessThanOrEqualTo(50);
        assertThat(sorted).as("the limit is used, not just respected").hasSizeGreaterThanOrEqualTo(90);
    }

    @Test
    void whenTheCatalogLimitIsPerMinuteThenTheWindowIsAMinute() {
        ProviderRateLimiter limiter = limiter(Map.of("acme", rateLimit(8, 60, RateLimit.Scope.APP)), Map.of(), 10);

        for (int i = 0; i < 8; i++) {
            assertThat(limiter.tryAcquire("acme")).isTrue();
        }
        now.addAndGet(59 * SECOND);
        assertThat(limiter.tryAcquire("acme")).as("only 59 s later").isFalse();
        now.addAndGet(SECOND);
        assertThat(limiter.tryAcquire("acme")).isTrue();
    }

    // ------------------------------------------------------------------------------------------------- scopes

    /** Calendly's documented limit. */
    private ProviderRateLimiter eightPerUserPerMinute() {
        return limiter(Map.of("calendly", rateLimit(8, 60, RateLimit.Scope.USER)), Map.of(), 10);
    }

    /** How many calls for {@code subject} pass right now before the first refusal. */
    private static int admitted(ProviderRateLimiter limiter, String subject) {
        int admitted = 0;
        while (admitted < 1_000 && limiter.tryAcquire("calendly", subject)) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void whenTheLimitIsPerUserThenEachSubjectHasItsOwnBudgetAndNoSubjectMeansTheWholeProvider() {
        ProviderRateLimiter limiter = eightPerUserPerMinute();

        assertThat(admitted(limiter, "alice")).isEqualTo(8);
        assertThat(limiter.tryAcquire("calendly", "bob")).isTrue();
        assertThat(admitted(limiter, null)).as("no subject: one budget for the provider").isEqualTo(8);
    }

    @Test
    void whenTheLimitIsPerAppThenSubjectsShareOneBudget() {
        ProviderRateLimiter limiter = perSecond("acme", 2, 2);

        assertThat(limiter.tryAcquire("acme", "alice")).isTrue();
        assertThat(limiter.tryAcquire("acme", "bob")).isTrue();
        assertThat(limiter.tryAcquire("acme")).isFalse();
    }

    @Test
    void whenASubjectIsIdleForLessThanTheWindowThenItsBudgetIsNotForgotten() {
        ProviderRateLimiter limiter = eightPerUserPerMinute();
        assertThat(admitted(limiter, "alice")).isEqualTo(8);

        // Many other subjects come and go meanwhile (the cache runs its maintenance on these calls).
        for (int i = 0; i < 2_000; i++) {
            now.addAndGet(25 * MS);
            limiter.tryAcquire("calendly", "user-" + i);
        }

        assertThat(limiter.tryAcquire("calendly", "alice")).as("50 s after its 8 calls").isFalse();
        now.addAndGet(10 * SECOND);
        assertThat(limiter.tryAcquire("calendly", "alice")).isTrue();
    }

    @Test
    void whenALimitIsLargeThenEachSubjectCostsMemoryForItsOwnCallsOnlyNotForTheWholeLimit() {
        // A million per user per day: a record sized for the limit up front would need 8 MB per user.
        ProviderRateLimiter limiter = limiter(Map.of("big", rateLimit(1_000_000, 86_400, RateLimit.Scope.USER)),
                Map.of(), 10);

        for (int i = 0; i < 50_000; i++) {
            assertThat(limiter.tryAcquire("big", "user-" + i)).isTrue();
        }
    }

    // ------------------------------------------------------------------------------------------------ waiting

    @Test
    void whenTheSlotIsFurtherThanTheWaitThenAcquireFailsAtOnceAndReservesNothing() throws InterruptedException {
        ProviderRateLimiter limiter = perSecond("acme", 1, 1);
        assertThat(limiter.tryAcquire("acme")).isTrue();

        long start = System.nanoTime();
        assertThat(limiter.acquire("acme", Duration.ofMillis(500))).isFalse();
        assertThat(System.nanoTime() - start).as("did not sit out its maxWait").isLessThan(400 * MS);
        assertThat(limiter.acquire("acme", Duration.ZERO)).isFalse();

        now.addAndGet(SECOND);
        assertThat(limiter.tryAcquire("acme")).as("the failed acquires took no slot").isTrue();
    }

    @Test
    void whenASlotFreesUpWithinTheWaitThenAcquireWaitsForItAndSucceeds() throws InterruptedException {
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("acme", 10), 1, System::nanoTime);

        long start = System.nanoTime();
        assertThat(limiter.tryAcquire("acme")).isTrue();
        assertThat(limiter.tryAcquire("acme")).isFalse();
        assertThat(limiter.acquire("acme", Duration.ofSeconds(1))).isTrue();

        assertThat(System.nanoTime() - start).isBetween(95 * MS, 900 * MS);
    }

    @Test
    void whenCallersQueueThenEachWaitsForItsOwnSlotAndNewcomersCannotJumpTheQueue() throws Exception {
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("acme", 10), 1, System::nanoTime);
        long start = System.nanoTime();
        assertThat(limiter.tryAcquire("acme")).isTrue();
        List<Long> woke = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();

        for (int i = 0; i < 4; i++) {
            waiters.add(Thread.ofVirtual().start(() -> {
                try {
                    assertThat(limiter.acquire("acme", Duration.ofSeconds(5))).isTrue();
                    woke.add(System.nanoTime());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread waiter : waiters) {
            while (waiter.isAlive() && waiter.getState() != Thread.State.TIMED_WAITING && woke.isEmpty()) {
                Thread.onSpinWait();
            }
        }

        // Four callers hold the next four 100 ms slots; a newcomer's slot is behind them, about 500 ms away.
        assertThat(limiter.tryAcquire("acme")).isFalse();
        assertThat(limiter.acquire("acme", Duration.ofMillis(250))).isFalse();
        for (Thread waiter : waiters) {
            waiter.join(5_000);
        }
        List<Long> sorted = new ArrayList<>(woke);
        Collections.sort(sorted);
        assertThat(sorted).hasSize(4);
        for (int k = 0; k < sorted.size(); k++) {
            // Sleeps never end early, so the k-th waiter to wake cannot be before the k-th slot.
            assertThat(sorted.get(k) - start).as("waiter %d", k).isGreaterThanOrEqualTo((k + 1) * 100 * MS - MS);
        }
    }

    @Test
    void whenCallersWakeLateThenNoOneSecondWindowEverSeesMoreThanTheLimitAndThroughputStaysNearIt() throws Exception {
        int limit = 100;
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("acme", limit),
                ProviderRateLimiter.DEFAULT_MAX_BURST, System::nanoTime);
        List<Long> admitted = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + 3 * SECOND;

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            // A busy scheduler: CPU-bound virtual threads hold every carrier for 3 ms at a time, so callers sleeping
            // until their slot wake late, by a few milliseconds and unevenly. A limiter that admits at the planned
            // slot lets 110 to 134 calls through in some second here.
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
                threads.submit(() -> {
                    while (System.nanoTime() - end < 0) {
                        long chunk = System.nanoTime() + 3 * MS;
                        while (System.nanoTime() - chunk < 0) {
                            Thread.onSpinWait();
                        }
                        Thread.sleep(1);
                    }
                    return null;
                });
            }
            // 64 callers, as the refresh engine runs them, each asking again as soon as it is let through.
            for (int i = 0; i < 64; i++) {
                threads.submit(() -> {
                    while (System.nanoTime() - end < 0) {
                        long at = limiter.admittedAt("acme", null, Duration.ofSeconds(5));
                        assertThat(at).isNotEqualTo(ProviderRateLimiter.REFUSED);
                        admitted.add(at);
                    }
                    return null;
                });
            }
        }

        List<Long> sorted = new ArrayList<>(admitted);
        Collections.sort(sorted);
        assertThat(mostInAnyWindow(sorted, SECOND)).isLessThanOrEqualTo(limit);
        long first = sorted.getFirst();
        long inTwoSeconds = sorted.stream().filter(t -> t - (first + 2 * SECOND) < 0).count();
        assertThat(inTwoSeconds).as("the limit is used, not just respected").isGreaterThanOrEqualTo(2 * limit * 9 / 10);
    }

    @Test
    void whenInterruptedWhileWaitingThenAcquireThrows() throws Exception {
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("acme", 1), 1, System::nanoTime);
        assertThat(limiter.tryAcquire("acme")).isTrue();
        AtomicInteger outcome = new AtomicInteger();

        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                limiter.acquire("acme", Duration.ofSeconds(5));
                outcome.set(1);
            } catch (InterruptedException e) {
                outcome.set(2);
            }
        });
        Thread.sleep(50);
        waiter.interrupt();
        waiter.join(2_000);

        assertThat(outcome).hasValue(2);
    }
}
