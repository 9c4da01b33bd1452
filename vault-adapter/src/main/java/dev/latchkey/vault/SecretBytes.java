package dev.latchkey.vault;

import java.util.Arrays;

/**
 * Secret bytes: plaintext from {@link Sealer#open}, or a key. {@code toString} is redacted; the raw bytes are
 * reachable only through {@link #revealBytes()}, and {@link #close()} zeroes them.
 */
public final class SecretBytes implements AutoCloseable {

    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes ownership of {@code bytes}: the caller must not keep or change the array. */
    public static SecretBytes adopt(byte[] bytes) {
        return new SecretBytes(bytes);
    }

    /** A copy of {@code bytes}; the caller keeps its array and should zero it. */
    public static SecretBytes copyOf(byte[] bytes) {
        return new SecretBytes(bytes.clone());
    }

    /** A fresh copy of the secret; the caller owns it and should zero it after use. */
    public byte[] revealBytes() {
        if (destroyed) {
            throw new IllegalStateException("secret already destroyed");
        }
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** Zeroes the secret. */
    @Override
    public void close() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public String toString() {
        return "SecretBytes[redacted]";
    }
}
