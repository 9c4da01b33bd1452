package dev.latchkey.broker.webhook;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link WebhookDispatcher} claims, sends and retries.
 *
 * @param batchSize      outbox rows claimed per round
 * @param concurrency    deliveries sent at once per node
 * @param maxAttempts    attempts before a delivery is marked failed for good
 * @param baseBackoff    ceiling of the wait after the first failure; doubles per failure (full jitter below it)
 * @param maxBackoff     largest ceiling
 * @param lease          how long a claimed row stays invisible to other nodes while it is being sent; longer than
 *                       one delivery can take ({@code connectTimeout + requestTimeout}) plus a margin
 * @param connectTimeout TCP and TLS connect timeout
 * @param requestTimeout time for the receiver to answer once connected
 */
public record WebhookDispatchSettings(int batchSize, int concurrency, int maxAttempts, Duration baseBackoff,
        Duration maxBackoff, Duration lease, Duration connectTimeout, Duration requestTimeout) {

    /** Time kept free at the end of a lease so a delivery never outlives it. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(5);

    public WebhookDispatchSettings {
        Objects.requireNonNull(baseBackoff, "baseBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (batchSize < 1 || batchSize > 1000) {
            throw new IllegalArgumentException("batchSize must be 1..1000");
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("concurrency must be 1..256");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        new Backoff(baseBackoff, maxBackoff); // validates
        if (!positive(connectTimeout) || !positive(requestTimeout)) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (lease.compareTo(deliveryTimeout(connectTimeout, requestTimeout).plus(LEASE_MARGIN.multipliedBy(2))) < 0) {
            throw new IllegalArgumentException("lease must exceed connectTimeout + requestTimeout + 10s");
        }
    }

    /** 32 rows, 4 at once, 12 attempts, backoff 5 s doubling to 1 h, 60 s lease, timeouts 5 s and 10 s. */
    public static WebhookDispatchSettings defaults() {
        return new WebhookDispatchSettings(32, 4, 12, Duration.ofSeconds(5), Duration.ofHours(1),
                Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    public WebhookDispatchSettings withBackoff(Duration base, Duration max) {
        return new WebhookDispatchSettings(batchSize, concurrency, maxAttempts, base, max, lease, connectTimeout,
                requestTimeout);
    }

    public WebhookDispatchSettings withMaxAttempts(int attempts) {
        return new WebhookDispatchSettings(batchSize, concurrency, attempts, baseBackoff, maxBackoff, lease,
                connectTimeout, requestTimeout);
    }

    public WebhookDispatchSettings withBatch(int size, int parallel) {
        return new WebhookDispatchSettings(size, parallel, maxAttempts, baseBackoff, maxBackoff, lease,
                connectTimeout, requestTimeout);
    }

    /** The longest one delivery may take before it is abandoned. */
    Duration deliveryTimeout() {
        return deliveryTimeout(connectTimeout, requestTimeout);
    }

    Backoff backoff() {
        return new Backoff(baseBackoff, maxBackoff);
    }

    private static Duration deliveryTimeout(Duration connect, Duration request) {
        return connect.plus(request);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
