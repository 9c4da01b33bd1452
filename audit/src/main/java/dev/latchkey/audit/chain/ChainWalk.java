package dev.latchkey.audit.chain;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.chain.VerificationReport.Reason;
import java.security.MessageDigest;

/**
 * Verifies rows in seq order, one at a time with one row of lookahead (constant memory), and remembers the first
 * problem. Shared by the database verifier, export verification and retention.
 */
final class ChainWalk {

    private final AuditChainKey key;
    private final long firstSeq;
    long expectedSeq;
    byte[] expectedPrev;
    long rows;

    Reason reason;
    Long badSeq;
    Long badId;
    String detail;

    ChainWalk(AuditChainKey key, long firstSeq, byte[] firstPrev) {
        this.key = key;
        this.firstSeq = firstSeq;
        this.expectedSeq = firstSeq;
        this.expectedPrev = firstPrev;
    }

    boolean failed() {
        return reason != null;
    }

    /** Checks {@code cur} ({@code next} is the following row, or null); false once a problem is found. */
    boolean step(ChainRow cur, ChainRow next) {
        if (cur.error() != null) {
            return fail(Reason.EDITED, cur.seq(), cur.id(), cur.error());
        }
        AuditEntry e = cur.entry();
        if (e.seq() == null) {
            return fail(Reason.EDITED, null, e.id(), "a row in the chain has no seq");
        }
        long seq = e.seq();
        if (seq < expectedSeq) {
            return fail(Reason.EDITED, seq, e.id(), "seq " + seq + " repeats, or lies inside an archived range");
        }
        if (seq > expectedSeq) {
            return fail(Reason.DELETED, expectedSeq, e.id(), seq == expectedSeq + 1
                    ? "seq " + expectedSeq + " is missing"
                    : "seq " + expectedSeq + ".." + (seq - 1) + " are missing");
        }
        if (!same(key.recordMac(e.event()), e.recordMac())) {
            return fail(Reason.EDITED, seq, e.id(), "the row's content does not match its record MAC: edited, or"
                    + " written without the audit key" + (seq == firstSeq ? " (or the audit key given is wrong)" : ""));
        }
        if (same(e.prevHash(), expectedPrev) && same(key.link(seq, expectedPrev, e.recordMac()), e.hash())) {
            rows++;
            expectedPrev = e.hash();
            expectedSeq++;
            return true;
        }
        AuditEntry n = next == null ? null : next.entry();
        if (n != null && (same(key.link(seq, expectedPrev, n.recordMac()), n.hash())
                || same(key.link(seq + 1, e.hash(), e.recordMac()), n.hash()))) {
            return fail(Reason.REORDERED, seq, e.id(), "the rows at seq " + seq + " and " + (seq + 1)
                    + " changed places");
        }
        if (e.prevHash() != null && same(key.link(seq + 1, e.prevHash(), e.recordMac()), e.hash())) {
            return fail(Reason.DELETED, seq, e.id(), "this row was chained at seq " + (seq + 1)
                    + ": the row before it was deleted and later rows renumbered");
        }
        return fail(Reason.REORDERED, seq, e.id(), "an authentic event that was not chained at this position"
                + " (moved, or its chain columns were changed)");
    }

    boolean fail(Reason reason, Long seq, Long id, String detail) {
        if (this.reason == null) {
            this.reason = reason;
            this.badSeq = seq;
            this.badId = id;
            this.detail = detail;
        }
        return false;
    }

    long headSeq() {
        return expectedSeq - 1;
    }

    static boolean same(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }

    VerificationReport report(long checkpoints, long archives, long unchained) {
        return new VerificationReport(reason == null, reason, badSeq, badId, detail, rows, checkpoints, archives,
                unchained, headSeq(), expectedPrev);
    }
}
