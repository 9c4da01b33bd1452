package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditJsonLines;
import dev.latchkey.audit.chain.VerificationReport.Reason;
import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Objects;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;

/**
 * Verifies the audit trail: recomputes every record MAC and chain hash in seq order, checks seq continuity from the
 * last archive summary on, checks every checkpoint's signature and that the chain reaches it with the same hash,
 * checks the record MACs of rows not yet chained, and looks for copied rows. Streams rows with a server-side cursor
 * in one read-only repeatable-read transaction: constant memory, one consistent snapshot.
 *
 * <p>Reports the first problem in chain order ({@link VerificationReport}). Call outside any transaction.
 */
public final class AuditVerifier {

    private static final int FETCH_SIZE = 1_000;

    private final DSLContext dsl;
    private final AuditChainKey key;
    private final SignatureVerifier signatures;

    /**
     * @param dsl the database; may be null for a verifier that only checks exports ({@link #verifyExport})
     * @param key the audit chain key
     * @param signatures every key that signed checkpoints and archive summaries still stored (keep retired public keys)
     */
    public AuditVerifier(DSLContext dsl, AuditChainKey key, SignatureVerifier signatures) {
        this.dsl = dsl;
        this.key = Objects.requireNonNull(key, "key");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
    }

    /** Verifies everything in the database. */
    public VerificationReport verify() {
        Objects.requireNonNull(dsl, "this verifier has no database");
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            tx.execute("set transaction isolation level repeatable read, read only");
            return verify(tx);
        });
    }

    private VerificationReport verify(DSLContext tx) {
        // 1. Archive summaries: signed, contiguous from seq 1, each continuing the previous one's hash.
        long archives = 0;
        long nextSeq = 1;
        byte[] nextPrev = AuditChainKey.genesisHash();
        for (Iterator<ArchiveSummary> it = ChainStore.archives(tx); it.hasNext(); ) {
            ArchiveSummary a = it.next();
            ChainWalk at = new ChainWalk(key, nextSeq, nextPrev);
            if (!a.verifiesWith(signatures)) {
                at.fail(Reason.BAD_CHECKPOINT_SIGNATURE, a.firstSeq(), null, "the archive summary of seq "
                        + a.firstSeq() + ".." + a.lastSeq() + " has no valid signature of a trusted key");
                return at.report(0, archives, 0);
            }
            if (a.firstSeq() > nextSeq) {
                at.fail(Reason.DELETED, nextSeq, null, "seq " + nextSeq + ".." + (a.firstSeq() - 1)
                        + " are neither in the table nor in an archive summary");
                return at.report(0, archives, 0);
            }
            if (a.firstSeq() < nextSeq || !ChainWalk.same(a.firstPrevHash(), nextPrev)
                    || a.count() != a.lastSeq() - a.firstSeq() + 1) {
                at.fail(Reason.EDITED, a.firstSeq(), null, "the archive summary of seq " + a.firstSeq() + ".."
                        + a.lastSeq() + " does not continue the chain");
                return at.report(0, archives, 0);
            }
            archives++;
            nextSeq = a.lastSeq() + 1;
            nextPrev = a.lastHash();
        }

        // 2. The chained rows, with the checkpoints merged in by seq.
        ChainWalk walk = new ChainWalk(key, nextSeq, nextPrev);
        long checkpoints = 0;
        PeekingIterator<Checkpoint> cps = new PeekingIterator<>(ChainStore.checkpoints(tx));
        while (cps.hasNext() && cps.peek().seq() < walk.expectedSeq) {
            // Inside an archived range: the summary vouches for the rows; only the signature can be checked.
            Checkpoint cp = cps.next();
            if (!cp.verifiesWith(signatures)) {
                walk.fail(Reason.BAD_CHECKPOINT_SIGNATURE, cp.seq(), null, badSignature(cp));
                return walk.report(checkpoints, archives, 0);
            }
            checkpoints++;
        }
        try (Cursor<AuditEventsRecord> rows = tx.selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.isNotNull())
                .orderBy(AUDIT_EVENTS.SEQ).fetchSize(FETCH_SIZE).fetchLazy()) {
            ChainRow cur = rows.hasNext() ? ChainRow.of(rows.fetchNext()) : null;
            while (cur != null) {
                ChainRow next = rows.hasNext() ? ChainRow.of(rows.fetchNext()) : null;
                if (!walk.step(cur, next)) {
                    return walk.report(checkpoints, archives, 0);
                }
                AuditEntry e = cur.entry();
                while (cps.hasNext() && cps.peek().seq() <= e.seq()) {
                    Checkpoint cp = cps.next();
                    if (!cp.verifiesWith(signatures)) {
                        walk.fail(Reason.BAD_CHECKPOINT_SIGNATURE, cp.seq(), null, badSignature(cp));
                        return walk.report(checkpoints, archives, 0);
                    }
                    if (cp.seq() != e.seq() || !MessageDigest.isEqual(cp.hash(), e.hash())) {
                        walk.fail(Reason.TRUNCATED, cp.seq(), e.id(), "the checkpoint signed at " + cp.signedAt()
                                + " for seq " + cp.seq() + " disagrees with the chain: the chain was replaced");
                        return walk.report(checkpoints, archives, 0);
                    }
                    checkpoints++;
                }
                cur = next;
            }
        }
        if (cps.hasNext()) {
            Checkpoint cp = cps.next();
            if (!cp.verifiesWith(signatures)) {
                walk.fail(Reason.BAD_CHECKPOINT_SIGNATURE, cp.seq(), null, badSignature(cp));
            } else {
                walk.fail(Reason.TRUNCATED, walk.expectedSeq, null, "the chain ends at seq " + walk.headSeq()
                        + " but a checkpoint signed at " + cp.signedAt() + " vouches for seq " + cp.seq()
                        + ": rows were deleted from the end");
            }
            return walk.report(checkpoints, archives, 0);
        }

        // 3. Rows not chained yet: their content must still match their record MACs.
        long unchained = 0;
        try (Cursor<AuditEventsRecord> rows = tx.selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.isNull())
                .orderBy(AUDIT_EVENTS.ID).fetchSize(FETCH_SIZE).fetchLazy()) {
            while (rows.hasNext()) {
                ChainRow row = ChainRow.of(rows.fetchNext());
                if (row.error() != null) {
                    walk.fail(Reason.EDITED, null, row.id(), row.error() + " (not chained yet)");
                    return walk.report(checkpoints, archives, unchained);
                }
                if (!ChainWalk.same(key.recordMac(row.entry().event()), row.entry().recordMac())) {
                    walk.fail(Reason.EDITED, null, row.id(), "a row awaiting chaining does not match its record MAC:"
                            + " edited, or written without the audit key");
                    return walk.report(checkpoints, archives, unchained);
                }
                unchained++;
            }
        }

        // 4. Copies of authentic rows (possible only if the unique index on event_id was dropped).
        Record2<Long, Long> copy = tx.select(DSL.min(AUDIT_EVENTS.ID), DSL.min(AUDIT_EVENTS.SEQ)).from(AUDIT_EVENTS)
                .groupBy(AUDIT_EVENTS.EVENT_ID).having(DSL.count().gt(1)).limit(1).fetchOne();
        if (copy != null) {
            walk.fail(Reason.DUPLICATED, copy.value2(), copy.value1(), "an event appears more than once");
        }
        return walk.report(checkpoints, archives, unchained);
    }

    /**
     * Verifies a JSON Lines export of an archived range against its signed summary, without the database: the
     * summary's signature, every line's record MAC and chain hash from {@code summary.firstPrevHash()}, seq
     * continuity, and that the export ends exactly at {@code summary.lastSeq()} with {@code summary.lastHash()}.
     */
    public VerificationReport verifyExport(InputStream jsonl, ArchiveSummary summary) {
        ChainWalk walk = new ChainWalk(key, summary.firstSeq(), summary.firstPrevHash());
        if (!summary.verifiesWith(signatures)) {
            walk.fail(Reason.BAD_CHECKPOINT_SIGNATURE, summary.firstSeq(), null,
                    "the archive summary has no valid signature of a trusted key");
            return walk.report(0, 0, 0);
        }
        if (summary.count() != summary.lastSeq() - summary.firstSeq() + 1) {
            walk.fail(Reason.EDITED, summary.firstSeq(), null, "the archive summary's count does not match its range");
            return walk.report(0, 1, 0);
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jsonl, StandardCharsets.UTF_8), 1 << 16)) {
            LineRows lines = new LineRows(in);
            ChainRow cur = lines.next();
            while (cur != null) {
                ChainRow next = lines.next();
                if (cur.seq() != null && cur.seq() > summary.lastSeq()) {
                    walk.fail(Reason.EDITED, cur.seq(), cur.id(), "the export holds rows past the archived range");
                    return walk.report(0, 1, 0);
                }
                if (!walk.step(cur, next)) {
                    return walk.report(0, 1, 0);
                }
                cur = next;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (walk.headSeq() != summary.lastSeq() || !ChainWalk.same(walk.expectedPrev, summary.lastHash())) {
            walk.fail(Reason.TRUNCATED, walk.expectedSeq, null, "the export ends at seq " + walk.headSeq()
                    + " but the archive summary vouches for seq " + summary.lastSeq());
        }
        return walk.report(0, 1, 0);
    }

    private static String badSignature(Checkpoint cp) {
        return "the checkpoint for seq " + cp.seq() + " (key " + cp.keyId()
                + ") has no valid signature of a trusted key";
    }

    /** Export lines as rows; a line that does not parse is a row that was edited. */
    private static final class LineRows {
        private final BufferedReader in;
        private long lineNumber;

        LineRows(BufferedReader in) {
            this.in = in;
        }

        ChainRow next() throws IOException {
            String line;
            do {
                line = in.readLine();
                lineNumber++;
            } while (line != null && line.isBlank());
            if (line == null) {
                return null;
            }
            try {
                AuditEntry e = AuditJsonLines.read(line);
                return ChainRow.of(e);
            } catch (IllegalArgumentException e) {
                return ChainRow.broken("line " + lineNumber + " is not a well-formed audit record");
            }
        }
    }

    /** An iterator with a look at the next element. */
    static final class PeekingIterator<T> implements Iterator<T> {
        private final Iterator<T> it;
        private T peeked;
        private boolean hasPeeked;

        PeekingIterator(Iterator<T> it) {
            this.it = it;
        }

        @Override
        public boolean hasNext() {
            return hasPeeked || it.hasNext();
        }

        T peek() {
            if (!hasPeeked) {
                peeked = it.next();
                hasPeeked = true;
            }
            return peeked;
        }

        @Override
        public T next() {
            if (hasPeeked) {
                hasPeeked = false;
                T t = peeked;
                peeked = null;
                return t;
            }
            return it.next();
        }
    }
}
