package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditChainKey;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Links committed audit rows into one chain shared by every node.
 *
 * <p>A pass runs in its own transaction under a PostgreSQL advisory lock, so exactly one node chains at a time. It
 * reads the chain's head, takes the unchained rows that are committed (visible) in id order, and gives them
 * consecutive seqs with {@code prev_hash} and {@code hash = HMAC(link key, seq ‖ prev_hash ‖ record_mac)}. Seqs are
 * assigned at chain time, so a transaction that commits late with a low id simply gets a later seq: the chain has no
 * gaps, and each committed row is chained exactly once (the lock serialises passes; a pass commits before the lock
 * is released, so the next one sees its work).
 *
 * <p>Run {@link #chainPending()} on every node every second or so (a node that finds the lock taken skips), and
 * {@link #chainAll()} at shutdown. Call it outside any transaction.
 */
public final class AuditChainer {

    public static final int DEFAULT_BATCH_SIZE = 1_000;

    private final DSLContext dsl;
    private final AuditChainKey key;
    private final int batchSize;

    public AuditChainer(DSLContext dsl, AuditChainKey key) {
        this(dsl, key, DEFAULT_BATCH_SIZE);
    }

    public AuditChainer(DSLContext dsl, AuditChainKey key, int batchSize) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.key = Objects.requireNonNull(key, "key");
        if (batchSize < 1 || batchSize > 100_000) {
            throw new IllegalArgumentException("batch size must be 1..100000");
        }
        this.batchSize = batchSize;
    }

    /** One pass of at most one batch, unless another node holds the lock (then nothing is done). */
    public ChainResult chainPending() {
        return dsl.transactionResult(cfg -> chainBatch(cfg.dsl(), false));
    }

    /** Waits for the lock and chains batches until no committed row is left unchained; returns the rows chained. */
    public long chainAll() {
        long total = 0;
        while (true) {
            ChainResult result = dsl.transactionResult(cfg -> chainBatch(cfg.dsl(), true));
            total += result.chained();
            if (result.chained() < batchSize) {
                return total;
            }
        }
    }

    private ChainResult chainBatch(DSLContext tx, boolean wait) {
        if (wait) {
            ChainStore.lock(tx);
        } else if (!ChainStore.tryLock(tx)) {
            return new ChainResult(false, 0, -1);
        }
        // Statements after the lock see every pass committed before it (read committed: a snapshot per statement).
        ChainStore.Head head = ChainStore.head(tx);
        Result<Record2<Long, byte[]>> pending = tx.select(AUDIT_EVENTS.ID, AUDIT_EVENTS.RECORD_MAC)
                .from(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.SEQ.isNull())
                .orderBy(AUDIT_EVENTS.ID)
                .limit(batchSize)
                .fetch();
        int n = pending.size();
        if (n == 0) {
            return new ChainResult(true, 0, head.seq());
        }
        Long[] ids = new Long[n];
        Long[] seqs = new Long[n];
        byte[][] prevs = new byte[n][];
        byte[][] hashes = new byte[n][];
        long seq = head.seq();
        byte[] prev = head.hash();
        for (int i = 0; i < n; i++) {
            seq++;
            ids[i] = pending.get(i).value1();
            seqs[i] = seq;
            prevs[i] = prev;
            hashes[i] = key.link(seq, prev, pending.get(i).value2());
            prev = hashes[i];
        }
        tx.execute("update audit_events e set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash"
                        + " from unnest({0}, {1}, {2}, {3}) as v(id, seq, prev_hash, hash) where e.id = v.id",
                DSL.val(ids, SQLDataType.BIGINT.array()),
                DSL.val(seqs, SQLDataType.BIGINT.array()),
                DSL.val(prevs, SQLDataType.BLOB.array()),
                DSL.val(hashes, SQLDataType.BLOB.array()));
        return new ChainResult(true, n, seq);
    }
}
