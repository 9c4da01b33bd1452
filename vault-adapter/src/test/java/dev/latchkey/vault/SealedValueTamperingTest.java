package dev.latchkey.vault;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every malformed, truncated or tampered sealed value fails with the one opaque {@link SealedDataException}. */
class SealedValueTamperingTest {

    private static final byte[] SECRET = "refresh-token-value".getBytes(StandardCharsets.UTF_8);

    private LocalKeyEncryptionKey kek;
    private EnvelopeSealer cached;
    private EnvelopeSealer uncached;
    private byte[] sealed;
    private SealedFormat.Parsed parsed;

    /** The fields of the sealed format, as byte ranges of {@link #sealed}. */
    enum Field {
        FORMAT_VERSION, PROVIDER_ID_LENGTH, PROVIDER_ID, KEY_ID_LENGTH, KEY_ID, KEY_VERSION, WRAPPED_KEY_LENGTH,
        WRAPPED_KEY, NONCE, CIPHERTEXT, TAG;

        int[] range(byte[] sealed, SealedFormat.Parsed p) {
            int providerLen = sealed[1] & 0xff;
            int keyIdLenAt = 2 + providerLen;
            int keyIdLen = sealed[keyIdLenAt] & 0xff;
            int versionAt = keyIdLenAt + 1 + keyIdLen;
            return switch (this) {
                case FORMAT_VERSION -> new int[] {0, 1};
                case PROVIDER_ID_LENGTH -> new int[] {1, 2};
                case PROVIDER_ID -> new int[] {2, 2 + providerLen};
                case KEY_ID_LENGTH -> new int[] {keyIdLenAt, keyIdLenAt + 1};
                case KEY_ID -> new int[] {keyIdLenAt + 1, versionAt};
                case KEY_VERSION -> new int[] {versionAt, versionAt + 4};
                case WRAPPED_KEY_LENGTH -> new int[] {versionAt + 4, versionAt + 6};
                case WRAPPED_KEY -> new int[] {versionAt + 6, p.nonceOffset()};
                case NONCE -> new int[] {p.nonceOffset(), p.ciphertextOffset()};
                case CIPHERTEXT -> new int[] {p.ciphertextOffset(), sealed.length - 16};
                case TAG -> new int[] {sealed.length - 16, sealed.length};
            };
        }
    }

    @BeforeEach
    void seal() {
        kek = LocalKeyEncryptionKey.ephemeral();
        kek.rotate();
        kek.rotate(); // versions 1..3 exist, so a flipped version bit can land on a real, wrong key
        cached = new EnvelopeSealer(kek);
        uncached = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        sealed = cached.seal(SECRET, accessToken());
        parsed = SealedFormat.parse(sealed);
        // Warm the cache with the genuine value, so tampering is checked against a hot cache too.
        assertThat(cached.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @AfterEach
    void close() {
        cached.close();
        kek.close();
    }

    @ParameterizedTest
    @EnumSource(Field.class)
    void whenAnyBitOfFieldFlippedThenSealedDataException(Field field) {
        int[] range = field.range(sealed, parsed);
        assertThat(range[1]).isGreaterThan(range[0]);
        for (int i = range[0]; i < range[1]; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= (byte) (1 << bit);
                assertRejected(tampered, field + " byte " + i + " bit " + bit);
            }
        }
    }

    @Test
    void whenTruncatedToAnyLengthThenSealedDataException() {
        for (int length = 0; length < sealed.length; length++) {
            assertRejected(Arrays.copyOf(sealed, length), "truncated to " + length);
        }
    }

    @Test
    void whenBytesAppendedThenSealedDataException() {
        assertRejected(Arrays.copyOf(sealed, sealed.length + 1), "one byte appended");
        assertRejected(EnvelopeSealerTest.concat(sealed, sealed), "value repeated");
    }

    @Test
    void whenEmptyThenSealedDataException() {
        assertRejected(new byte[0], "empty");
    }

    @Test
    void whenNullThenSealedDataException() {
        assertThatThrownBy(() -> cached.open(null, accessToken())).isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> SealedHeader.parse(null)).isInstanceOf(SealedDataException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1025, 0xffff})
    void whenWrappedKeyLengthOutOfBoundsThenSealedDataException(int length) {
        assertRejected(withWrappedKeyLength(length), "wrapped key length " + length);
    }

    @Test
    void whenWrappedKeyLengthClaimsMoreThanRemainsThenSealedDataException() {
        int remaining = sealed.length - (Field.WRAPPED_KEY.range(sealed, parsed)[0]);
        assertRejected(withWrappedKeyLength(remaining), "wrapped key swallows nonce and ciphertext");
        assertRejected(withWrappedKeyLength(remaining - 12), "wrapped key swallows the ciphertext");
        assertRejected(withWrappedKeyLength(remaining + 1), "wrapped key longer than the input");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 33, 255})
    void whenProviderIdLengthOutOfBoundsThenSealedDataException(int length) {
        byte[] tampered = sealed.clone();
        tampered[1] = (byte) length;
        assertRejected(tampered, "provider id length " + length);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 255})
    void whenKeyIdLengthWrongThenSealedDataException(int length) {
        byte[] tampered = sealed.clone();
        tampered[Field.KEY_ID_LENGTH.range(sealed, parsed)[0]] = (byte) length;
        assertRejected(tampered, "key id length " + length);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 0x7f})
    void whenFormatVersionUnknownThenSealedDataException(int version) {
        byte[] tampered = sealed.clone();
        tampered[0] = (byte) version;
        assertRejected(tampered, "format version " + version);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 99, Integer.MAX_VALUE, 0x80000000L, 0xffffffffL})
    void whenKeyVersionUnknownThenSealedDataException(long version) {
        byte[] tampered = sealed.clone();
        int at = Field.KEY_VERSION.range(sealed, parsed)[0];
        ByteBuffer.wrap(tampered, at, 4).putInt((int) version);
        assertRejected(tampered, "key version " + version);
    }

    @Test
    void whenProviderUnknownThenSealedDataException() {
        byte[] tampered = sealed.clone();
        System.arraycopy("lodal".getBytes(StandardCharsets.US_ASCII), 0, tampered, 2, 5);
        assertRejected(tampered, "unknown provider");
    }

    @Test
    void whenKeyIdNotUtf8ThenSealedDataException() {
        byte[] tampered = sealed.clone();
        tampered[Field.KEY_ID.range(sealed, parsed)[0]] = (byte) 0xc3; // starts a two-byte sequence…
        tampered[Field.KEY_ID.range(sealed, parsed)[0] + 1] = (byte) 0x28; // …that is not continued
        assertRejected(tampered, "invalid UTF-8 key id");
    }

    @Test
    void whenRandomBytesThenSealedDataException() {
        Random random = new Random(42);
        for (int length : new int[] {1, 2, 16, 64, 117, 500, 4096}) {
            for (int i = 0; i < 20; i++) {
                byte[] garbage = new byte[length];
                random.nextBytes(garbage);
                if (i % 2 == 0) {
                    garbage[0] = 1; // get past the format version check
                }
                assertRejected(garbage, "random " + length + " bytes");
            }
        }
    }

    @Test
    void whenValidHeaderButNonceAndCiphertextFromAnotherValueThenSealedDataException() {
        byte[] other = cached.seal("other".getBytes(StandardCharsets.UTF_8), TestSealContexts.otherRecord());
        var otherParsed = SealedFormat.parse(other);
        byte[] spliced = EnvelopeSealerTest.concat(Arrays.copyOf(sealed, parsed.nonceOffset()),
                Arrays.copyOfRange(other, otherParsed.nonceOffset(), other.length));
        assertRejected(spliced, "foreign ciphertext under my header");
    }

    @Test
    void whenGenuineValueThenStillOpensAfterAllThat() {
        whenTruncatedToAnyLengthThenSealedDataException();
        assertThat(cached.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        assertThat(uncached.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    private byte[] withWrappedKeyLength(int length) {
        byte[] tampered = sealed.clone();
        int at = Field.WRAPPED_KEY_LENGTH.range(sealed, parsed)[0];
        tampered[at] = (byte) (length >>> 8);
        tampered[at + 1] = (byte) length;
        return tampered;
    }

    private void assertRejected(byte[] tampered, String what) {
        for (EnvelopeSealer sealer : new EnvelopeSealer[] {cached, uncached}) {
            try {
                SecretBytes opened = sealer.open(tampered, accessToken());
                fail("opened a value with " + what + ": " + Arrays.toString(opened.revealBytes()));
            } catch (SealedDataException expected) {
                assertThat(expected).hasMessage("sealed value cannot be opened");
            } catch (RuntimeException other) {
                fail(what + " raised " + other + " instead of SealedDataException", other);
            }
        }
    }
}
