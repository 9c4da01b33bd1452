package dev.latchkey.vault;

import java.util.Objects;

/**
 * Names one version of one key-encryption key: the provider that holds it, the key's id there, and the version.
 * Every sealed value carries one in its header ({@link SealedHeader#key()}).
 *
 * @param providerId the {@link KeyEncryptionKey#providerId()} of the provider, e.g. {@code "vault-transit"}
 * @param keyId      the key's id within the provider (keyring id, Transit key name, KMS key ARN)
 * @param version    the key version, 1 or greater
 */
public record KeyRef(String providerId, String keyId, int version) {

    public KeyRef {
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(keyId, "keyId");
        if (version < 1) {
            throw new IllegalArgumentException("key version must be 1 or greater");
        }
    }

    /** True if {@code other} names the same key (provider and key id), whatever its version. */
    public boolean sameKey(KeyRef other) {
        return providerId.equals(other.providerId) && keyId.equals(other.keyId);
    }
}
