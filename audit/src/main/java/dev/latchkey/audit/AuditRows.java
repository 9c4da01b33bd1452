package dev.latchkey.audit;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.time.ZoneOffset;
import org.jooq.JSONB;

/** Mapping between {@code audit_events} rows and {@link AuditEvent}/{@link AuditEntry}; the only place it happens. */
public final class AuditRows {

    private AuditRows() {}

    /** A new, unchained row for {@code event}. */
    public static AuditEventsRecord newRow(AuditEvent e, byte[] recordMac) {
        AuditEventsRecord r = AUDIT_EVENTS.newRecord();
        r.setEventId(e.eventId());
        r.setOccurredAt(e.occurredAt().atOffset(ZoneOffset.UTC));
        r.setActorType(e.actor().type().dbValue());
        r.setActorId(e.actor().id());
        r.setAction(e.action());
        r.setTargetType(e.target() == null ? null : e.target().type());
        r.setTargetId(e.target() == null ? null : e.target().id());
        r.setTenant(e.tenant());
        r.setOutcome(e.outcome().dbValue());
        r.setSourceIp(e.sourceIp());
        r.setUserAgent(e.userAgent());
        r.setRequestId(e.requestId());
        r.setDetails(JSONB.valueOf(e.details().json()));
        r.setRecordMac(recordMac);
        return r;
    }

    /**
     * The event as stored, values exactly as read.
     *
     * @throws IllegalArgumentException if the row holds values no writer produces (for example details that are not
     *     a JSON object); to a verifier that means the row was edited
     */
    public static AuditEvent event(AuditEventsRecord r) {
        Target target = r.getTargetType() == null && r.getTargetId() == null
                ? null : new Target(r.getTargetType(), r.getTargetId());
        return new AuditEvent(
                r.getEventId(),
                r.getOccurredAt().toInstant(),
                new Actor(ActorType.fromDbValue(r.getActorType()), r.getActorId()),
                r.getAction(),
                target,
                r.getTenant(),
                Outcome.fromDbValue(r.getOutcome()),
                r.getSourceIp(),
                r.getUserAgent(),
                r.getRequestId(),
                AuditDetails.parse(r.getDetails() == null ? "{}" : r.getDetails().data()));
    }

    public static AuditEntry entry(AuditEventsRecord r) {
        return new AuditEntry(r.getId(), r.getSeq(), event(r), r.getRecordMac(), r.getPrevHash(), r.getHash());
    }
}
