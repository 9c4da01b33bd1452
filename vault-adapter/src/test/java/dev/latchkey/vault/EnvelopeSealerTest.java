package dev.latchkey.vault;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static dev.latchkey.vault.TestSealContexts.refreshToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeSealerTest {

    private static final int REUSE_RECORDS = 300;
    private static final byte[] SECRET = "ya29.a0-access-token".getBytes(StandardCharsets.UTF_8);

    private final LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
    private final EnvelopeSealer sealer = new EnvelopeSealer(kek);

    @AfterEach
    void close() {
        sealer.close();
        kek.close();
    }

    @Test
    void whenSealedAndOpenedForSameOwnerThenPlaintextReturned() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        try (SecretBytes opened = sealer.open(sealed, accessToken())) {
            assertThat(opened.revealBytes()).isEqualTo(SECRET);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void whenOpenedByAFreshSealerOverTheSameKeyThenPlaintextReturned(boolean cache) {
        byte[] sealed = sealer.seal(SECRET, accessToken());
        var other = EnvelopeSealer.builder(kek)
                .cacheSettings(cache ? CacheSettings.defaults() : CacheSettings.disabled())
                .build();

        assertThat(other.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
    }

    @Test
    void whenSealedTwiceThenCiphertextsDiffer() {
        byte[] first = sealer.seal(SECRET, accessToken());
        byte[] second = sealer.seal(SECRET, accessToken());

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void whenPlaintextEmptyThenRoundTrips() {
        byte[] sealed = sealer.seal(new byte[0], accessToken());

        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEmpty();
    }

    @Test
    void whenPlaintextLargerThanCapThenRejectedBeforeSealing() {
        var small = EnvelopeSealer.builder(kek).maxPlaintextBytes(16).build();

        assertThatThrownBy(() -> small.seal(new byte[17], accessToken()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenSealedThenCiphertextDoesNotContainPlaintext() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThat(indexOf(sealed, SECRET)).isEqualTo(-1);
    }

    @Test
    void whenOpenedForAnotherTenantThenSealedDataException() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThatThrownBy(() -> sealer.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenMovedToAnotherRecordThenSealedDataException() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThatThrownBy(() -> sealer.open(sealed, otherRecord())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenOpenedForAnotherPurposeThenSealedDataException() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        assertThatThrownBy(() -> sealer.open(sealed, refreshToken())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenMovedToAnotherRecordWithItsDataKeyCachedThenKekStillRefusesIt() {
        var counting = new CountingKeyEncryptionKey(kek);
        var cached = new EnvelopeSealer(counting);
        byte[] sealed = cached.seal(SECRET, accessToken());
        cached.open(sealed, accessToken());

        assertThatThrownBy(() -> cached.open(sealed, otherRecord())).isInstanceOf(SealedDataException.class);
        assertThat(counting.unwraps.get()).isEqualTo(1);
    }

    @Test
    void whenOpenedWithoutCacheUnderAnotherOwnerThenKekUnwrapRefusesIt() {
        var counting = new CountingKeyEncryptionKey(kek);
        var uncached = EnvelopeSealer.builder(counting).cacheSettings(CacheSettings.disabled()).build();
        byte[] sealed = uncached.seal(SECRET, accessToken());

        assertThatThrownBy(() -> uncached.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);
        assertThat(counting.unwraps.get()).isEqualTo(1);
    }

    @Test
    void whenWrappedKeyCopiedFromAnotherOwnersValueThenSealedDataException() {
        byte[] mine = sealer.seal(SECRET, accessToken());
        byte[] theirs = sealer.seal("other".getBytes(StandardCharsets.UTF_8), otherTenant());
        var mineParsed = SealedFormat.parse(mine);
        var theirsParsed = SealedFormat.parse(theirs);
        // Their header (with their wrapped data key) in front of my nonce and ciphertext.
        byte[] spliced = concat(Arrays.copyOf(theirs, theirsParsed.nonceOffset()),
                Arrays.copyOfRange(mine, mineParsed.nonceOffset(), mine.length));

        assertThatThrownBy(() -> sealer.open(spliced, accessToken())).isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> sealer.open(spliced, otherTenant())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenHeaderParsedThenItNamesThePrimaryKey() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        SealedHeader header = SealedHeader.parse(sealed);

        assertThat(header.formatVersion()).isEqualTo(1);
        assertThat(header.key()).isEqualTo(new KeyRef("local", kek.keyId(), 1));
        assertThat(header.wrappedKeyLength()).isEqualTo(60);
        assertThat(sealer.primaryKey()).isEqualTo(header.key());
    }

    @Test
    void whenSealedThenLayoutMatchesTheDocumentedFormat() {
        byte[] sealed = sealer.seal(SECRET, accessToken());
        byte[] keyId = kek.keyId().getBytes(StandardCharsets.UTF_8);

        int expected = 1 + 1 + "local".length() + 1 + keyId.length + 4 + 2 + 60 + 12 + SECRET.length + 16;
        assertThat(sealed).hasSize(expected);
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(sealed[1]).isEqualTo((byte) 5);
        assertThat(new String(sealed, 2, 5, StandardCharsets.US_ASCII)).isEqualTo("local");
        assertThat(sealed[7] & 0xff).isEqualTo(keyId.length);
        int v = 8 + keyId.length;
        assertThat(Arrays.copyOfRange(sealed, v, v + 4)).containsExactly(0, 0, 0, 1);
        assertThat(((sealed[v + 4] & 0xff) << 8) | (sealed[v + 5] & 0xff)).isEqualTo(60);
    }

    @Test
    void whenOpenedSecretPrintedThenRedacted() {
        byte[] sealed = sealer.seal(SECRET, accessToken());

        SecretBytes opened = sealer.open(sealed, accessToken());

        assertThat(opened.toString()).doesNotContain("ya29").contains("redacted");
        opened.close();
        assertThatThrownBy(opened::revealBytes).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void whenTwoProvidersShareAnIdThenBuilderRejectsThem() {
        var builder = EnvelopeSealer.builder(kek).decryptOnly(LocalKeyEncryptionKey.ephemeral());

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenContextOrInputNullThenRejected() {
        assertThatThrownBy(() -> sealer.seal(SECRET, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sealer.seal(null, accessToken())).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sealer.open(null, accessToken())).isInstanceOf(SealedDataException.class);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // Reused AES-GCM ciphers (GcmCiphers): 1,500 opens of 300 values, each under a data key of its own, go through
    // at most GcmCiphers.MAX_IDLE ciphers on 8 threads; every one opening to its own plaintext shows each cipher was
    // re-keyed for each use, and a failed open leaves nothing behind.
    @Test
    void whenManyOwnersAreOpenedConcurrentlyThroughReusedCiphersThenEachValueOpensOnlyForItsOwner() throws Exception {
        List<byte[]> sealed = new ArrayList<>();
        for (int i = 0; i < REUSE_RECORDS; i++) {
            sealed.add(sealer.seal(reusePlaintext(i), TestSealContexts.record("cred-" + i)));
        }
        List<Integer> order = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < REUSE_RECORDS; i++) {
                order.add(i);
            }
        }
        Collections.shuffle(order);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int n = 0; n < order.size(); n++) {
                int i = order.get(n);
                int other = (i + 1 + n % (REUSE_RECORDS - 1)) % REUSE_RECORDS; // never i itself
                done.add(pool.submit(() -> {
                    try (SecretBytes value = sealer.open(sealed.get(i), TestSealContexts.record("cred-" + i))) {
                        assertThat(value.revealBytes()).isEqualTo(reusePlaintext(i));
                        opened.incrementAndGet();
                    }
                    // Interleaved with refusals: a failed open between two others must not disturb them.
                    assertThatThrownBy(() -> sealer.open(sealed.get(i), TestSealContexts.record("cred-" + other)))
                            .isInstanceOf(SealedDataException.class);
                    refused.incrementAndGet();
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(opened.get()).isEqualTo(order.size());
        assertThat(refused.get()).isEqualTo(order.size());
    }

    @Test
    void whenAnOpenFailsOnATamperedTagThenLaterSealsAndOpensStillWork() {
        byte[] good = sealer.seal(reusePlaintext(1), TestSealContexts.record("cred-1"));
        byte[] tampered = good.clone();
        tampered[tampered.length - 1] ^= 1;

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> sealer.open(tampered, TestSealContexts.record("cred-1")))
                    .isInstanceOf(SealedDataException.class);
            byte[] fresh = sealer.seal(reusePlaintext(2), TestSealContexts.record("cred-2"));
            assertThat(sealer.open(good, TestSealContexts.record("cred-1")).revealBytes()).isEqualTo(reusePlaintext(1));
            assertThat(sealer.open(fresh, TestSealContexts.record("cred-2")).revealBytes()).isEqualTo(reusePlaintext(2));
        }
    }

    private static byte[] reusePlaintext(int i) {
        return ("token-" + i + "-" + "x".repeat(i % 40)).getBytes(StandardCharsets.UTF_8);
    }
}
