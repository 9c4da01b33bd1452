package dev.latchkey.benchmarks.broker;

import dev.latchkey.broker.provider.ProviderRateLimiter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many calls a provider would see in its busiest second when the broker's {@link ProviderRateLimiter} admits
 * them: {@code count} callers on up to 64 concurrent (virtual or platform) threads, as the refresh engine runs them,
 * each taking a slot and noting the time it got it. No HTTP, no database: only the limiter and the scheduler.
 *
 * <pre>
 * java -cp benchmarks.jar dev.latchkey.benchmarks.broker.LimiterBurstCheck [rate=190] [count=10000]
 *      [threads=virtual|platform] [mode=acquire|poll]
 * </pre>
 *
 * {@code acquire} is the broker's way ({@link ProviderRateLimiter#acquire}: reserve a slot, sleep until it, and be
 * admitted on waking against the admissions of the last window, waiting again after a late wake-up); {@code poll}
 * admits at the moment of the check ({@link ProviderRateLimiter#tryAcquire}, retried every 2 ms).
 */
public final class LimiterBurstCheck {

    private LimiterBurstCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> settings = new java.util.HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int rate = Integer.parseInt(settings.getOrDefault("rate", "190"));
        int count = Integer.parseInt(settings.getOrDefault("count", "10000"));
        boolean platform = settings.getOrDefault("threads", "virtual").equals("platform");
        boolean poll = settings.getOrDefault("mode", "acquire").equals("poll");
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("p", rate),
                ProviderRateLimiter.DEFAULT_MAX_BURST, System::nanoTime);
        long[] admitted = new long[count];
        Semaphore workers = new Semaphore(64);
        try (ExecutorService pool = platform ? Executors.newCachedThreadPool()
                : Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int n = i;
                workers.acquire();
                pool.execute(() -> {
                    try {
                        if (poll) {
                            while (!limiter.tryAcquire("p")) {
                                Thread.sleep(2);
                            }
                        } else if (!limiter.acquire("p", Duration.ofSeconds(30))) {
                            throw new IllegalStateException("no slot within 30 s");
                        }
                        admitted[n] = System.nanoTime();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        workers.release();
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.MINUTES);
        }
        Arrays.sort(admitted);
        int busiest = 0;
        for (int i = 0, j = 0; i < admitted.length; i++) {
            while (admitted[i] - admitted[j] >= 1_000_000_000L) {
                j++;
            }
            busiest = Math.max(busiest, i - j + 1);
        }
        System.out.printf("limit %d/s, %s threads, %s: %d calls over %.1f s; busiest 1 s window: %d calls%n", rate,
                platform ? "platform" : "virtual", poll ? "admit at check (tryAcquire)" : "reserve, sleep, admit on waking (acquire)",
                count, (admitted[count - 1] - admitted[0]) / 1e9, busiest);
    }
}
