package dev.latchkey.vault;

/**
 * Authenticated encryption of secrets at rest (envelope encryption). Both operations require the owner's
 * {@link SealContext}: there is no way to seal or open without associated data.
 */
public interface Sealer {

    /**
     * Seals {@code plaintext} under a fresh data key wrapped by the primary key-encryption key.
     *
     * @throws KeyProviderException if the key-encryption key cannot be reached (fails closed)
     */
    byte[] seal(byte[] plaintext, SealContext context);

    /**
     * Opens a value produced by {@link #seal}.
     *
     * @throws SealedDataException on any malformed, tampered or mismatched input, or an unknown/disabled key
     * @throws KeyProviderException if the key-encryption key cannot be reached and no cached data key applies
     */
    SecretBytes open(byte[] sealed, SealContext context);
}
