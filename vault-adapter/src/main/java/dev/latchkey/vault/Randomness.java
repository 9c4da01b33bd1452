package dev.latchkey.vault;

import java.security.SecureRandom;

/** One shared {@link SecureRandom} for data keys and nonces; SecureRandom is thread-safe. */
final class Randomness {

    static final SecureRandom SECURE = new SecureRandom();

    private Randomness() {
    }
}
