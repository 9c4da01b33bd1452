package dev.latchkey.vault;

import java.security.SecureRandom;

/**
 * SPI: a key-encryption key (KEK) that wraps and unwraps data keys, bound to the owner's {@link SealContext}.
 *
 * <p>An implementation keeps the key material out of this process where it can (Vault Transit, AWS KMS) and exposes
 * only these operations. The context is required on every call and must be bound cryptographically to the wrapped
 * key: Vault Transit {@code associated_data} or {@code context}, KMS {@code EncryptionContext}, AES-GCM associated
 * data for the local keyring. Unwrapping under any other context must fail.
 *
 * <p>Versions: exactly one version, the {@linkplain #primaryVersion() primary}, wraps new data keys; every enabled
 * version unwraps. Versions below the provider's minimum decryption version are disabled and fail like tampered input.
 *
 * <p>Failures: a wrapped key that does not open (tampered, wrong context, unknown or disabled version) raises
 * {@link SealedDataException}; a provider that cannot be reached or refuses the caller raises
 * {@link KeyProviderException} within the implementation's bounded timeout. Implementations never fall back to an
 * unprotected key. Implementations are thread-safe.
 */
public interface KeyEncryptionKey extends AutoCloseable {

    /** Length in bytes of every data key: AES-256. */
    int DATA_KEY_BYTES = 32;

    /**
     * Short, stable provider id written into every sealed value, e.g. {@code "local"}, {@code "vault-transit"},
     * {@code "aws-kms"}: 1 to 32 characters from {@code [a-z0-9-]}.
     */
    String providerId();

    /** The id of the key that wraps new data keys: keyring id, Transit key name, or KMS key ARN. */
    String keyId();

    /**
     * The version that wraps new data keys. Implementations backed by a remote service may cache this for a short
     * time; a cached value that lags a rotation only delays re-wrapping, it never weakens anything.
     *
     * @throws KeyProviderException if the version cannot be learned from the provider
     */
    int primaryVersion();

    /** The primary key as a {@link KeyRef}. */
    default KeyRef primaryKey() {
        return new KeyRef(providerId(), keyId(), primaryVersion());
    }

    /**
     * Generates a fresh 256-bit data key and wraps it under the primary version, bound to {@code context}. The default
     * draws the key from {@link SecureRandom} and calls {@link #wrap}; providers with a data-key operation (Vault
     * {@code datakey/plaintext}, KMS {@code GenerateDataKey}) override it to save a round trip.
     *
     * @throws KeyProviderException if the provider cannot be reached or refuses the request
     */
    default GeneratedDataKey generateDataKey(SealContext context) {
        byte[] key = new byte[DATA_KEY_BYTES];
        Randomness.SECURE.nextBytes(key);
        SecretBytes plaintext = SecretBytes.adopt(key);
        try {
            return new GeneratedDataKey(plaintext, wrap(plaintext, context));
        } catch (RuntimeException e) {
            plaintext.close();
            throw e;
        }
    }

    /**
     * Wraps {@code dataKey} under the primary version, bound to {@code context}. Does not take ownership of
     * {@code dataKey}.
     *
     * @throws KeyProviderException if the provider cannot be reached or refuses the request
     */
    WrappedKey wrap(SecretBytes dataKey, SealContext context);

    /**
     * Unwraps a data key wrapped by this key under {@code context}. The caller owns the result and closes it.
     *
     * @throws SealedDataException  if the wrapped key does not open under {@code context}, names another key, or its
     *                              version is unknown or disabled
     * @throws KeyProviderException if the provider cannot be reached or refuses the request
     */
    SecretBytes unwrap(WrappedKey wrapped, SealContext context);

    /**
     * Re-wraps a wrapped data key under the primary version without returning it, for rotation. The default unwraps
     * and wraps again in this process; providers with a rewrap operation (Vault {@code transit/rewrap}, KMS
     * {@code ReEncrypt}) override it so the data key never leaves the provider.
     *
     * @throws SealedDataException  as for {@link #unwrap}
     * @throws KeyProviderException if the provider cannot be reached or refuses the request
     */
    default WrappedKey rewrap(WrappedKey wrapped, SealContext context) {
        try (SecretBytes dataKey = unwrap(wrapped, context)) {
            return wrap(dataKey, context);
        }
    }

    /**
     * Health check: asks the provider about the key, within the bounded timeout.
     *
     * @return the key's current state
     * @throws KeyProviderException if the provider is unreachable, refuses the caller, or the key is not usable
     */
    KeyStatus status();

    /** Releases connections and other resources. The default does nothing. */
    @Override
    default void close() {
    }

}
