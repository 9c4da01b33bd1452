package dev.latchkey.vault;

/**
 * What a reachable key-encryption key reports about itself, for health checks and operators.
 *
 * @param providerId           the provider, e.g. {@code "aws-kms"}
 * @param keyId                the key's id within the provider
 * @param primaryVersion       the one version that wraps new data keys
 * @param minDecryptionVersion the oldest version still allowed to unwrap (older versions are disabled)
 */
public record KeyStatus(String providerId, String keyId, int primaryVersion, int minDecryptionVersion) {
}
