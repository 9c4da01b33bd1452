package dev.latchkey.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.TestKeys;
import dev.latchkey.vault.SecretBytes;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checkpoint keys: only the right key over the exact statement verifies. */
class SignaturesTest {

    private static final byte[] MESSAGE = SignedMessages.checkpoint(7, new byte[32],
            Instant.parse("2026-01-01T00:00:00Z"), "k1");

    @Test
    void whenAnySignedFieldChangesThenTheSignatureNoLongerVerifies() {
        SigningKey key = TestKeys.checkpointKey();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        byte[] signature = key.sign(SignedMessages.checkpoint(7, new byte[32], t, key.keyId()));
        byte[] otherHash = new byte[32];
        otherHash[31] = 1;

        assertThat(key.verify(key.keyId(), SignedMessages.checkpoint(7, new byte[32], t, key.keyId()), signature)).isTrue();
        assertThat(key.verify(key.keyId(), SignedMessages.checkpoint(8, new byte[32], t, key.keyId()), signature)).isFalse();
        assertThat(key.verify(key.keyId(), SignedMessages.checkpoint(7, otherHash, t, key.keyId()), signature)).isFalse();
        assertThat(key.verify(key.keyId(), SignedMessages.checkpoint(7, new byte[32], t.plusNanos(1000), key.keyId()),
                signature)).isFalse();
    }

    @Test
    void whenTheKeyIdIsUnknownThenNothingVerifies() {
        SigningKey key = TestKeys.hmacCheckpointKey();
        assertThat(key.verify("another-key", MESSAGE, key.sign(MESSAGE))).isFalse();
        assertThat(Signatures.anyOf(List.of()).verify(key.keyId(), MESSAGE, key.sign(MESSAGE))).isFalse();
    }

    @Test
    void whenAnHmacSignatureIsAlteredOrTruncatedThenItDoesNotVerify() {
        SigningKey key = TestKeys.hmacCheckpointKey();
        byte[] signature = key.sign(MESSAGE);
        signature[0] ^= 1;
        assertThat(key.verify(key.keyId(), MESSAGE, signature)).isFalse();
        assertThat(key.verify(key.keyId(), MESSAGE, java.util.Arrays.copyOf(key.sign(MESSAGE), 16))).isFalse();
        assertThat(key.verify(key.keyId(), MESSAGE, null)).isFalse();
    }

    @Test
    void whenAnEd25519KeyIsDerivedFromItsSeedThenTheSameSeedGivesTheSameKeyAndIdAndAnotherSeedDoesNot() {
        byte[] seed = new byte[32];
        seed[0] = 7;
        SigningKey application = Signatures.ed25519FromSeed(SecretBytes.copyOf(seed));
        SigningKey commandLine = Signatures.ed25519FromSeed(SecretBytes.copyOf(seed));
        seed[0] = 8;
        SigningKey other = Signatures.ed25519FromSeed(SecretBytes.copyOf(seed));

        assertThat(application.keyId()).matches("audit-ed25519-[0-9a-f]{16}").isEqualTo(commandLine.keyId());
        assertThat(commandLine.verify(application.keyId(), MESSAGE, application.sign(MESSAGE))).isTrue();
        assertThat(other.keyId()).isNotEqualTo(application.keyId());
        assertThat(other.verify(other.keyId(), MESSAGE, application.sign(MESSAGE))).isFalse();
        assertThatThrownBy(() -> Signatures.ed25519FromSeed(SecretBytes.copyOf(new byte[31])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAnHmacKeyIsShorterThan256BitsThenItIsRefused() {
        assertThatThrownBy(() -> Signatures.hmacSha256("k", SecretBytes.copyOf(new byte[16])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenThePublicKeyIsNotThePrivateKeysThenTheKeyPairIsRefused() throws Exception {
        KeyPair a = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair b = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        assertThatThrownBy(() -> Signatures.keyPair("k", a.getPrivate(), b.getPublic()))
                .hasMessageContaining("does not belong");
    }

    @Test
    void whenOnlyThePublicKeyIsHeldThenItVerifiesButCannotSign() throws Exception {
        for (String type : List.of("Ed25519", "EC", "RSA")) {
            KeyPair pair = KeyPairGenerator.getInstance(type).generateKeyPair();
            SigningKey signer = Signatures.keyPair("k", pair.getPrivate(), pair.getPublic());
            String pem = Signatures.publicKeyPem(signer);
            SignatureVerifier verifier = Signatures.publicKey("k", Signatures.parsePublicKeyPem(pem));

            assertThat(verifier.verify("k", MESSAGE, signer.sign(MESSAGE))).as(type).isTrue();
            assertThat(verifier.verify("k", MESSAGE, new byte[64])).as(type).isFalse();
            assertThatThrownBy(() -> ((SigningKey) verifier).sign(MESSAGE)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void whenAnHmacKeysPublicHalfIsAskedForThenThereIsNone() {
        assertThatThrownBy(() -> Signatures.publicKeyPem(TestKeys.hmacCheckpointKey()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no public half");
    }

    @Test
    void whenKeyMaterialIsPrintedThenItIsRedacted() {
        assertThat(TestKeys.hmacCheckpointKey().toString()).contains("redacted").doesNotContain("77");
        assertThat(TestKeys.chainKey().toString()).isEqualTo("AuditChainKey[redacted]");
    }
}
