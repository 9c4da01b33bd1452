package dev.latchkey.authz.hashing;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * High-entropy, prefixed secret values. The prefix ({@code lk_at_}, {@code lk_rt_}, {@code lk_cs_}…) makes a leaked
 * Latchkey secret recognisable by secret scanners; 256 random bits make guessing hopeless.
 */
public final class SecretGenerator {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private SecretGenerator() {}

    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + ENCODER.encodeToString(bytes);
    }

    public static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
