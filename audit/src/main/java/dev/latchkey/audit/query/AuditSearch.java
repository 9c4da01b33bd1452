package dev.latchkey.audit.query;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditRows;
import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.impl.DSL;

/** Searches the audit trail a page at a time (keyset pagination on id, newest first). */
public final class AuditSearch {

    private final DSLContext dsl;

    public AuditSearch(DSLContext dsl) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
    }

    /**
     * One page of entries matching {@code query}.
     *
     * @throws InvalidCursorException if the query's cursor was not issued by this service
     */
    public AuditPage page(AuditQuery query) {
        Condition where = filters(query);
        if (query.cursor() != null) {
            where = where.and(AUDIT_EVENTS.ID.lt(AuditCursor.decode(query.cursor())));
        }
        Result<AuditEventsRecord> rows = dsl.selectFrom(AUDIT_EVENTS).where(where)
                .orderBy(AUDIT_EVENTS.ID.desc()).limit(query.limit() + 1).fetch();
        List<AuditEntry> entries = new ArrayList<>(Math.min(rows.size(), query.limit()));
        for (int i = 0; i < rows.size() && i < query.limit(); i++) {
            entries.add(AuditRows.entry(rows.get(i)));
        }
        String next = rows.size() > query.limit() ? AuditCursor.encode(entries.getLast().id()) : null;
        return new AuditPage(entries, next);
    }

    /** The query's filters (not its cursor or limit) as a condition on {@code audit_events}. */
    static Condition filters(AuditQuery q) {
        Condition c = DSL.noCondition();
        if (q.from() != null) {
            c = c.and(AUDIT_EVENTS.OCCURRED_AT.ge(q.from().atOffset(ZoneOffset.UTC)));
        }
        if (q.to() != null) {
            c = c.and(AUDIT_EVENTS.OCCURRED_AT.lt(q.to().atOffset(ZoneOffset.UTC)));
        }
        if (q.actorType() != null) {
            c = c.and(AUDIT_EVENTS.ACTOR_TYPE.eq(q.actorType().dbValue()));
        }
        if (q.actorId() != null) {
            c = c.and(AUDIT_EVENTS.ACTOR_ID.eq(q.actorId()));
        }
        if (q.tenant() != null) {
            c = c.and(AUDIT_EVENTS.TENANT.eq(q.tenant()));
        }
        if (q.action() != null) {
            c = c.and(AUDIT_EVENTS.ACTION.eq(q.action()));
        }
        if (q.targetType() != null) {
            c = c.and(AUDIT_EVENTS.TARGET_TYPE.eq(q.targetType()));
        }
        if (q.targetId() != null) {
            c = c.and(AUDIT_EVENTS.TARGET_ID.eq(q.targetId()));
        }
        if (q.outcome() != null) {
            c = c.and(AUDIT_EVENTS.OUTCOME.eq(q.outcome().dbValue()));
        }
        return c;
    }
}
