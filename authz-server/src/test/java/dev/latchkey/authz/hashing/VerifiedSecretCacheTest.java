package dev.latchkey.authz.hashing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.password.PasswordEncoder;

class VerifiedSecretCacheTest {

    private final Argon2idPasswordEncoder argon2 = new Argon2idPasswordEncoder(1, 1024, 1);

    /** Counts verifications that reach Argon2id. */
    private final class Counting implements PasswordEncoder {
        final AtomicInteger verifications = new AtomicInteger();

        @Override
        public String encode(CharSequence raw) {
            return argon2.encode(raw);
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            verifications.incrementAndGet();
            return argon2.matches(raw, encoded);
        }
    }

    private final Counting counting = new Counting();
    private final VerifiedSecretCache cache =
            new VerifiedSecretCache(counting, new TokenHasher(SecretGenerator.randomBytes(32)), Duration.ofMinutes(5), 100);

    @Test
    void whenSecretVerifiedOnceThenLaterChecksSkipArgon2() {
        String hash = cache.encode("secret-1");
        assertThat(cache.matches("secret-1", hash)).isTrue();
        assertThat(cache.matches("secret-1", hash)).isTrue();
        assertThat(counting.verifications).hasValue(1);
    }

    @Test
    void whenSecretIsWrongThenFailureIsNeverCached() {
        String hash = cache.encode("secret-1");
        assertThat(cache.matches("wrong", hash)).isFalse();
        assertThat(cache.matches("wrong", hash)).isFalse();
        assertThat(counting.verifications).hasValue(2);
    }

    @Test
    void whenSecretIsRotatedThenOldSecretNoLongerMatchesFromCache() {
        String oldHash = cache.encode("old-secret");
        assertThat(cache.matches("old-secret", oldHash)).isTrue();
        String newHash = cache.encode("new-secret");
        assertThat(cache.matches("old-secret", newHash)).isFalse();
        assertThat(cache.matches("new-secret", newHash)).isTrue();
    }

    @Test
    void whenHashIsMalformedThenNoMatch() {
        assertThat(argon2.matches("x", "$argon2id$garbage")).isFalse();
        assertThat(argon2.matches("x", "{noop}x")).isFalse();
        assertThat(cache.matches(null, "x")).isFalse();
    }

    @Test
    void whenEncodedThenPhcStringWithArgon2id() {
        assertThat(Argon2idPasswordEncoder.owaspDefaults().encode("pw")).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    }
}
