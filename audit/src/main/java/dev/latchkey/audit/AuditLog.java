package dev.latchkey.audit;

import java.util.List;

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

    /**
     * Writes {@code events} in the current transaction, each with its record MAC, in one statement: for callers that
     * commit many actions at once (group commit of issued tokens). Order within the list is the insertion order.
     *
     * @throws org.jooq.exception.DataAccessException if the rows cannot be written; none is, and the caller's
     *     transaction must roll back
     */
    void recordAll(List<AuditEvent> events);
}
