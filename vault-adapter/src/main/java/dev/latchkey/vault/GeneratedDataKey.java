package dev.latchkey.vault;

import java.util.Objects;

/**
 * A fresh data key in both forms: the plaintext key (secret, zeroed by {@link #close()}) and the same key wrapped by
 * the primary key-encryption key.
 *
 * @param plaintext the 256-bit AES data key
 * @param wrapped   the data key wrapped under the primary key version
 */
public record GeneratedDataKey(SecretBytes plaintext, WrappedKey wrapped) implements AutoCloseable {

    public GeneratedDataKey {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(wrapped, "wrapped");
    }

    /** Zeroes the plaintext key. */
    @Override
    public void close() {
        plaintext.close();
    }
}
