package dev.latchkey.vault.rewrap;

import static dev.latchkey.vault.TestSealContexts.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.CountingKeyEncryptionKey;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.SealedHeader;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RewrapJobTest {

    private static final int VALUES = 250;

    private final LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.ephemeral();
    private final EnvelopeSealer sealer = new EnvelopeSealer(kek);
    private final InMemorySealedValueStore store = new InMemorySealedValueStore();

    @BeforeEach
    void fillStoreUnderVersionOneThenRotate() {
        for (int i = 0; i < VALUES; i++) {
            String id = id(i);
            store.put(id, sealer.seal(plaintext(i), record(id)), record(id));
        }
        kek.rotate();
        sealer.cache().invalidateAll();
    }

    @AfterEach
    void close() {
        kek.close();
    }

    @Test
    void whenJobRunsThenEveryValueIsUnderTheNewVersionAndStillOpens() {
        RewrapResult result = new RewrapJob(sealer, store, 40).run();

        assertThat(result.complete()).isTrue();
        assertThat(result.rewrapped()).isEqualTo(VALUES);
        assertThat(result.failed()).isZero();
        assertThat(result.batches()).isEqualTo(7);
        assertThat(store.countStale(sealer.primaryKey())).isZero();
        assertAllOpenUnderVersion(2);
    }

    @Test
    void whenOldVersionDisabledAfterRunThenEverythingStillOpens() {
        new RewrapJob(sealer, store, 100).run();

        kek.setMinDecryptionVersion(2);
        sealer.cache().invalidateAll();

        assertAllOpenUnderVersion(2);
    }

    @Test
    void whenRunStopsAfterOneBatchThenNextRunResumesWhereStateSaysAndFinishes() {
        RewrapResult first = new RewrapJob(sealer, store, 50).run(1);
        assertThat(first.complete()).isFalse();
        assertThat(first.rewrapped()).isEqualTo(50);
        assertThat(store.countStale(sealer.primaryKey())).isEqualTo(VALUES - 50);

        RewrapResult second = new RewrapJob(sealer, store, 50).run();

        assertThat(second.complete()).isTrue();
        assertThat(second.rewrapped()).isEqualTo(VALUES - 50);
        assertAllOpenUnderVersion(2);
    }

    @Test
    void whenNothingIsStaleThenRunClaimsNothing() {
        new RewrapJob(sealer, store, 100).run();

        RewrapResult again = new RewrapJob(sealer, store, 100).run();

        assertThat(again.claimed()).isZero();
        assertThat(again.complete()).isTrue();
    }

    @Test
    void whenSeveralJobsRunAtOnceThenEachValueIsRewrappedOnceAndNoneIsLost() throws Exception {
        var counting = new CountingKeyEncryptionKey(kek);
        var shared = EnvelopeSealer.builder(counting).cacheSettings(CacheSettings.disabled()).build();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<RewrapResult>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.add(pool.submit(() -> {
                start.await();
                return new RewrapJob(shared, store, 7).run();
            }));
        }
        start.countDown();
        int rewrapped = 0;
        for (Future<RewrapResult> run : runs) {
            RewrapResult r = run.get(30, TimeUnit.SECONDS);
            assertThat(r.failed()).isZero();
            rewrapped += r.rewrapped();
        }
        pool.shutdown();

        assertThat(rewrapped).isEqualTo(VALUES);
        assertThat(counting.rewraps.get()).isEqualTo(VALUES);
        assertThat(store.countStale(sealer.primaryKey())).isZero();
        assertAllOpenUnderVersion(2);
    }

    @Test
    void whenApplicationRewritesAValueDuringTheRunThenItsWriteWins() {
        String victim = id(3);
        byte[] newer = "rewritten by the application".getBytes(StandardCharsets.UTF_8);
        AtomicInteger claims = new AtomicInteger();
        SealedValueStore racing = new SealedValueStore() {
            @Override
            public int claimStale(dev.latchkey.vault.KeyRef target, String afterId, int limit,
                    java.util.function.Consumer<List<StoredSealedValue>> work) {
                return store.claimStale(target, afterId, limit, batch -> {
                    if (claims.getAndIncrement() == 0) {
                        // The application writes between the job's claim and its compare-and-swap.
                        store.put(victim, sealer.seal(newer, record(victim)), record(victim));
                    }
                    work.accept(batch);
                });
            }

            @Override
            public boolean replaceIfUnchanged(StoredSealedValue claimed, byte[] rewrapped) {
                return store.replaceIfUnchanged(claimed, rewrapped);
            }
        };

        RewrapResult result = new RewrapJob(sealer, racing, 10).run();

        assertThat(result.conflicts()).isEqualTo(1);
        assertThat(result.rewrapped()).isEqualTo(VALUES - 1);
        assertThat(sealer.open(store.get(victim).sealed(), record(victim)).revealBytes()).isEqualTo(newer);
        assertThat(store.countStale(sealer.primaryKey())).isZero();
    }

    @Test
    void whenAValueIsCorruptThenItIsCountedAsFailedAndTheRunStillCompletes() {
        byte[] corrupt = store.get(id(10)).sealed();
        corrupt[corrupt.length - 1] ^= 1;
        store.put(id(10), corrupt, record(id(10)));
        store.put(id(11), new byte[] {9, 9, 9}, record(id(11)));
        byte[] foreignOwner = store.get(id(12)).sealed();
        store.put(id(12), foreignOwner, record("somebody-else"));

        RewrapResult result = new RewrapJob(sealer, store, 25).run();

        assertThat(result.complete()).isTrue();
        // A flipped ciphertext bit is not noticed by rewrap (it never decrypts); the open would catch it.
        assertThat(result.failed()).isEqualTo(2);
        assertThat(result.rewrapped()).isEqualTo(VALUES - 2);
    }

    @Test
    void whenKekUnreachableThenRunFailsClosedAndStoreIsUnchanged() {
        var counting = new CountingKeyEncryptionKey(kek);
        var offline = EnvelopeSealer.builder(counting).cacheSettings(CacheSettings.disabled()).build();
        counting.offline(true);

        assertThatThrownBy(() -> new RewrapJob(offline, store, 20).run()).isInstanceOf(KeyProviderException.class);

        assertThat(store.countStale(sealer.primaryKey())).isEqualTo(VALUES);
        counting.offline(false);
        assertThat(new RewrapJob(offline, store, 20).run().rewrapped()).isEqualTo(VALUES);
    }

    @Test
    void whenBatchSizeNotPositiveThenRejected() {
        assertThatThrownBy(() -> new RewrapJob(sealer, store, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private void assertAllOpenUnderVersion(int version) {
        for (StoredSealedValue v : store.all()) {
            int i = Integer.parseInt(v.id().substring(4));
            assertThat(SealedHeader.parse(v.sealed()).key().version()).isEqualTo(version);
            assertThat(sealer.open(v.sealed(), v.context()).revealBytes()).isEqualTo(plaintext(i));
        }
    }

    private static String id(int i) {
        return "cred%04d".formatted(i);
    }

    private static byte[] plaintext(int i) {
        return ("token-" + i).getBytes(StandardCharsets.UTF_8);
    }
}
