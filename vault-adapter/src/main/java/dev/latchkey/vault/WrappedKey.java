package dev.latchkey.vault;

import java.util.Arrays;
import java.util.Objects;

/**
 * A data key encrypted ("wrapped") by a key-encryption key, with the id and version of the key that wrapped it.
 * The ciphertext is provider-specific (a {@code vault:vN:…} string for Vault Transit, a KMS ciphertext blob, or
 * nonce‖ciphertext‖tag for the local keyring) and is not secret.
 *
 * @param keyId      id of the wrapping key within its provider
 * @param version    version of the wrapping key, 1 or greater
 * @param ciphertext the wrapped data key
 */
public record WrappedKey(String keyId, int version, byte[] ciphertext) {

    public WrappedKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(ciphertext, "ciphertext");
        if (version < 1) {
            throw new IllegalArgumentException("key version must be 1 or greater");
        }
        ciphertext = ciphertext.clone();
    }

    /** A copy of the wrapped key bytes. */
    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    int length() {
        return ciphertext.length;
    }

    /** The wrapped bytes without a defensive copy, for code in this package that only reads them. */
    byte[] ciphertextNoCopy() {
        return ciphertext;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WrappedKey other
                && keyId.equals(other.keyId)
                && version == other.version
                && Arrays.equals(ciphertext, other.ciphertext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, version, Arrays.hashCode(ciphertext));
    }

    @Override
    public String toString() {
        return "WrappedKey[keyId=" + keyId + ", version=" + version + ", " + ciphertext.length + " bytes]";
    }
}
