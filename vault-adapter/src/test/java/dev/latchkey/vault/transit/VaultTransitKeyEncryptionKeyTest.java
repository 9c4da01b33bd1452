package dev.latchkey.vault.transit;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedBytes;
import dev.latchkey.vault.SealedHeader;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.WrappedKey;
import dev.latchkey.vault.rewrap.InMemorySealedValueStore;
import dev.latchkey.vault.rewrap.RewrapJob;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Vault Transit provider against {@link FakeVaultTransitServer}. */
class VaultTransitKeyEncryptionKeyTest {

    private static final String ROOT = "root-token";
    private static final byte[] SECRET = "gho_github-access-token".getBytes(StandardCharsets.UTF_8);

    private FakeVaultTransitServer vault;
    private VaultTransitKeyEncryptionKey kek;

    @BeforeEach
    void start() {
        vault = FakeVaultTransitServer.start(ROOT);
        vault.createKey("latchkey", false);
        vault.createKey("latchkey-derived", true);
    }

    @AfterEach
    void stop() {
        if (kek != null) {
            kek.close();
        }
        vault.close();
    }

    private VaultTransitKeyEncryptionKey kek(String keyName) {
        kek = new VaultTransitKeyEncryptionKey(settings(keyName));
        return kek;
    }

    private VaultTransitSettings settings(String keyName) {
        return VaultTransitSettings.withToken(vault.address(), ROOT)
                .withKey("transit", keyName)
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1))
                .withKeyInfoTtl(Duration.ZERO);
    }

    private static EnvelopeSealer uncached(VaultTransitKeyEncryptionKey kek) {
        return EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
    }

    @Test
    void whenPlainAeadKeyThenDataKeyWrappedWithEncryptAndAssociatedData() {
        EnvelopeSealer sealer = uncached(kek("latchkey"));

        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(vault.requestCount("/v1/transit/encrypt/latchkey")).isEqualTo(1);
        assertThat(vault.requestCount("/v1/transit/decrypt/latchkey")).isEqualTo(1);
        assertThat(vault.requestCount("/v1/transit/datakey/")).isZero();
        SealedHeader header = SealedHeader.parse(sealed);
        assertThat(header.key().providerId()).isEqualTo("vault-transit");
        assertThat(header.key().keyId()).isEqualTo("latchkey");
        assertThat(header.key().version()).isEqualTo(1);
    }

    @Test
    void whenDerivedKeyThenDataKeyComesFromDatakeyEndpointBoundByContext() {
        EnvelopeSealer sealer = uncached(kek("latchkey-derived"));

        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(vault.requestCount("/v1/transit/datakey/plaintext/latchkey-derived")).isEqualTo(1);
        assertThat(vault.requestCount("/v1/transit/encrypt/")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"latchkey", "latchkey-derived"})
    void whenOpenedForAnotherOwnerThenSealedDataException(String keyName) {
        EnvelopeSealer sealer = uncached(kek(keyName));
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThatThrownBy(() -> sealer.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> sealer.open(sealed, otherRecord())).isInstanceOf(SealedDataException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"latchkey", "latchkey-derived"})
    void whenWrappedKeyUnwrappedUnderAnotherContextThenVaultRejectsIt(String keyName) {
        VaultTransitKeyEncryptionKey kek = kek(keyName);
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();

        assertThatThrownBy(() -> kek.unwrap(wrapped, otherTenant())).isInstanceOf(SealedDataException.class);
        assertThat(vault.requestCount("/v1/transit/decrypt/")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"latchkey", "latchkey-derived"})
    void whenRotatedThenNewValuesUseNewVersionAndRewrapMovesOldOnes(String keyName) {
        VaultTransitKeyEncryptionKey kek = kek(keyName);
        EnvelopeSealer sealer = uncached(kek);
        byte[] old = sealer.seal(SECRET, accessToken());

        assertThat(kek.rotate()).isEqualTo(2);
        byte[] rewrapped = sealer.rewrap(old, accessToken());

        assertThat(SealedHeader.parse(rewrapped).key().version()).isEqualTo(2);
        assertThat(new String(SealedBytes.wrappedKey(rewrapped), StandardCharsets.US_ASCII))
                .startsWith("vault:v2:");
        assertThat(SealedHeader.parse(sealer.seal(SECRET, accessToken())).key().version()).isEqualTo(2);
        kek.setMinDecryptionVersion(2);
        assertThat(sealer.open(rewrapped, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThatThrownBy(() -> sealer.open(old, accessToken())).isInstanceOf(SealedDataException.class);
        if (keyName.equals("latchkey-derived")) {
            assertThat(vault.requestCount("/v1/transit/rewrap/latchkey-derived")).isEqualTo(1);
        } else {
            // Transit's rewrap takes no associated_data: decrypt + encrypt.
            assertThat(vault.requestCount("/v1/transit/rewrap/")).isZero();
        }
    }

    @Test
    void whenKeyRotatedInVaultThenRewrapJobMovesStoredValues() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey-derived");
        EnvelopeSealer sealer = new EnvelopeSealer(kek);
        var store = new InMemorySealedValueStore();
        for (int i = 0; i < 20; i++) {
            var owner = dev.latchkey.vault.TestSealContexts.record("r" + i);
            store.put("r%02d".formatted(i), sealer.seal(SECRET, owner), owner);
        }
        vault.rotate("latchkey-derived");

        var result = new RewrapJob(sealer, store, 8).run();

        assertThat(result.rewrapped()).isEqualTo(20);
        vault.setMinDecryptionVersion("latchkey-derived", 2);
        sealer.cache().invalidateAll();
        store.all().forEach(v -> assertThat(sealer.open(v.sealed(), v.context()).revealBytes()).isEqualTo(SECRET));
    }

    @Test
    void whenHeaderVersionDisagreesWithTransitCiphertextThenSealedDataException() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey");
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();
        var lying = new WrappedKey(wrapped.keyId(), 2, wrapped.ciphertext());

        assertThatThrownBy(() -> kek.unwrap(lying, accessToken())).isInstanceOf(SealedDataException.class);
        assertThat(vault.requestCount("/v1/transit/decrypt/")).isZero();
    }

    @Test
    void whenWrappedKeyNamesAnotherTransitKeyThenSealedDataException() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey");
        WrappedKey wrapped = kek.generateDataKey(accessToken()).wrapped();

        assertThatThrownBy(() -> kek.unwrap(new WrappedKey("other", 1, wrapped.ciphertext()), accessToken()))
                .isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> kek.unwrap(new WrappedKey("latchkey", 1, "vault:v1:!!".getBytes()), accessToken()))
                .isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenTokenRejectedThenKeyProviderException() {
        kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withToken(vault.address(), "wrong-token"));
        EnvelopeSealer sealer = uncached(kek);

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("403")
                .hasMessageContaining("permission denied");
        assertThatThrownBy(kek::status).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenTokenRevokedAfterSealingThenOpeningFailsWithKeyProviderExceptionNotSealedData() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey");
        byte[] sealed = uncached(kek).seal(SECRET, accessToken());
        var other = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withToken(vault.address(), "revoked"));

        assertThatThrownBy(() -> uncached(other).open(sealed, accessToken()))
                .isInstanceOf(KeyProviderException.class);
        other.close();
    }

    @Test
    void whenVaultSealedThenKeyProviderException() {
        EnvelopeSealer sealer = uncached(kek("latchkey"));
        vault.failWith(503, "Vault is sealed");

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("503");
    }

    @Test
    void whenTransitKeyMissingThenKeyProviderException() {
        EnvelopeSealer sealer = uncached(kek("no-such-key"));

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("404");
    }

    @Test
    void whenServerDownThenKeyProviderExceptionWithinTheTimeout() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withToken("http://127.0.0.1:" + port, ROOT)
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1)));
        EnvelopeSealer sealer = uncached(kek);

        long start = System.nanoTime();
        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void whenServerHangsThenKeyProviderExceptionWithinTheReadTimeout() {
        EnvelopeSealer sealer = uncached(kek("latchkey"));
        sealer.seal(SECRET, accessToken());
        vault.delayResponses(Duration.ofSeconds(5));

        long start = System.nanoTime();
        assertThatThrownBy(() -> sealer.seal(SECRET, otherRecord())).isInstanceOf(KeyProviderException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3500));
    }

    @Test
    void whenServerGoesDownThenCachedValuesStillOpenAndNewOwnersFailClosed() {
        kek = new VaultTransitKeyEncryptionKey(settings("latchkey").withKeyInfoTtl(Duration.ofMinutes(1)));
        EnvelopeSealer sealer = new EnvelopeSealer(kek);
        byte[] sealed = sealer.seal(SECRET, accessToken());
        byte[] sealedElsewhere = uncached(kek).seal(SECRET, otherRecord());

        vault.close();

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThatThrownBy(() -> sealer.seal(SECRET, otherTenant())).isInstanceOf(KeyProviderException.class);
        assertThatThrownBy(() -> sealer.open(sealedElsewhere, otherRecord()))
                .isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenAppRoleConfiguredThenLogsInAndUsesIssuedToken() {
        vault.addAppRole("role-1", "secret-1", 3600);
        kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withAppRole(vault.address(), "role-1", "secret-1")
                .withKeyInfoTtl(Duration.ZERO));
        EnvelopeSealer sealer = uncached(kek);

        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(vault.requestCount("/v1/auth/approle/login")).isEqualTo(1);
    }

    @Test
    void whenAppRoleTokenRevokedThenLogsInAgainOnce() {
        vault.addAppRole("role-1", "secret-1", 3600);
        kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withAppRole(vault.address(), "role-1", "secret-1")
                .withKeyInfoTtl(Duration.ZERO));
        EnvelopeSealer sealer = uncached(kek);
        byte[] sealed = sealer.seal(SECRET, accessToken());

        vault.revokeIssuedTokens();

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(vault.requestCount("/v1/auth/approle/login")).isEqualTo(2);
    }

    @Test
    void whenAppRoleSecretWrongThenKeyProviderException() {
        vault.addAppRole("role-1", "secret-1", 3600);
        kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings.withAppRole(vault.address(), "role-1", "wrong"));

        assertThatThrownBy(() -> uncached(kek).seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("AppRole");
    }

    @Test
    void whenStatusAskedThenReportsTransitVersions() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey");
        vault.rotate("latchkey");
        vault.setMinDecryptionVersion("latchkey", 2);

        var status = kek.status();

        assertThat(status.providerId()).isEqualTo("vault-transit");
        assertThat(status.keyId()).isEqualTo("latchkey");
        assertThat(status.primaryVersion()).isEqualTo(2);
        assertThat(status.minDecryptionVersion()).isEqualTo(2);
    }

    @Test
    void whenSettingsPrintedThenSecretsAreNotShown() {
        var settings = new VaultTransitSettings("http://vault:8200", "hvs.very-secret", null, null, null, null,
                null, null, null, null, null);
        var approle = VaultTransitSettings.withAppRole("http://vault:8200", "role", "secret-id-value");

        assertThat(settings.toString()).doesNotContain("very-secret");
        assertThat(approle.toString()).doesNotContain("secret-id-value");
    }

    @Test
    void whenSettingsLackCredentialsThenRejected() {
        assertThatThrownBy(() -> VaultTransitSettings.withToken("http://vault:8200", " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VaultTransitSettings.withAppRole("http://vault:8200", "role", null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenDataKeyGeneratedThenItIsThirtyTwoBytesAndUnwrapsToTheSame() {
        VaultTransitKeyEncryptionKey kek = kek("latchkey-derived");
        var generated = kek.generateDataKey(accessToken());

        try (SecretBytes unwrapped = kek.unwrap(generated.wrapped(), accessToken())) {
            assertThat(generated.plaintext().length()).isEqualTo(32);
            assertThat(unwrapped.revealBytes()).isEqualTo(generated.plaintext().revealBytes());
        }
    }
}
