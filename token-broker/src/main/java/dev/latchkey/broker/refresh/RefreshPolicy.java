package dev.latchkey.broker.refresh;

import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to renew a credential, and what a rejection or a failure means. Pure arithmetic, no I/O.
 *
 * @param lifetimeShare          renew this share of the lifetime before expiry (0.2: a one-hour token at 48 min)
 * @param jitterShare            plus up to this share of the lifetime at random, so tokens issued together do not
 *                               fall due together
 * @param fetchWindow            a fetch refreshes first when the token expires within this (capped at a tenth of
 *                               its lifetime); earlier renewal is the proactive engine's job
 * @param freshRejectionWindow   a token rejected this soon after issue was rejected "fresh": it says nothing about its
 *                               lifetime, and repeated fresh rejections mean the grant is dead
 * @param maxFreshRejections     fresh rejections in a row that mark the connection {@code needs_reauth}
 * @param backoffBase            first retry delay after a transient failure; doubles per failure, with jitter
 * @param backoffCap             longest retry delay
 * @param minLearnedLifetime     a rejection of a younger token teaches no lifetime: one early rejection (a token
 *                               revoked by hand, a clock hiccup) must not make a connection refresh every few seconds
 *                               for ever
 */
public record RefreshPolicy(double lifetimeShare, double jitterShare, Duration fetchWindow,
        Duration freshRejectionWindow, int maxFreshRejections, Duration backoffBase, Duration backoffCap,
        Duration minLearnedLifetime) {

    /** Learned lifetimes are trusted to this share, as a margin for the provider's own variance. */
    static final double LEARNED_TRUST = 0.9;
    private static final Duration MIN_LIFETIME = Duration.ofSeconds(2);

    public static RefreshPolicy defaults() {
        return new RefreshPolicy(0.2, 0.05, Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
                Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofSeconds(60));
    }

    /**
     * The moment the credential is effectively expired: the stated expiry, cut short by a learned lifetime.
     *
     * @return null when the token does not expire as far as anyone knows
     */
    public Instant effectiveExpiry(Instant issuedAt, Instant expiresAt, ExpirySource source, Long learnedSeconds) {
        if (source == ExpirySource.NEVER) {
            return null;
        }
        Instant learned = learnedSeconds == null ? null
                : issuedAt.plusMillis((long) (learnedSeconds * 1000 * LEARNED_TRUST));
        if (expiresAt == null) {
            return learned;
        }
        return learned != null && learned.isBefore(expiresAt) ? learned : expiresAt;
    }

    /** When the proactive engine renews it; null means never proactively (no expiry known, or nothing to renew with). */
    public Instant nextRefreshAt(Instant issuedAt, Instant effectiveExpiry, boolean hasRefreshToken) {
        if (effectiveExpiry == null || !hasRefreshToken) {
            return null;
        }
        Duration lifetime = Duration.between(issuedAt, effectiveExpiry);
        if (lifetime.compareTo(MIN_LIFETIME) < 0) {
            return issuedAt;
        }
        long lifetimeMillis = lifetime.toMillis();
        long margin = (long) (lifetimeMillis * lifetimeShare)
                + (long) (ThreadLocalRandom.current().nextDouble() * lifetimeMillis * jitterShare);
        return effectiveExpiry.minusMillis(Math.min(margin, lifetimeMillis / 2));
    }

    /** Whether a fetch must refresh before answering: expired, or expiring within the fetch window. */
    public boolean mustRefreshBeforeServing(Instant issuedAt, Instant effectiveExpiry, Instant now) {
        if (effectiveExpiry == null) {
            return false;
        }
        // A tenth of the lifetime at most: renewing earlier is the engine's job (it starts at 75-80 %), so a caller
        // waits on the provider only when the engine is behind.
        // In milliseconds: Duration.dividedBy goes through BigDecimal, which showed up on every token fetch.
        long tenthMillis = Duration.between(issuedAt, effectiveExpiry).toMillis() / 10;
        long windowMillis = Math.min(tenthMillis, fetchWindow.toMillis());
        return !now.isBefore(effectiveExpiry.minusMillis(windowMillis));
    }

    /** Whether a token rejected at {@code now} was rejected fresh (see {@link #freshRejectionWindow}). */
    public boolean rejectedFresh(Instant issuedAt, Instant now) {
        return Duration.between(issuedAt, now).compareTo(freshRejectionWindow) < 0;
    }

    /** Whether a token rejected at this age teaches the credential a (shorter) lifetime. */
    public boolean teachesLifetime(Instant issuedAt, Instant now) {
        return Duration.between(issuedAt, now).compareTo(minLearnedLifetime) >= 0;
    }

    /** The delay before retry number {@code failures} (1 for the first failure), at least the provider's Retry-After. */
    public Duration backoff(int failures, Duration retryAfter) {
        int exponent = Math.min(Math.max(failures - 1, 0), 20);
        long ceiling = Math.min(backoffCap.toMillis(), backoffBase.toMillis() << exponent);
        long delay = ceiling / 2 + (long) (ThreadLocalRandom.current().nextDouble() * (ceiling / 2.0));
        Duration jittered = Duration.ofMillis(delay);
        return retryAfter != null && retryAfter.compareTo(jittered) > 0 ? retryAfter : jittered;
    }
}
