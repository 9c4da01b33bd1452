package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_ARCHIVES;
import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.db.tables.records.AuditArchivesRecord;
import dev.latchkey.db.tables.records.AuditCheckpointsRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.impl.DSL;

/** The chain's queries on {@code audit_events}, {@code audit_checkpoints} and {@code audit_archives}. */
final class ChainStore {

    /** Advisory lock held (for the transaction) by whoever assigns seqs or archives: one node at a time. */
    static final long LOCK_KEY = 0x4C4B_4155_4449_5431L; // "LKAUDIT1"
    private static final int PAGE = 500;

    private ChainStore() {}

    record Head(long seq, byte[] hash) {}

    static void lock(DSLContext tx) {
        tx.fetch("select pg_advisory_xact_lock({0})", DSL.val(LOCK_KEY));
    }

    static boolean tryLock(DSLContext tx) {
        return Boolean.TRUE.equals(tx.fetchValue("select pg_try_advisory_xact_lock({0})", DSL.val(LOCK_KEY)));
    }

    /** The last chained row, else the end of the last archive, else the genesis (seq 0). */
    static Head head(DSLContext tx) {
        Record2<Long, byte[]> last = tx.select(AUDIT_EVENTS.SEQ, AUDIT_EVENTS.HASH).from(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.SEQ.eq(tx.select(DSL.max(AUDIT_EVENTS.SEQ)).from(AUDIT_EVENTS).asField()))
                .fetchOne();
        if (last != null) {
            return new Head(last.value1(), last.value2());
        }
        return archivedHead(tx);
    }

    /** Where the chain continues after the archives: seq of the last archived row (0 if none) and its hash. */
    static Head archivedHead(DSLContext tx) {
        Record2<Long, byte[]> archived = tx.select(AUDIT_ARCHIVES.LAST_SEQ, AUDIT_ARCHIVES.LAST_HASH)
                .from(AUDIT_ARCHIVES).orderBy(AUDIT_ARCHIVES.LAST_SEQ.desc()).limit(1).fetchOne();
        return archived == null ? new Head(0, AuditChainKey.genesisHash())
                : new Head(archived.value1(), archived.value2());
    }

    /**
     * The last seq of the chained rows {@code firstSeq .. firstSeq + maxRows - 1} that precede the first of them
     * occurring at or after {@code before}; null if there is none. Reads at most {@code maxRows} index entries.
     */
    static Long lastSeqBefore(DSLContext tx, long firstSeq, int maxRows, Instant before) {
        Field<Long> firstYoung = DSL.min(AUDIT_EVENTS.SEQ)
                .filterWhere(AUDIT_EVENTS.OCCURRED_AT.ge(before.atOffset(ZoneOffset.UTC)));
        Long last = tx.select(DSL.coalesce(firstYoung.minus(1), DSL.max(AUDIT_EVENTS.SEQ)))
                .from(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.SEQ.between(firstSeq, firstSeq + maxRows - 1))
                .fetchOne(0, Long.class);
        return last == null || last < firstSeq ? null : last;
    }

    static Checkpoint checkpoint(AuditCheckpointsRecord r) {
        return new Checkpoint(r.getSeq(), r.getHash(), r.getSignedAt().toInstant(), r.getKeyId(), r.getSignature());
    }

    static ArchiveSummary archive(AuditArchivesRecord r) {
        return new ArchiveSummary(r.getFirstSeq(), r.getLastSeq(), r.getEventCount(), r.getFirstPrevHash(),
                r.getLastHash(), r.getArchivedAt().toInstant(), r.getKeyId(), r.getSignature());
    }

    /** Checkpoints in (seq, id) order, a page at a time. */
    static Iterator<Checkpoint> checkpoints(DSLContext tx) {
        return new Paged<AuditCheckpointsRecord, Checkpoint>() {
            @Override
            Iterable<AuditCheckpointsRecord> page(AuditCheckpointsRecord after) {
                return tx.selectFrom(AUDIT_CHECKPOINTS)
                        .where(after == null ? DSL.noCondition()
                                : DSL.row(AUDIT_CHECKPOINTS.SEQ, AUDIT_CHECKPOINTS.ID)
                                        .gt(after.getSeq(), after.getId()))
                        .orderBy(AUDIT_CHECKPOINTS.SEQ, AUDIT_CHECKPOINTS.ID).limit(PAGE).fetch();
            }

            @Override
            Checkpoint map(AuditCheckpointsRecord r) {
                return checkpoint(r);
            }
        };
    }

    /** Archive summaries in seq order, a page at a time. */
    static Iterator<ArchiveSummary> archives(DSLContext tx) {
        return new Paged<AuditArchivesRecord, ArchiveSummary>() {
            @Override
            Iterable<AuditArchivesRecord> page(AuditArchivesRecord after) {
                return tx.selectFrom(AUDIT_ARCHIVES)
                        .where(after == null ? DSL.noCondition() : AUDIT_ARCHIVES.FIRST_SEQ.gt(after.getFirstSeq()))
                        .orderBy(AUDIT_ARCHIVES.FIRST_SEQ).limit(PAGE).fetch();
            }

            @Override
            ArchiveSummary map(AuditArchivesRecord r) {
                return archive(r);
            }
        };
    }

    /** Keyset-paged iteration: at most one page in memory. */
    private abstract static class Paged<R, T> implements Iterator<T> {
        private final ArrayDeque<R> buffer = new ArrayDeque<>();
        private R last;
        private boolean exhausted;

        abstract Iterable<R> page(R after);

        abstract T map(R r);

        @Override
        public boolean hasNext() {
            if (buffer.isEmpty() && !exhausted) {
                int n = 0;
                for (R r : page(last)) {
                    buffer.add(r);
                    n++;
                }
                exhausted = n < PAGE;
                if (n > 0) {
                    last = buffer.peekLast();
                }
            }
            return !buffer.isEmpty();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return map(buffer.poll());
        }
    }
}
