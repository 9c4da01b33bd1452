package dev.latchkey.vault.local;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedHeader;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.WrappedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalKeyEncryptionKeyTest {

    private static final byte[] SECRET = "client-secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static EnvelopeSealer uncached(LocalKeyEncryptionKey kek) {
        return EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
    }

    @Test
    void whenKeyringFileMissingThenCreatedOwnerOnlyAndUsable() throws IOException {
        Path file = dir.resolve("data/keyring.json");

        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.fromFile(file, true);

        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(Files.readString(file)).contains("\"format\" : \"latchkey-keyring-v1\"");
        assertThat(kek.primaryVersion()).isEqualTo(1);
        assertThat(kek.keyId()).startsWith("local-");
        EnvelopeSealer sealer = uncached(kek);
        assertThat(sealer.open(sealer.seal(SECRET, accessToken()), accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenKeyringFileMissingAndCreationDisabledThenKeyProviderException() {
        assertThatThrownBy(() -> LocalKeyEncryptionKey.fromFile(dir.resolve("absent.json"), false))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void whenKeyringReloadedThenValuesSealedBeforeStillOpen() {
        Path file = dir.resolve("keyring.json");
        byte[] sealed = uncached(LocalKeyEncryptionKey.fromFile(file, true)).seal(SECRET, accessToken());

        LocalKeyEncryptionKey reloaded = LocalKeyEncryptionKey.fromFile(file, false);

        assertThat(uncached(reloaded).open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenRotatedThenNewVersionIsPrimaryPersistedAndOldValuesStillOpen() {
        Path file = dir.resolve("keyring.json");
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.fromFile(file, true);
        EnvelopeSealer sealer = uncached(kek);
        byte[] old = sealer.seal(SECRET, accessToken());

        assertThat(kek.rotate()).isEqualTo(2);
        byte[] fresh = sealer.seal(SECRET, accessToken());

        assertThat(SealedHeader.parse(old).key().version()).isEqualTo(1);
        assertThat(SealedHeader.parse(fresh).key().version()).isEqualTo(2);
        assertThat(sealer.open(old, accessToken()).revealBytes()).isEqualTo(SECRET);
        LocalKeyEncryptionKey reloaded = LocalKeyEncryptionKey.fromFile(file, false);
        assertThat(reloaded.primaryVersion()).isEqualTo(2);
        assertThat(reloaded.versions()).containsExactly(1, 2);
        assertThat(uncached(reloaded).open(old, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenMinDecryptionVersionRaisedThenOldVersionNoLongerOpens() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.fromFile(dir.resolve("keyring.json"), true);
        EnvelopeSealer sealer = uncached(kek);
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();
        byte[] fresh = sealer.seal(SECRET, accessToken());

        kek.setMinDecryptionVersion(2);

        assertThatThrownBy(() -> sealer.open(old, accessToken())).isInstanceOf(SealedDataException.class);
        assertThat(sealer.open(fresh, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(LocalKeyEncryptionKey.fromFile(dir.resolve("keyring.json"), false).minDecryptionVersion())
                .isEqualTo(2);
    }

    @Test
    void whenMinDecryptionVersionRaisedThenCachedDataKeysServeUntilInvalidated() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
        EnvelopeSealer sealer = new EnvelopeSealer(kek);
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();
        kek.setMinDecryptionVersion(2);

        assertThat(sealer.open(old, accessToken()).revealBytes()).isEqualTo(SECRET);
        sealer.cache().invalidateAll();
        assertThatThrownBy(() -> sealer.open(old, accessToken())).isInstanceOf(SealedDataException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void whenMinDecryptionVersionOutOfRangeThenRejected(int version) {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
        kek.rotate();

        assertThatThrownBy(() -> kek.setMinDecryptionVersion(version)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenKeyringGivenAsJsonTextThenUsableButReadOnly() {
        LocalKeyEncryptionKey file = LocalKeyEncryptionKey.fromFile(dir.resolve("keyring.json"), true);
        file.rotate();
        byte[] sealed = uncached(file).seal(SECRET, accessToken());
        String json = readKeyring();

        LocalKeyEncryptionKey fromText = LocalKeyEncryptionKey.fromKeyringText(json, "test");

        assertThat(fromText.primaryVersion()).isEqualTo(2);
        assertThat(uncached(fromText).open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThatThrownBy(fromText::rotate).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void whenKeyringGivenAsOneBase64KeyThenItIsVersionOne() {
        byte[] key = new byte[32];
        key[0] = 42;

        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.fromKeyringText(
                Base64.getEncoder().encodeToString(key) + "\n", "test");

        assertThat(kek.primaryVersion()).isEqualTo(1);
        assertThat(kek.keyId()).isEqualTo("local-env");
        EnvelopeSealer sealer = uncached(kek);
        assertThat(sealer.open(sealer.seal(SECRET, accessToken()), accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenEnvironmentVariableMissingThenKeyProviderException() {
        assertThatThrownBy(() -> LocalKeyEncryptionKey.fromEnvironment("LATCHKEY_TEST_KEYRING_THAT_IS_NOT_SET"))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("LATCHKEY_TEST_KEYRING_THAT_IS_NOT_SET");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json and not base64 !",
        "AAAA",
        "{}",
        "{\"format\":\"latchkey-keyring-v1\",\"keyId\":\"k\",\"primaryVersion\":1,\"minDecryptionVersion\":1,"
                + "\"keys\":[]}",
        "{\"format\":\"latchkey-keyring-v1\",\"keyId\":\"k\",\"primaryVersion\":1,\"minDecryptionVersion\":1,"
                + "\"keys\":[{\"version\":1,\"key\":\"AAAA\"}]}",
        "{\"format\":\"latchkey-keyring-v1\",\"keyId\":\"k\",\"primaryVersion\":2,\"minDecryptionVersion\":1,"
                + "\"keys\":[{\"version\":1,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}",
        "{\"format\":\"latchkey-keyring-v1\",\"keyId\":\"k\",\"primaryVersion\":1,\"minDecryptionVersion\":1,"
                + "\"keys\":[{\"version\":1,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
                + "{\"version\":1,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}",
        "{\"format\":\"other\",\"keyId\":\"k\",\"primaryVersion\":1,\"minDecryptionVersion\":1,"
                + "\"keys\":[{\"version\":1,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}"
    })
    void whenKeyringTextInvalidThenKeyProviderException(String text) {
        assertThatThrownBy(() -> LocalKeyEncryptionKey.fromKeyringText(text, "test"))
                .isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenKeyringFileCorruptThenKeyProviderException() throws IOException {
        Path file = dir.resolve("keyring.json");
        Files.writeString(file, "{ truncated");

        assertThatThrownBy(() -> LocalKeyEncryptionKey.fromFile(file, true)).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenWrappedKeyNamesAnotherKeyringThenSealedDataException() {
        LocalKeyEncryptionKey a = LocalKeyEncryptionKey.ephemeral();
        LocalKeyEncryptionKey b = LocalKeyEncryptionKey.ephemeral();
        WrappedKey wrapped = a.wrap(SecretBytes.copyOf(new byte[32]), accessToken());

        assertThatThrownBy(() -> b.unwrap(wrapped, accessToken())).isInstanceOf(SealedDataException.class);
        var renamed = new WrappedKey(b.keyId(), 1, wrapped.ciphertext());
        assertThatThrownBy(() -> b.unwrap(renamed, accessToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenWrappedKeyUnwrappedUnderAnotherContextThenSealedDataException() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
        WrappedKey wrapped = kek.wrap(SecretBytes.copyOf(new byte[32]), accessToken());

        assertThatThrownBy(() -> kek.unwrap(wrapped, otherTenant())).isInstanceOf(SealedDataException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 59, 61})
    void whenWrappedKeyHasWrongLengthThenSealedDataException(int length) {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();

        assertThatThrownBy(() -> kek.unwrap(new WrappedKey(kek.keyId(), 1, new byte[length]), accessToken()))
                .isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenDataKeyNotThirtyTwoBytesThenWrapRefusesIt() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();

        assertThatThrownBy(() -> kek.wrap(SecretBytes.copyOf(new byte[16]), accessToken()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenStatusAskedThenReportsVersions() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
        kek.rotate();

        var status = kek.status();

        assertThat(status.providerId()).isEqualTo("local");
        assertThat(status.primaryVersion()).isEqualTo(2);
        assertThat(status.minDecryptionVersion()).isEqualTo(1);
    }

    @Test
    void whenClosedThenKeysAreGoneAndEveryCallFailsClosed() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
        WrappedKey wrapped = kek.wrap(SecretBytes.copyOf(new byte[32]), accessToken());

        kek.close();

        assertThatThrownBy(() -> kek.wrap(SecretBytes.copyOf(new byte[32]), accessToken()))
                .isInstanceOf(KeyProviderException.class);
        assertThatThrownBy(() -> kek.unwrap(wrapped, accessToken())).isInstanceOf(KeyProviderException.class);
        assertThatThrownBy(kek::rotate).isInstanceOf(KeyProviderException.class);
    }

    private String readKeyring() {
        try {
            return Files.readString(dir.resolve("keyring.json"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
