package dev.latchkey.audit.chain;

import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditRows;
import dev.latchkey.db.tables.records.AuditEventsRecord;

/** A row as the walker sees it: decoded, or the reason it could not be (which is itself evidence of an edit). */
record ChainRow(Long id, Long seq, AuditEntry entry, String error) {

    static ChainRow of(AuditEventsRecord r) {
        try {
            return new ChainRow(r.getId(), r.getSeq(), AuditRows.entry(r), null);
        } catch (RuntimeException e) {
            return new ChainRow(r.getId(), r.getSeq(), null, "the row holds values no writer produces");
        }
    }

    static ChainRow of(AuditEntry e) {
        return new ChainRow(e.id(), e.seq(), e, null);
    }

    static ChainRow broken(String error) {
        return new ChainRow(null, null, null, error);
    }
}
