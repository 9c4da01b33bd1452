package dev.latchkey.authz.throttle;

import static dev.latchkey.authz.throttle.FailureThrottle.Kind.CLIENT;
import static dev.latchkey.authz.throttle.FailureThrottle.Kind.LOGIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureThrottleTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final FailureThrottle throttle = new FailureThrottle(new ThrottleProperties(null, null, null, null, null, null,
            null, null, null, null, null, Set.of("10.9.9.9"), null).settings(), ticker);

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private void fail(String account, String source, int times) {
        for (int i = 0; i < times; i++) {
            throttle.recordFailure(LOGIN, account, source);
        }
    }

    @Test
    void whenPairFailsFiveTimesThenItIsBlockedForOneMinuteAndTheBlockDoubles() {
        fail("alice", "1.1.1.1", 4);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isZero();
        fail("alice", "1.1.1.1", 1);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isEqualTo(Duration.ofMinutes(1));
        assertThat(throttle.blockedFor(LOGIN, "alice", "2.2.2.2")).as("other source").isZero();
        assertThat(throttle.blockedFor(LOGIN, "bob", "1.1.1.1")).as("other account").isZero();
        assertThat(throttle.blockedFor(CLIENT, "alice", "1.1.1.1")).as("other kind").isZero();
        advance(Duration.ofMinutes(1));
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isZero();
        fail("alice", "1.1.1.1", 5);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isEqualTo(Duration.ofMinutes(2));
        advance(Duration.ofMinutes(2));
        fail("alice", "1.1.1.1", 5);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isEqualTo(Duration.ofMinutes(4));
    }

    @Test
    void whenFailuresAreSpreadBeyondTheWindowThenTheyDoNotBlock() {
        for (int i = 0; i < 20; i++) {
            fail("alice", "1.1.1.1", 1);
            advance(Duration.ofMinutes(4)); // 5 failures span 16 minutes > 15-minute window
        }
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isZero();
    }

    @Test
    void whenFailuresWhileBlockedArriveThenTheyNeitherExtendNorDouble() {
        fail("alice", "1.1.1.1", 5);
        fail("alice", "1.1.1.1", 10); // stays under the source rule (20)
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void whenSuccessThenThePairIsClearedAndTheDoublingForgotten() {
        fail("alice", "1.1.1.1", 5);
        advance(Duration.ofMinutes(1));
        fail("alice", "1.1.1.1", 4);
        throttle.recordSuccess(LOGIN, "alice", "1.1.1.1");
        fail("alice", "1.1.1.1", 4);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isZero();
        fail("alice", "1.1.1.1", 1);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).as("first block again").isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void whenOneSourceSpraysManyAccountsThenTheSourceIsBlockedForEveryAccount() {
        for (int i = 0; i < 19; i++) {
            fail("user-" + i, "1.1.1.1", 1);
        }
        assertThat(throttle.blockedFor(LOGIN, "someone-else", "1.1.1.1")).isZero();
        fail("user-19", "1.1.1.1", 1);
        assertThat(throttle.blockedFor(LOGIN, "someone-else", "1.1.1.1")).isEqualTo(Duration.ofMinutes(5));
        assertThat(throttle.blockedFor(LOGIN, "someone-else", "2.2.2.2")).isZero();
    }

    @Test
    void whenManySourcesAttackOneAccountThenNewSourcesAreOnlySlowedAndTheOwnersKnownSourceIsNot() {
        throttle.recordSuccess(LOGIN, "victim", "9.9.9.9"); // the owner signed in from home before
        for (int i = 0; i < 50; i++) {
            fail("victim", "6.6." + (i / 4) + "." + i, 1); // 4 per source: no pair or source rule fires
        }
        assertThat(throttle.blockedFor(LOGIN, "victim", "9.9.9.9")).as("known good pair").isZero();
        assertThat(throttle.blockedFor(LOGIN, "victim", "3.3.3.3")).as("new source: short delay only").isEqualTo(Duration.ofSeconds(30));
        advance(Duration.ofSeconds(30));
        assertThat(throttle.blockedFor(LOGIN, "victim", "3.3.3.3")).isZero();
        // The account delay never grows, however long the attack goes on.
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 50; i++) {
                fail("victim", "7." + round + "." + (i / 4) + "." + i, 1);
            }
            assertThat(throttle.blockedFor(LOGIN, "victim", "3.3.3.3")).isEqualTo(Duration.ofSeconds(30));
            advance(Duration.ofSeconds(30));
        }
    }

    @Test
    void whenBlocksKeepDoublingThenTheyStopAtTheMaximum() {
        for (int i = 0; i < 12; i++) {
            fail("alice", "1.1.1.1", 5);
            advance(throttle.blockedFor(LOGIN, "alice", "1.1.1.1"));
        }
        fail("alice", "1.1.1.1", 5);
        assertThat(throttle.blockedFor(LOGIN, "alice", "1.1.1.1")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void whenSourceIsExemptOrThrottleDisabledThenNothingIsBlocked() {
        fail("alice", "10.9.9.9", 100);
        assertThat(throttle.blockedFor(LOGIN, "alice", "10.9.9.9")).isZero();
        FailureThrottle off = new FailureThrottle(new ThrottleProperties(false, null, null, null, null, null, null, null,
                null, null, null, null, null).settings(), ticker);
        for (int i = 0; i < 100; i++) {
            off.recordFailure(CLIENT, "app", "1.1.1.1");
        }
        assertThat(off.blockedFor(CLIENT, "app", "1.1.1.1")).isZero();
    }
}
