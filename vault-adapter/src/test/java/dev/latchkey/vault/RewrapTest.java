package dev.latchkey.vault;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rewrap moves a value to the newest key version by re-wrapping only its data key. */
class RewrapTest {

    private static final byte[] SECRET = "refresh-token".getBytes(StandardCharsets.UTF_8);

    private final LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
    private final EnvelopeSealer sealer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();

    @AfterEach
    void close() {
        kek.close();
    }

    @Test
    void whenRewrappedAfterRotationThenHeaderNamesNewVersionAndNonceAndCiphertextAreUntouched() {
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();

        byte[] rewrapped = sealer.rewrap(old, accessToken());

        var before = SealedFormat.parse(old);
        var after = SealedFormat.parse(rewrapped);
        assertThat(after.key().version()).isEqualTo(2);
        assertThat(after.wrappedKey()).isNotEqualTo(before.wrappedKey());
        assertThat(Arrays.copyOfRange(rewrapped, after.nonceOffset(), rewrapped.length))
                .isEqualTo(Arrays.copyOfRange(old, before.nonceOffset(), old.length));
        assertThat(sealer.open(rewrapped, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenRewrappedThenOldVersionCanBeDisabledAndValueStillOpens() {
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();
        byte[] rewrapped = sealer.rewrap(old, accessToken());

        kek.setMinDecryptionVersion(2);

        assertThat(sealer.open(rewrapped, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThatThrownBy(() -> sealer.open(old, accessToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenValueAlreadyUnderPrimaryThenRewrapReturnsEqualBytes() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(sealer.needsRewrap(sealed)).isFalse();
        assertThat(sealer.rewrap(sealed, accessToken())).isEqualTo(sealed);
    }

    @Test
    void whenRotatedThenOldValuesNeedRewrapAndNewOnesDoNot() {
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();
        byte[] fresh = sealer.seal(SECRET, accessToken());

        assertThat(sealer.needsRewrap(old)).isTrue();
        assertThat(sealer.needsRewrap(fresh)).isFalse();
    }

    @Test
    void whenRewrappedUnderAnotherOwnerThenSealedDataException() {
        byte[] old = sealer.seal(SECRET, accessToken());
        kek.rotate();

        assertThatThrownBy(() -> sealer.rewrap(old, otherRecord())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenRewrapInputMalformedThenSealedDataException() {
        assertThatThrownBy(() -> sealer.rewrap(new byte[] {1, 2, 3}, accessToken()))
                .isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenKekUnreachableThenRewrapFailsWithKeyProviderException() {
        var counting = new CountingKeyEncryptionKey(kek);
        var withCounting = EnvelopeSealer.builder(counting).cacheSettings(CacheSettings.disabled()).build();
        byte[] old = withCounting.seal(SECRET, accessToken());
        kek.rotate();
        counting.offline(true);

        assertThatThrownBy(() -> withCounting.rewrap(old, accessToken())).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenMigratingFromAnotherProviderThenRewrapMovesValueToThePrimaryProvider() {
        LocalKeyEncryptionKey oldRing = LocalKeyEncryptionKey.ephemeral();
        var oldProvider = new CountingKeyEncryptionKey(oldRing, "local-old");
        byte[] legacy = EnvelopeSealer.builder(oldProvider).cacheSettings(CacheSettings.disabled()).build()
                .seal(SECRET, accessToken());
        EnvelopeSealer migrating = EnvelopeSealer.builder(kek).decryptOnly(oldProvider)
                .cacheSettings(CacheSettings.disabled()).build();

        assertThat(migrating.open(legacy, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(migrating.needsRewrap(legacy)).isTrue();
        byte[] moved = migrating.rewrap(legacy, accessToken());

        assertThat(SealedHeader.parse(moved).key()).isEqualTo(new KeyRef("local", kek.keyId(), 1));
        assertThat(sealer.open(moved, accessToken()).revealBytes()).isEqualTo(SECRET);
        byte[] sealedNow = migrating.seal(SECRET, accessToken());
        assertThat(SealedHeader.parse(sealedNow).key().providerId()).isEqualTo("local");
    }
}
