package dev.latchkey.authz.hashing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenHasherTest {

    private final TokenHasher hasher = new TokenHasher(SecretGenerator.randomBytes(32));

    @Test
    void whenSameValueThenSameHash() {
        assertThat(hasher.hashToken("lk_at_abc")).isEqualTo(hasher.hashToken("lk_at_abc"));
    }

    @Test
    void whenKeyDiffersThenHashDiffers() {
        TokenHasher other = new TokenHasher(SecretGenerator.randomBytes(32));
        assertThat(other.hashToken("lk_at_abc")).isNotEqualTo(hasher.hashToken("lk_at_abc"));
    }

    @Test
    void whenPurposeDiffersThenHashDiffers() {
        assertThat(hasher.hash("a", "value")).isNotEqualTo(hasher.hash("b", "value"));
        assertThat(hasher.hash("ab", "c")).isNotEqualTo(hasher.hash("a", "bc"));
    }

    @Test
    void whenKeyIsShortThenRejected() {
        assertThatThrownBy(() -> new TokenHasher(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenComparingThenNullsNeverMatch() {
        assertThat(TokenHasher.equal(null, null)).isFalse();
        assertThat(TokenHasher.equal(new byte[] {1}, new byte[] {1})).isTrue();
        assertThat(TokenHasher.equal(new byte[] {1}, new byte[] {2})).isFalse();
    }

    @Test
    void whenSecretsAreGeneratedThenPrefixedAndUnique() {
        String a = SecretGenerator.generate("lk_at_");
        String b = SecretGenerator.generate("lk_at_");
        assertThat(a).startsWith("lk_at_").hasSize(6 + 43).isNotEqualTo(b).matches("lk_at_[A-Za-z0-9_-]+");
    }
}
