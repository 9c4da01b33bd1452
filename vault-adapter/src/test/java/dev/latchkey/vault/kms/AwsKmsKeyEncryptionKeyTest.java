package dev.latchkey.vault.kms;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedHeader;
import dev.latchkey.vault.TestSealContexts;
import dev.latchkey.vault.WrappedKey;
import dev.latchkey.vault.rewrap.InMemorySealedValueStore;
import dev.latchkey.vault.rewrap.RewrapJob;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The AWS KMS provider against {@link FakeKmsServer}, through the real AWS SDK client (SigV4, JSON 1.1). */
class AwsKmsKeyEncryptionKeyTest {

    private static final byte[] SECRET = "xoxb-slack-bot-token".getBytes(StandardCharsets.UTF_8);

    private FakeKmsServer kms;
    private String keyArn;
    private final List<AwsKmsKeyEncryptionKey> keks = new ArrayList<>();

    @BeforeEach
    void start() {
        kms = FakeKmsServer.start();
        keyArn = kms.createKey("alias/latchkey");
    }

    @AfterEach
    void stop() {
        keks.forEach(AwsKmsKeyEncryptionKey::close);
        kms.close();
    }

    private AwsKmsSettings settings(String keyId, URI endpoint) {
        return AwsKmsSettings.of(keyId, FakeKmsServer.REGION)
                .withEndpointOverride(endpoint)
                .withCredentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), 2);
    }

    private AwsKmsKeyEncryptionKey kek(AwsKmsSettings settings) {
        var kek = new AwsKmsKeyEncryptionKey(settings);
        keks.add(kek);
        return kek;
    }

    private AwsKmsKeyEncryptionKey kek() {
        return kek(settings(keyArn, kms.endpoint()));
    }

    private static EnvelopeSealer uncached(AwsKmsKeyEncryptionKey kek) {
        return EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
    }

    @Test
    void whenSealedAndOpenedThenRoundTripsThroughGenerateDataKeyAndDecrypt() {
        EnvelopeSealer sealer = uncached(kek());

        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(kms.requestCount("GenerateDataKey")).isEqualTo(1);
        assertThat(kms.requestCount("Decrypt")).isEqualTo(1);
        SealedHeader header = SealedHeader.parse(sealed);
        assertThat(header.key().providerId()).isEqualTo("aws-kms");
        assertThat(header.key().keyId()).isEqualTo(keyArn);
        assertThat(header.key().version()).isEqualTo(1);
    }

    @Test
    void whenKeyConfiguredByAliasThenHeaderCarriesTheResolvedKeyArn() {
        AwsKmsKeyEncryptionKey kek = kek(settings("alias/latchkey", kms.endpoint()));
        EnvelopeSealer sealer = new EnvelopeSealer(kek);

        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(kek.keyId()).isEqualTo(keyArn);
        assertThat(SealedHeader.parse(sealed).key().keyId()).isEqualTo(keyArn);
        assertThat(sealer.needsRewrap(sealed)).isFalse();
        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenAliasCannotBeResolvedThenSealingStillWorksAndLearnsTheArnFromKms() {
        kms.failWith(400, "AccessDeniedException");
        AwsKmsKeyEncryptionKey kek = kek(settings("alias/latchkey", kms.endpoint()));
        assertThat(kek.keyId()).isEqualTo("alias/latchkey");
        kms.clearFailure();

        byte[] sealed = uncached(kek).seal(SECRET, accessToken());

        assertThat(SealedHeader.parse(sealed).key().keyId()).isEqualTo(keyArn);
        assertThat(kek.keyId()).isEqualTo(keyArn);
    }

    @Test
    void whenOpenedForAnotherOwnerThenEncryptionContextMismatchIsSealedDataException() {
        AwsKmsKeyEncryptionKey kek = kek();
        EnvelopeSealer sealer = uncached(kek);
        byte[] sealed = sealer.seal(SECRET, accessToken());
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();

        assertThatThrownBy(() -> sealer.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> sealer.open(sealed, otherRecord())).isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> kek.unwrap(wrapped, otherRecord())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenHeaderVersionChangedThenKmsRejectsTheContext() {
        AwsKmsKeyEncryptionKey kek = kek(settings(keyArn, kms.endpoint()).withKeyVersion(2, 1));
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();

        var lying = new WrappedKey(wrapped.keyId(), 1, wrapped.ciphertext());

        assertThatThrownBy(() -> kek.unwrap(lying, accessToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenHeaderNamesAnotherKeyThenSealedDataException() {
        AwsKmsKeyEncryptionKey kek = kek();
        String otherKey = kms.createKey(null);
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();

        assertThatThrownBy(() -> kek.unwrap(new WrappedKey(otherKey, 1, wrapped.ciphertext()), accessToken()))
                .isInstanceOf(SealedDataException.class);
        String missing = keyArn.substring(0, keyArn.lastIndexOf('/') + 1) + "00000000-0000-0000-0000-000000000000";
        assertThatThrownBy(() -> kek.unwrap(new WrappedKey(missing, 1, wrapped.ciphertext()), accessToken()))
                .isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> kek.unwrap(new WrappedKey("alias/latchkey", 1, wrapped.ciphertext()),
                accessToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenCiphertextBlobCorruptThenSealedDataException() {
        AwsKmsKeyEncryptionKey kek = kek();
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();
        byte[] blob = wrapped.ciphertext();
        blob[blob.length - 1] ^= 1;

        assertThatThrownBy(() -> kek.unwrap(new WrappedKey(keyArn, 1, blob), accessToken()))
                .isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenKeyRotatedAndVersionRaisedThenRewrapJobReEncryptsUnderNewMaterial() {
        EnvelopeSealer before = new EnvelopeSealer(kek());
        var store = new InMemorySealedValueStore();
        for (int i = 0; i < 12; i++) {
            var owner = TestSealContexts.record("k" + i);
            store.put("k%02d".formatted(i), before.seal(SECRET, owner), owner);
        }
        assertThat(kms.rotate(keyArn)).isEqualTo(2);
        EnvelopeSealer after = new EnvelopeSealer(kek(settings(keyArn, kms.endpoint()).withKeyVersion(2, 1)));

        var result = new RewrapJob(after, store, 5).run();

        assertThat(result.rewrapped()).isEqualTo(12);
        assertThat(kms.requestCount("ReEncrypt")).isEqualTo(12);
        EnvelopeSealer strict = uncached(kek(settings(keyArn, kms.endpoint()).withKeyVersion(2, 2)));
        for (var v : store.all()) {
            assertThat(SealedHeader.parse(v.sealed()).key().version()).isEqualTo(2);
            assertThat(kms.materialVersionOf(
                    dev.latchkey.vault.SealedBytes.wrappedKey(v.sealed()))).isEqualTo(2);
            assertThat(strict.open(v.sealed(), v.context()).revealBytes()).isEqualTo(SECRET);
        }
    }

    @Test
    void whenVersionBelowMinimumThenRefusedWithoutAskingKms() {
        byte[] old = uncached(kek()).seal(SECRET, accessToken());
        EnvelopeSealer strict = uncached(kek(settings(keyArn, kms.endpoint()).withKeyVersion(2, 2)));
        kms.resetRequests();

        assertThatThrownBy(() -> strict.open(old, accessToken())).isInstanceOf(SealedDataException.class);
        assertThat(kms.requestCount("Decrypt")).isZero();
    }

    @Test
    void whenNodeStillOnOldVersionThenItOpensValuesSealedUnderTheNewOne() {
        byte[] newer = uncached(kek(settings(keyArn, kms.endpoint()).withKeyVersion(2, 1))).seal(SECRET,
                accessToken());

        assertThat(uncached(kek()).open(newer, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenAccessDeniedThenKeyProviderException() {
        EnvelopeSealer sealer = uncached(kek());
        kms.failWith(400, "AccessDeniedException");

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("AccessDeniedException");
    }

    @Test
    void whenAccessDeniedWhileOpeningThenKeyProviderExceptionNotSealedData() {
        EnvelopeSealer sealer = uncached(kek());
        byte[] sealed = sealer.seal(SECRET, accessToken());
        kms.failWith(400, "AccessDeniedException");

        assertThatThrownBy(() -> sealer.open(sealed, accessToken())).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenKeyDisabledThenSealingFailsAndHealthReportsIt() {
        AwsKmsKeyEncryptionKey kek = kek();
        assertThat(kek.status().keyId()).isEqualTo(keyArn);
        kms.setEnabled(keyArn, false);

        assertThatThrownBy(() -> uncached(kek).seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("DisabledException");
        assertThatThrownBy(kek::status).isInstanceOf(KeyProviderException.class).hasMessageContaining("Disabled");
    }

    @Test
    void whenKmsFailsInternallyThenKeyProviderExceptionAfterBoundedRetries() {
        EnvelopeSealer sealer = uncached(kek());
        kms.failWith(500, "KMSInternalException");

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);
        assertThat(kms.requestCount("GenerateDataKey")).isEqualTo(2);
    }

    @Test
    void whenServerDownThenKeyProviderExceptionWithinTheTimeout() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        EnvelopeSealer sealer = uncached(kek(settings(keyArn, closed)));

        long start = System.nanoTime();
        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void whenServerHangsThenKeyProviderExceptionWithinTheCallTimeout() {
        EnvelopeSealer sealer = uncached(kek());
        sealer.seal(SECRET, accessToken());
        kms.delayResponses(Duration.ofSeconds(10));

        long start = System.nanoTime();
        assertThatThrownBy(() -> sealer.seal(SECRET, otherRecord())).isInstanceOf(KeyProviderException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3500));
    }

    @Test
    void whenServerGoesDownThenCachedValuesStillOpenAndNewOwnersFailClosed() {
        EnvelopeSealer sealer = new EnvelopeSealer(kek());
        byte[] sealed = sealer.seal(SECRET, accessToken());

        kms.close();

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThatThrownBy(() -> sealer.seal(SECRET, otherTenant())).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenStatusAskedThenReportsKeyAndGeneration() {
        var status = kek(settings("alias/latchkey", kms.endpoint()).withKeyVersion(3, 2)).status();

        assertThat(status.providerId()).isEqualTo("aws-kms");
        assertThat(status.keyId()).isEqualTo(keyArn);
        assertThat(status.primaryVersion()).isEqualTo(3);
        assertThat(status.minDecryptionVersion()).isEqualTo(2);
    }

    @Test
    void whenEncryptionContextBuiltThenItIsTheOwnerPlusKeyVersion() {
        var context = AwsKmsKeyEncryptionKey.encryptionContext(accessToken(), 4);

        assertThat(context).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                "tenant", "tenant-a", "record", "cred-1", "purpose", "credential.access_token", "kek-version", "4"));
    }

    @Test
    void whenSettingsInvalidThenRejected() {
        assertThatThrownBy(() -> AwsKmsSettings.of(" ", "us-east-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AwsKmsSettings.of("k", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AwsKmsSettings.of("k", "us-east-1").withKeyVersion(1, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
