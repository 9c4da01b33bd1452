package dev.latchkey.vault.rewrap;

import dev.latchkey.vault.KeyRef;
import java.util.List;
import java.util.function.Consumer;

/**
 * SPI: where sealed values live, as far as the {@link RewrapJob} needs to know. Two operations: claim a batch of
 * values not yet under the newest key, and replace one value if nobody changed it meanwhile.
 *
 * <p>A PostgreSQL implementation keeps the key columns from {@link dev.latchkey.vault.SealedHeader#parse} next to
 * the sealed bytes, plus a revision incremented on every write, and maps the two methods to one transaction:
 *
 * <pre>{@code
 * -- claimStale(target, afterId, limit, work): BEGIN, then
 * SELECT id, revision, sealed, tenant, record_id, purpose
 *   FROM credentials
 *  WHERE (kek_provider <> :provider OR kek_key_id <> :keyId OR kek_version < :version)
 *    AND (:afterId IS NULL OR id > :afterId)
 *  ORDER BY id
 *  LIMIT :limit
 *    FOR UPDATE SKIP LOCKED;
 * -- work(batch) runs and calls replaceIfUnchanged(...) on the same connection:
 * UPDATE credentials SET sealed = :sealed, kek_version = :version, revision = revision + 1
 *  WHERE id = :id AND revision = :revision;          -- 1 row: replaced, 0 rows: changed meanwhile
 * -- COMMIT when work returns, ROLLBACK if it throws.
 * }</pre>
 *
 * {@code SKIP LOCKED} lets rewrap jobs on several nodes run at once over disjoint rows; the revision check keeps a
 * concurrent application write from being overwritten; and because progress is the stored key version itself, a job
 * that dies simply leaves the rest for the next run.
 */
public interface SealedValueStore {

    /**
     * Claims up to {@code limit} values that are not sealed under {@code target} (another provider or key id, or a
     * key version below {@code target.version()}) with ids greater than {@code afterId} (all ids if null), in ascending
     * id order, skipping values another claim holds; passes them to {@code work} while the claim is held, and releases
     * the claim when {@code work} returns or throws.
     *
     * @param target  the primary key; values already under it are not claimed
     * @param afterId exclusive lower bound on ids, so one pass walks the store once; null for the start
     * @param limit   maximum batch size, 1 or greater
     * @param work    processes the batch, calling {@link #replaceIfUnchanged} for values it re-wraps
     * @return the number of values claimed; 0 means none is left after {@code afterId}
     */
    int claimStale(KeyRef target, String afterId, int limit, Consumer<List<StoredSealedValue>> work);

    /**
     * Replaces the sealed bytes of {@code claimed} with {@code rewrapped} if the stored value still has
     * {@code claimed.revision()} (compare-and-swap), and records the new key version from the new header.
     *
     * @return true if replaced; false if the value was changed or deleted since it was claimed
     */
    boolean replaceIfUnchanged(StoredSealedValue claimed, byte[] rewrapped);
}
