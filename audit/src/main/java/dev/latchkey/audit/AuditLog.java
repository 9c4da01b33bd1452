package dev.latchkey.audit;

/**
 * Records audit events. The one write path of the audit trail.
 *
 * <p>An event is written in the caller's current transaction: if the action rolls back, its event goes with it; if
 * the write fails, the exception propagates and fails the action (an action that cannot be audited does not happen).
 * Events are written unchained; {@link dev.latchkey.audit.chain.AuditChainer} links them once committed.
 */
public interface AuditLog {

    /**
     * Writes {@code event} in the current transaction, with its record MAC.
     *
     * @throws org.jooq.exception.DataAccessException if the row cannot be written; the caller's transaction must
     *     roll back
     */
    void record(AuditEvent event);
}
