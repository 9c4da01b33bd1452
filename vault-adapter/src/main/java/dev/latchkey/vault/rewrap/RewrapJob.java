package dev.latchkey.vault.rewrap;

import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyRef;
import dev.latchkey.vault.SealedDataException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves stored sealed values to the newest key version after a rotation, in batches: each claimed value gets its data
 * key re-wrapped ({@link EnvelopeSealer#rewrap}) and is written back with compare-and-swap. Nonces and ciphertexts are
 * not touched, and no value is decrypted.
 *
 * <p>Safe on several nodes at once and resumable: the store hands out disjoint batches
 * ({@link SealedValueStore#claimStale}), a value changed meanwhile is left alone, and progress is the key version
 * stored with each value, so a run that stops (crash, deploy, {@code maxBatches}) is continued by the next one. Once a
 * full run reports {@code failed == 0} and the store holds no stale values, the old key version can be disabled
 * (Vault {@code min_decryption_version}, local keyring, KMS {@code min-decryption-version}).
 *
 * <p>A {@link dev.latchkey.vault.KeyProviderException} (KEK unreachable) ends the run by propagating out of the
 * store's claim, which rolls the batch back in a transactional store. Not thread-safe per instance; run one instance
 * per thread.
 */
public final class RewrapJob {

    private static final Logger log = LoggerFactory.getLogger(RewrapJob.class);

    private final EnvelopeSealer sealer;
    private final SealedValueStore store;
    private final int batchSize;

    public RewrapJob(EnvelopeSealer sealer, SealedValueStore store, int batchSize) {
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.store = Objects.requireNonNull(store, "store");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be 1 or greater");
        }
        this.batchSize = batchSize;
    }

    /** One pass over the whole store. */
    public RewrapResult run() {
        return run(Integer.MAX_VALUE);
    }

    /** At most {@code maxBatches} batches; {@link RewrapResult#complete()} says whether the pass reached the end. */
    public RewrapResult run(int maxBatches) {
        RewrapResult total = new RewrapResult(0, 0, 0, 0, 0, 0, false);
        String after = null;
        for (int i = 0; i < maxBatches; i++) {
            KeyRef target = sealer.primaryKey();
            Batch batch = new Batch();
            int claimed = store.claimStale(target, after, batchSize, values -> values.forEach(batch::process));
            if (claimed == 0) {
                return total.plus(new RewrapResult(0, 0, 0, 0, 0, 0, true));
            }
            total = total.plus(batch.result(claimed));
            after = batch.lastId;
        }
        return total;
    }

    private final class Batch {
        private String lastId;
        private int rewrapped;
        private int alreadyCurrent;
        private int conflicts;
        private int failed;

        void process(StoredSealedValue value) {
            lastId = value.id(); // batches arrive in the store's ascending id order
            byte[] next;
            try {
                if (!sealer.needsRewrap(value.sealed())) {
                    alreadyCurrent++;
                    return;
                }
                next = sealer.rewrap(value.sealed(), value.context());
            } catch (SealedDataException e) {
                failed++;
                log.warn("sealed value {} cannot be re-wrapped: it does not open under its stored owner", value.id());
                return;
            }
            if (store.replaceIfUnchanged(value, next)) {
                rewrapped++;
            } else {
                conflicts++;
            }
        }

        RewrapResult result(int claimed) {
            return new RewrapResult(1, claimed, rewrapped, alreadyCurrent, conflicts, failed, false);
        }
    }
}
