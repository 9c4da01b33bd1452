package dev.latchkey.vault.kms;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedHeader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opt-in: runs against real AWS KMS when {@code LATCHKEY_TEST_KMS_KEY_ID} and {@code AWS_REGION} (or
 * {@code AWS_DEFAULT_REGION}) are set, with credentials from the SDK's default chain (environment or profile; instance
 * metadata is disabled in the test JVM). Reported as skipped otherwise. Needs kms:GenerateDataKey, Decrypt,
 * ReEncrypt* and DescribeKey on the key; makes a handful of KMS requests.
 */
class RealAwsKmsTest {

    private static final byte[] SECRET = "real-kms-secret".getBytes(StandardCharsets.UTF_8);

    private String keyId;
    private String region;

    @BeforeEach
    void requireKms() {
        keyId = System.getenv("LATCHKEY_TEST_KMS_KEY_ID");
        region = System.getenv("AWS_REGION") != null ? System.getenv("AWS_REGION")
                : System.getenv("AWS_DEFAULT_REGION");
        assumeTrue(keyId != null && !keyId.isBlank() && region != null && !region.isBlank(),
                "set LATCHKEY_TEST_KMS_KEY_ID and AWS_REGION (plus AWS credentials) to run against AWS KMS");
    }

    @Test
    void whenRealKmsThenSealOpenAndRewrapWork() {
        try (var v1 = new AwsKmsKeyEncryptionKey(AwsKmsSettings.of(keyId, region));
             var v2 = new AwsKmsKeyEncryptionKey(AwsKmsSettings.of(keyId, region).withKeyVersion(2, 1))) {
            assertThat(v1.status().providerId()).isEqualTo("aws-kms");
            EnvelopeSealer sealer = EnvelopeSealer.builder(v1).cacheSettings(CacheSettings.disabled()).build();
            byte[] sealed = sealer.seal(SECRET, accessToken());
            assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
            assertThatThrownBy(() -> sealer.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);

            EnvelopeSealer next = EnvelopeSealer.builder(v2).cacheSettings(CacheSettings.disabled()).build();
            byte[] rewrapped = next.rewrap(sealed, accessToken());

            assertThat(SealedHeader.parse(rewrapped).key().version()).isEqualTo(2);
            assertThat(next.open(rewrapped, accessToken()).revealBytes()).isEqualTo(SECRET);
        }
    }
}
