package dev.latchkey.audit.query;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.ActorType;
import dev.latchkey.audit.Outcome;
import java.time.Instant;

/**
 * A search of the audit trail: every non-null filter must match (exact match). Pages are newest first; pass the
 * previous page's {@link AuditPage#nextCursor()} as {@code cursor} for the next one. Exports use the filters only.
 *
 * @param from occurred at or after (inclusive)
 * @param to occurred before (exclusive)
 * @param limit page size, 1..{@value #MAX_LIMIT}
 */
public record AuditQuery(Instant from, Instant to, ActorType actorType, String actorId, String tenant, String action,
        String targetType, String targetId, Outcome outcome, String cursor, int limit) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1_000;

    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
    }

    /** Everything, newest first, {@value #DEFAULT_LIMIT} per page. */
    public static AuditQuery all() {
        return new AuditQuery(null, null, null, null, null, null, null, null, null, null, DEFAULT_LIMIT);
    }

    public AuditQuery between(Instant from, Instant to) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    public AuditQuery actor(Actor actor) {
        return new AuditQuery(from, to, actor.type(), actor.id(), tenant, action, targetType, targetId, outcome,
                cursor, limit);
    }

    public AuditQuery actorType(ActorType type) {
        return new AuditQuery(from, to, type, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    public AuditQuery tenant(String tenant) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    public AuditQuery action(String action) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    /** Target by type and id; a null id matches every target of the type. */
    public AuditQuery target(String type, String id) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, type, id, outcome, cursor, limit);
    }

    public AuditQuery outcome(Outcome outcome) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    public AuditQuery after(String cursor) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }

    public AuditQuery limit(int limit) {
        return new AuditQuery(from, to, actorType, actorId, tenant, action, targetType, targetId, outcome, cursor, limit);
    }
}
