package dev.latchkey.vault;

import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;

/**
 * AES-GCM {@link Cipher} objects kept for reuse. {@link Cipher#getInstance} searches the installed security providers
 * and parses the transformation on every call; on the broker's token fetch that lookup cost more CPU than the
 * decryption itself. Every use initialises the cipher afresh with its own key and nonce, so nothing of one use
 * reaches the next; a cipher whose use failed is dropped rather than returned.
 *
 * <p>An idle cipher still holds the round keys of the last data key it used. That is no exposure the
 * {@link DataKeyCache} does not already have (it holds those data keys themselves for minutes), and at most
 * {@link #MAX_IDLE} ciphers are kept. Thread-safe, lock-free (requests run on virtual threads, which a contended
 * lock would park).
 */
final class GcmCiphers {

    static final int MAX_IDLE = 64;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final ConcurrentLinkedQueue<Cipher> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    /** An idle cipher, or a new one. Initialise it before use; hand it back with {@link #release} after success. */
    Cipher acquire() throws GeneralSecurityException {
        Cipher cipher = idle.poll();
        if (cipher == null) {
            return Cipher.getInstance(TRANSFORMATION);
        }
        idleCount.decrementAndGet();
        return cipher;
    }

    /** Keeps {@code cipher} for the next {@link #acquire}, unless {@link #MAX_IDLE} are idle already. */
    void release(Cipher cipher) {
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offer(cipher);
        } else {
            idleCount.decrementAndGet();
        }
    }

    /** Number of idle ciphers (for tests). */
    int idle() {
        return idleCount.get();
    }
}
