package dev.latchkey.broker.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RefreshPolicyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private final RefreshPolicy policy = RefreshPolicy.defaults();

    @Test
    void whenTokenNeverExpiresThenThereIsNoExpiryAndNoProactiveRefresh() {
        assertThat(policy.effectiveExpiry(T0, null, ExpirySource.NEVER, 100L)).isNull();
        assertThat(policy.nextRefreshAt(T0, null, true)).isNull();
        assertThat(policy.mustRefreshBeforeServing(T0, null, T0.plus(Duration.ofDays(400)))).isFalse();
    }

    @Test
    void whenExpiryIsUnknownThenOnlyALearnedLifetimeSchedulesARefresh() {
        assertThat(policy.effectiveExpiry(T0, null, ExpirySource.UNKNOWN, null)).isNull();
        Instant learned = policy.effectiveExpiry(T0, null, ExpirySource.UNKNOWN, 1000L);
        assertThat(learned).isEqualTo(T0.plusSeconds(900));
    }

    @Test
    void whenProviderLiesAboutExpiryThenTheLearnedLifetimeWins() {
        Instant stated = T0.plusSeconds(3600);
        assertThat(policy.effectiveExpiry(T0, stated, ExpirySource.PROVIDER, 1800L)).isEqualTo(T0.plusSeconds(1620));
        assertThat(policy.effectiveExpiry(T0, stated, ExpirySource.PROVIDER, 7200L)).isEqualTo(stated);
    }

    @RepeatedTest(20)
    void whenScheduledThenRenewalFallsInTheLastFifthOfTheLifetimePlusJitterAndNeverPastExpiry() {
        Instant expiry = T0.plusSeconds(3600);
        Instant next = policy.nextRefreshAt(T0, expiry, true);
        assertThat(next).isBetween(expiry.minusSeconds(720 + 180), expiry.minusSeconds(720));
    }

    @Test
    void whenThereIsNoRefreshTokenThenNothingIsScheduled() {
        assertThat(policy.nextRefreshAt(T0, T0.plusSeconds(3600), false)).isNull();
    }

    @Test
    void whenFetchedInsideTheWindowThenItMustRefreshFirst() {
        Instant expiry = T0.plusSeconds(3600);
        assertThat(policy.mustRefreshBeforeServing(T0, expiry, expiry.minusSeconds(31))).isFalse();
        assertThat(policy.mustRefreshBeforeServing(T0, expiry, expiry.minusSeconds(29))).isTrue();
        assertThat(policy.mustRefreshBeforeServing(T0, expiry, expiry.plusSeconds(1))).isTrue();
        // A 20-second token is not refreshed by callers for most of its life: the window shrinks to a tenth of it.
        Instant shortExpiry = T0.plusSeconds(20);
        assertThat(policy.mustRefreshBeforeServing(T0, shortExpiry, T0.plusSeconds(17))).isFalse();
        assertThat(policy.mustRefreshBeforeServing(T0, shortExpiry, T0.plusSeconds(18))).isTrue();
    }

    @Test
    void whenRejectedSoonAfterIssueThenItCountsAsFresh() {
        assertThat(policy.rejectedFresh(T0, T0.plusSeconds(5))).isTrue();
        assertThat(policy.rejectedFresh(T0, T0.plusSeconds(11))).isFalse();
    }

    @Test
    void whenAYoungTokenIsRejectedThenNoLifetimeIsLearnedFromIt() {
        assertThat(policy.teachesLifetime(T0, T0.plusSeconds(59))).isFalse();
        assertThat(policy.teachesLifetime(T0, T0.plusSeconds(60))).isTrue();
    }

    @RepeatedTest(20)
    void whenFailuresRepeatThenBackoffGrowsWithJitterUpToTheCap() {
        assertThat(policy.backoff(1, null)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(policy.backoff(4, null)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(16));
        assertThat(policy.backoff(40, null)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    @Test
    void whenProviderSaysRetryAfterThenBackoffIsAtLeastThat() {
        assertThat(policy.backoff(1, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
    }
}
