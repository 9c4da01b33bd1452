package dev.latchkey.broker.webhook;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: after the n-th failed attempt the wait is uniform in
 * {@code [0, min(cap, base * 2^(n-1))]}. Full jitter spreads the retries of many events failing at once (a receiver
 * outage) instead of sending them back in synchronised waves.
 */
record Backoff(Duration base, Duration cap) {

    Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap");
        }
    }

    /** The largest wait after {@code attempt} failed attempts (1 for the first failure). */
    Duration ceiling(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1");
        }
        long baseMillis = base.toMillis();
        long capMillis = cap.toMillis();
        int doublings = attempt - 1;
        // Stop doubling once the cap is reached (also keeps the shift far from overflow).
        if (doublings >= 62 || baseMillis > (capMillis >> doublings)) {
            return cap;
        }
        return Duration.ofMillis(Math.min(capMillis, baseMillis << doublings));
    }

    /** A random wait in {@code [0, ceiling(attempt)]}, millisecond resolution. */
    Duration delay(int attempt, RandomGenerator random) {
        return Duration.ofMillis(random.nextLong(0, ceiling(attempt).toMillis() + 1));
    }
}
