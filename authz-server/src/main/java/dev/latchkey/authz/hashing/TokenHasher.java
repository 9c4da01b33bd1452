package dev.latchkey.authz.hashing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hash (HMAC-SHA256) of high-entropy values we issue: tokens, codes, consent states, registration tokens.
 * Only the hash is stored and indexed, so a database dump yields no usable value, and without the key (sealed by
 * vault-adapter) an attacker cannot even confirm a guessed value against the dump.
 */
public final class TokenHasher {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    public TokenHasher(byte[] keyBytes) {
        if (keyBytes.length < 32) {
            throw new IllegalArgumentException("token hashing key must be at least 256 bits");
        }
        this.key = new SecretKeySpec(keyBytes, ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** Hash of {@code value} under a purpose label, so equal values for different purposes never collide. */
    public byte[] hash(String purpose, String value) {
        Mac mac = macs.get();
        mac.update(purpose.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Hash of an issued token value; tokens of every kind share one namespace so one index finds any of them. */
    public byte[] hashToken(String value) {
        return hash("token", value);
    }

    /** Constant-time comparison of two hashes. */
    public static boolean equal(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
