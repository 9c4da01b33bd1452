package dev.latchkey.broker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofHours(1));

    @Test
    void whenFailuresAccumulateThenTheCeilingDoublesUpToTheCap() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.ceiling(10)).isEqualTo(Duration.ofSeconds(2560));
        assertThat(backoff.ceiling(11)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff.ceiling(12)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void whenTheAttemptCountIsHugeThenTheCeilingIsTheCapWithoutOverflow() {
        assertThat(backoff.ceiling(63)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff.ceiling(64)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void whenDelaysAreDrawnThenTheySpreadOverZeroToTheCeiling() {
        Random random = new Random(42);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Duration delay = backoff.delay(3, random);
            assertThat(delay).isBetween(Duration.ZERO, Duration.ofSeconds(20));
            seen.add(delay.toMillis() / 1000);
        }
        // Full jitter: every second of the window is used, not just the top of it.
        assertThat(seen).containsAll(LongStream.range(0, 20).boxed().toList());
    }

    @Test
    void whenTheBaseIsNotPositiveOrAboveTheCapThenRejected() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backoff.ceiling(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenTheLeaseIsShorterThanOneDeliveryCanTakeThenTheSettingsAreRejected() {
        var defaults = WebhookDispatchSettings.defaults();

        assertThatThrownBy(() -> new WebhookDispatchSettings(32, 4, 12, defaults.baseBackoff(), defaults.maxBackoff(),
                Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease");
    }
}
