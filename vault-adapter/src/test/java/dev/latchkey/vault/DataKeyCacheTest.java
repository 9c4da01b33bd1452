package dev.latchkey.vault;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherRecord;
import static dev.latchkey.vault.TestSealContexts.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataKeyCacheTest {

    private static final byte[] SECRET = "api-key-123".getBytes(StandardCharsets.UTF_8);

    private final LocalKeyEncryptionKey local = LocalKeyEncryptionKey.ephemeral();
    private final CountingKeyEncryptionKey kek = new CountingKeyEncryptionKey(local);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void close() {
        local.close();
    }

    private EnvelopeSealer sealer(Duration maxAge, long maxUses, int maxEntries) {
        var cache = new DataKeyCache(new CacheSettings(true, maxAge, maxUses, maxEntries), now::get);
        return new EnvelopeSealer(kek, cache);
    }

    private static WrappedKey wrappedKeyOf(byte[] sealed) {
        return SealedFormat.parse(sealed).wrapped();
    }

    @Test
    void whenSealingRepeatedlyForOneOwnerThenOneDataKeyServesUpToMaxUses() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 3, 100);

        byte[][] values = new byte[7][];
        for (int i = 0; i < values.length; i++) {
            values[i] = sealer.seal(SECRET, accessToken());
        }

        assertThat(kek.generates.get()).isEqualTo(3); // uses 1-3, 4-6, 7
        assertThat(wrappedKeyOf(values[0])).isEqualTo(wrappedKeyOf(values[2]));
        assertThat(wrappedKeyOf(values[3])).isNotEqualTo(wrappedKeyOf(values[2]));
        assertThat(SealedFormat.parse(values[0]).nonceOffset()).isEqualTo(SealedFormat.parse(values[1]).nonceOffset());
        assertThat(nonce(values[0])).isNotEqualTo(nonce(values[1]));
        for (byte[] v : values) {
            assertThat(sealer.open(v, accessToken()).revealBytes()).isEqualTo(SECRET);
        }
    }

    @Test
    void whenSealingForDifferentOwnersThenEachGetsItsOwnDataKey() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 100, 100);

        byte[] a = sealer.seal(SECRET, accessToken());
        byte[] b = sealer.seal(SECRET, otherRecord());

        assertThat(kek.generates.get()).isEqualTo(2);
        assertThat(wrappedKeyOf(a)).isNotEqualTo(wrappedKeyOf(b));
        assertThatThrownBy(() -> sealer.open(a, otherRecord())).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenMaxAgePassedThenSealingGetsAFreshDataKey() {
        EnvelopeSealer sealer = sealer(Duration.ofSeconds(30), 1000, 100);
        byte[] first = sealer.seal(SECRET, accessToken());

        now.addAndGet(Duration.ofSeconds(29).toNanos());
        byte[] second = sealer.seal(SECRET, accessToken());
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        byte[] third = sealer.seal(SECRET, accessToken());

        assertThat(wrappedKeyOf(second)).isEqualTo(wrappedKeyOf(first));
        assertThat(wrappedKeyOf(third)).isNotEqualTo(wrappedKeyOf(first));
        assertThat(kek.generates.get()).isEqualTo(2);
    }

    @Test
    void whenOpeningRepeatedlyThenKekUnwrapsOnce() {
        EnvelopeSealer writer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        byte[] sealed = writer.seal(SECRET, accessToken());
        EnvelopeSealer reader = sealer(Duration.ofMinutes(5), 1000, 100);

        for (int i = 0; i < 10; i++) {
            assertThat(reader.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
        }

        assertThat(kek.unwraps.get()).isEqualTo(1);
        CacheStats stats = reader.cache().stats();
        assertThat(stats.openMisses()).isEqualTo(1);
        assertThat(stats.openHits()).isEqualTo(9);
    }

    @Test
    void whenSealedThenOpeningItNeedsNoUnwrap() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 1000, 100);
        byte[] sealed = sealer.seal(SECRET, accessToken());

        sealer.open(sealed, accessToken());

        assertThat(kek.unwraps.get()).isZero();
    }

    @Test
    void whenOpenEntryExpiresThenKekUnwrapsAgain() {
        EnvelopeSealer writer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        byte[] sealed = writer.seal(SECRET, accessToken());
        EnvelopeSealer reader = sealer(Duration.ofSeconds(10), 1000, 100);

        reader.open(sealed, accessToken());
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        reader.open(sealed, accessToken());

        assertThat(kek.unwraps.get()).isEqualTo(2);
        assertThat(reader.cache().stats().evictions()).isEqualTo(1);
    }

    @Test
    void whenOpenEntryUsedUpThenKekUnwrapsAgain() {
        EnvelopeSealer writer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        byte[] sealed = writer.seal(SECRET, accessToken());
        EnvelopeSealer reader = sealer(Duration.ofMinutes(5), 2, 100);

        for (int i = 0; i < 5; i++) {
            reader.open(sealed, accessToken());
        }

        assertThat(kek.unwraps.get()).isEqualTo(3); // uses 1-2, 3-4, 5
    }

    @Test
    void whenMoreOwnersThanMaxEntriesThenLeastRecentlyUsedEvicted() {
        EnvelopeSealer writer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
        byte[] a = writer.seal(SECRET, record("a"));
        byte[] b = writer.seal(SECRET, record("b"));
        byte[] c = writer.seal(SECRET, record("c"));
        EnvelopeSealer reader = sealer(Duration.ofMinutes(5), 1000, 2);

        reader.open(a, record("a"));
        reader.open(b, record("b"));
        reader.open(a, record("a")); // a is now more recent than b
        reader.open(c, record("c")); // evicts b
        int before = kek.unwraps.get();
        reader.open(a, record("a"));
        reader.open(b, record("b"));

        assertThat(reader.cache().size()).isEqualTo(2);
        assertThat(kek.unwraps.get() - before).isEqualTo(1);
        assertThat(reader.cache().stats().evictions()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void whenCacheDisabledThenEverySealAndOpenCallsKek() {
        EnvelopeSealer sealer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();

        for (int i = 0; i < 3; i++) {
            sealer.open(sealer.seal(SECRET, accessToken()), accessToken());
        }

        assertThat(kek.generates.get()).isEqualTo(3);
        assertThat(kek.unwraps.get()).isEqualTo(3);
        assertThat(sealer.cache().size()).isZero();
        assertThat(sealer.cache().stats().hits()).isZero();
        assertThat(sealer.cache().stats().misses()).isEqualTo(6);
    }

    @Test
    void whenInvalidatedThenEmptyAndKekCalledAgain() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 1000, 100);
        byte[] sealed = sealer.seal(SECRET, accessToken());

        sealer.cache().invalidateAll();
        sealer.open(sealed, accessToken());

        assertThat(kek.unwraps.get()).isEqualTo(1);
        assertThat(sealer.cache().stats().evictions()).isEqualTo(2); // the seal entry and the open entry
    }

    @Test
    void whenExpiredEntriesSweptThenTheyAreEvictedWithoutBeingTouched() {
        EnvelopeSealer sealer = sealer(Duration.ofSeconds(10), 1000, 100);
        sealer.seal(SECRET, record("a"));
        sealer.seal(SECRET, record("b"));
        assertThat(sealer.cache().size()).isEqualTo(4);

        now.addAndGet(Duration.ofSeconds(11).toNanos());
        sealer.seal(SECRET, record("c")); // an insert more than a second later sweeps expired entries

        assertThat(sealer.cache().size()).isEqualTo(2);
    }

    @Test
    void whenStatsReadThenSealAndOpenHitsAndMissesCounted() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 1000, 100);

        byte[] sealed = sealer.seal(SECRET, accessToken());
        sealer.seal(SECRET, accessToken());
        sealer.open(sealed, accessToken());

        CacheStats stats = sealer.cache().stats();
        assertThat(stats.sealMisses()).isEqualTo(1);
        assertThat(stats.sealHits()).isEqualTo(1);
        assertThat(stats.openHits()).isEqualTo(1);
        assertThat(stats.openMisses()).isZero();
        assertThat(stats.size()).isEqualTo(2);
    }

    @Test
    void whenKeyRotatedThenSealingStopsReusingDataKeysOfTheOldVersion() {
        EnvelopeSealer sealer = sealer(Duration.ofMinutes(5), 1000, 100);
        byte[] before = sealer.seal(SECRET, accessToken());

        local.rotate();
        byte[] after = sealer.seal(SECRET, accessToken());

        assertThat(SealedHeader.parse(before).key().version()).isEqualTo(1);
        assertThat(SealedHeader.parse(after).key().version()).isEqualTo(2);
    }

    @Test
    void whenSettingsOutOfRangeThenRejected() {
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ofSeconds(-1), 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ofMinutes(1), 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ofMinutes(1), CacheSettings.MAX_USES_CAP + 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ofMinutes(1), 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenRawKeyDestroyedThenBytesZeroedAndUnusable() {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) 7);
        RawAesKey key = new RawAesKey(bytes);

        key.destroy();

        assertThat(bytes).containsOnly(0);
        assertThat(key.isDestroyed()).isTrue();
        assertThatThrownBy(key::getEncoded).isInstanceOf(IllegalStateException.class);
    }

    private static byte[] nonce(byte[] sealed) {
        var p = SealedFormat.parse(sealed);
        return Arrays.copyOfRange(sealed, p.nonceOffset(), p.ciphertextOffset());
    }
}
