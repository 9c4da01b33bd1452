package dev.latchkey.audit;

import dev.latchkey.audit.chain.Signatures;
import dev.latchkey.audit.chain.SigningKey;
import dev.latchkey.vault.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;

/** Keys for tests: fixed chain keys, and checkpoint keys generated once per test JVM. */
public final class TestKeys {

    private static final SigningKey ED25519 = generateEd25519("audit-ed25519-test");

    private TestKeys() {}

    public static byte[] chainKeyBytes() {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 0x5a);
        return key;
    }

    public static AuditChainKey chainKey() {
        return AuditChainKey.of(SecretBytes.copyOf(chainKeyBytes()));
    }

    /** A different key: what a verifier holding the wrong key (or an attacker guessing) has. */
    public static AuditChainKey otherChainKey() {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 0x33);
        return AuditChainKey.of(SecretBytes.copyOf(key));
    }

    public static SigningKey checkpointKey() {
        return ED25519;
    }

    public static SigningKey hmacCheckpointKey() {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 0x77);
        return Signatures.hmacSha256("audit-hmac-test", SecretBytes.copyOf(key));
    }

    public static SigningKey generateEd25519(String keyId) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return Signatures.keyPair(keyId, pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
