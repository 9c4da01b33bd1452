package dev.latchkey.vault.kms;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Settings of {@link AwsKmsKeyEncryptionKey}.
 *
 * @param keyId                KMS key id, key ARN, alias name or alias ARN; a key ARN avoids a DescribeKey call
 * @param region               AWS region, e.g. {@code eu-west-1}
 * @param endpointOverride     KMS endpoint to use instead of the regional one (VPC endpoint, test server), or null
 * @param keyVersion           the key generation Latchkey writes into sealed values, 1 or greater. KMS rotates key
 *                             material inside one key without telling callers which material a ciphertext uses, so
 *                             the operator raises this number after rotating the KMS key (or pointing the alias at a
 *                             new key); the rewrap job then re-encrypts older data keys with {@code ReEncrypt}
 * @param minDecryptionVersion generations below this are refused locally, the counterpart of Vault's
 *                             {@code min_decryption_version}
 * @param connectTimeout       bound on opening a connection
 * @param attemptTimeout       bound on one HTTP attempt
 * @param callTimeout          bound on one API call including retries
 * @param maxAttempts          attempts per call, 1 or greater (the SDK's standard retry strategy)
 * @param credentialsProvider  credentials, or null for the SDK's default chain (environment, profile, web identity,
 *                             container and instance roles)
 */
public record AwsKmsSettings(String keyId, String region, URI endpointOverride, int keyVersion,
        int minDecryptionVersion, Duration connectTimeout, Duration attemptTimeout, Duration callTimeout,
        int maxAttempts, AwsCredentialsProvider credentialsProvider) {

    public AwsKmsSettings {
        Objects.requireNonNull(keyId, "keyId");
        if (keyId.isBlank()) {
            throw new IllegalArgumentException("KMS key id is required");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("AWS region is required");
        }
        if (keyVersion < 1) {
            throw new IllegalArgumentException("keyVersion must be 1 or greater");
        }
        if (minDecryptionVersion < 1 || minDecryptionVersion > keyVersion) {
            throw new IllegalArgumentException("minDecryptionVersion must be 1.." + keyVersion);
        }
        connectTimeout = positive(connectTimeout, Duration.ofSeconds(2));
        attemptTimeout = positive(attemptTimeout, Duration.ofSeconds(3));
        callTimeout = positive(callTimeout, Duration.ofSeconds(6));
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1 or greater");
        }
    }

    /** Key and region with defaults: generation 1, 2 s connect, 3 s per attempt, 6 s per call, 2 attempts. */
    public static AwsKmsSettings of(String keyId, String region) {
        return new AwsKmsSettings(keyId, region, null, 1, 1, null, null, null, 2, null);
    }

    public AwsKmsSettings withEndpointOverride(URI endpoint) {
        return new AwsKmsSettings(keyId, region, endpoint, keyVersion, minDecryptionVersion, connectTimeout,
                attemptTimeout, callTimeout, maxAttempts, credentialsProvider);
    }

    public AwsKmsSettings withKeyVersion(int keyVersion, int minDecryptionVersion) {
        return new AwsKmsSettings(keyId, region, endpointOverride, keyVersion, minDecryptionVersion, connectTimeout,
                attemptTimeout, callTimeout, maxAttempts, credentialsProvider);
    }

    public AwsKmsSettings withTimeouts(Duration connect, Duration attempt, Duration call, int maxAttempts) {
        return new AwsKmsSettings(keyId, region, endpointOverride, keyVersion, minDecryptionVersion, connect, attempt,
                call, maxAttempts, credentialsProvider);
    }

    public AwsKmsSettings withCredentials(AwsCredentialsProvider credentials) {
        return new AwsKmsSettings(keyId, region, endpointOverride, keyVersion, minDecryptionVersion, connectTimeout,
                attemptTimeout, callTimeout, maxAttempts, credentials);
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d == null || d.isNegative() || d.isZero() ? fallback : d;
    }
}
