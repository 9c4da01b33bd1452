package dev.latchkey.authz.hashing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.password.PasswordEncoder;

/** The rotation grace period: the old secret works until the end, then never again, cached or not. */
class GracePeriodSecretEncoderTest {

    private final Argon2idPasswordEncoder argon2 = new Argon2idPasswordEncoder(1, 1024, 1);
    private final AtomicInteger argon2Runs = new AtomicInteger();
    private final PasswordEncoder counting = new PasswordEncoder() {
        @Override
        public String encode(CharSequence raw) {
            return argon2.encode(raw);
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            argon2Runs.incrementAndGet();
            return argon2.matches(raw, encoded);
        }
    };
    private final VerifiedSecretCache cache =
            new VerifiedSecretCache(counting, new TokenHasher(SecretGenerator.randomBytes(32)), Duration.ofMinutes(5), 100);
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final GracePeriodSecretEncoder encoder = new GracePeriodSecretEncoder(cache, clock);

    private final String oldHash = argon2.encode("old-secret");
    private final String newHash = argon2.encode("new-secret");
    private final String rotated = GracePeriodSecretEncoder.composite(newHash, oldHash, clock.instant().plusSeconds(60));

    @Test
    void whenInsideGracePeriodThenBothSecretsWork() {
        assertThat(encoder.matches("new-secret", rotated)).isTrue();
        assertThat(encoder.matches("old-secret", rotated)).isTrue();
        assertThat(encoder.matches("other-secret", rotated)).isFalse();
    }

    @Test
    void whenGraceEndsThenOldSecretFailsEvenThoughItsVerificationIsCached() {
        assertThat(encoder.matches("old-secret", rotated)).isTrue();
        assertThat(cache.remembered("old-secret", oldHash)).as("the old secret's success is cached").isTrue();
        clock.advance(Duration.ofSeconds(60));
        assertThat(encoder.matches("old-secret", rotated)).isFalse();
        assertThat(encoder.matches("new-secret", rotated)).isTrue();
    }

    @Test
    void whenOldSecretIsCachedThenGraceChecksSkipArgon2() {
        assertThat(encoder.matches("old-secret", rotated)).isTrue();
        int afterFirst = argon2Runs.get();
        assertThat(encoder.matches("old-secret", rotated)).isTrue();
        assertThat(encoder.matches("old-secret", rotated)).isTrue();
        assertThat(argon2Runs.get()).as("no failing run against the new hash per request").isEqualTo(afterFirst);
    }

    @Test
    void whenNoGraceThenPlainHashBehavesAsBefore() {
        assertThat(encoder.matches("new-secret", newHash)).isTrue();
        assertThat(encoder.matches("old-secret", newHash)).isFalse();
    }

    @Test
    void whenCompositeIsMalformedThenNothingMatches() {
        for (String malformed : new String[] {"{grace:x}" + newHash + " " + oldHash, "{grace:1" + newHash,
                "{grace:99999999999999}" + newHash, "{grace:99999999999999}" + newHash + " " + oldHash + " extra",
                "{grace:}" + newHash + " " + oldHash}) {
            assertThat(encoder.matches("new-secret", malformed)).as(malformed).isFalse();
            assertThat(encoder.matches("old-secret", malformed)).as(malformed).isFalse();
        }
        assertThat(encoder.matches(null, rotated)).isFalse();
        assertThat(encoder.matches("new-secret", null)).isFalse();
    }

    @Test
    void whenHashIsNotAPhcStringThenCompositeIsRefused() {
        assertThatThrownBy(() -> GracePeriodSecretEncoder.composite("a b", oldHash, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GracePeriodSecretEncoder.composite(rotated, oldHash, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
