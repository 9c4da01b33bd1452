package dev.latchkey.vault;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With the KEK unreachable: sealing fails closed, opening works from cached data keys until they expire. */
class KeyProviderOutageTest {

    private static final byte[] SECRET = "signing-key".getBytes(StandardCharsets.UTF_8);

    private final LocalKeyEncryptionKey local = LocalKeyEncryptionKey.ephemeral();
    private final CountingKeyEncryptionKey kek = new CountingKeyEncryptionKey(local);
    private final AtomicLong now = new AtomicLong();
    private final EnvelopeSealer sealer = new EnvelopeSealer(kek,
            new DataKeyCache(new CacheSettings(true, Duration.ofMinutes(5), 1000, 100), now::get));

    @AfterEach
    void close() {
        local.close();
    }

    @Test
    void whenKekUnreachableThenSealingForANewOwnerFailsClosed() {
        kek.offline(true);

        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken()))
                .isInstanceOf(KeyProviderException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void whenKekUnreachableThenCachedValuesStillOpen() {
        byte[] sealed = sealer.seal(SECRET, accessToken());
        kek.offline(true);

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenKekUnreachableAndCachedKeyExpiredThenOpeningFailsWithKeyProviderException() {
        byte[] sealed = sealer.seal(SECRET, accessToken());
        kek.offline(true);
        now.addAndGet(Duration.ofMinutes(6).toNanos());

        assertThatThrownBy(() -> sealer.open(sealed, accessToken())).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenKekUnreachableThenUncachedValuesFailWithKeyProviderExceptionNotSealedData() {
        EnvelopeSealer writer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        byte[] sealed = writer.seal(SECRET, otherRecord());
        kek.offline(true);

        assertThatThrownBy(() -> sealer.open(sealed, otherRecord())).isInstanceOf(KeyProviderException.class);
    }

    @Test
    void whenKekComesBackThenSealingWorksAgain() {
        kek.offline(true);
        assertThatThrownBy(() -> sealer.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);

        kek.offline(false);

        assertThat(sealer.open(sealer.seal(SECRET, accessToken()), accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenKekFailsUnexpectedlyThenSealingFailsWithKeyProviderException() {
        EnvelopeSealer brokenSealer = new EnvelopeSealer(new KeyEncryptionKey() {
            @Override
            public String providerId() {
                return "local";
            }

            @Override
            public String keyId() {
                return local.keyId();
            }

            @Override
            public int primaryVersion() {
                return 1;
            }

            @Override
            public WrappedKey wrap(SecretBytes dataKey, SealContext context) {
                throw new IllegalStateException("bug in provider");
            }

            @Override
            public SecretBytes unwrap(WrappedKey wrapped, SealContext context) {
                throw new IllegalStateException("bug in provider");
            }

            @Override
            public KeyStatus status() {
                return local.status();
            }
        });

        assertThatThrownBy(() -> brokenSealer.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);
        byte[] sealed = sealer.seal(SECRET, accessToken());
        assertThatThrownBy(() -> brokenSealer.open(sealed, accessToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenKekReturnsADataKeyOfTheWrongLengthThenSealingRefusesIt() {
        EnvelopeSealer shortKeys = new EnvelopeSealer(new CountingKeyEncryptionKey(local) {
            @Override
            public GeneratedDataKey generateDataKey(SealContext context) {
                return new GeneratedDataKey(SecretBytes.adopt(new byte[16]),
                        new WrappedKey(local.keyId(), 1, new byte[60]));
            }
        });

        assertThatThrownBy(() -> shortKeys.seal(SECRET, accessToken())).isInstanceOf(KeyProviderException.class);
    }
}
