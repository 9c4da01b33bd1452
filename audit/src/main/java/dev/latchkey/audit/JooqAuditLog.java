package dev.latchkey.audit;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * {@link AuditLog} on jOOQ. Give it the application's {@link DSLContext}: under Spring Boot that context runs on a
 * transaction-aware data source, so {@link #record} joins the caller's transaction.
 */
public final class JooqAuditLog implements AuditLog {

    /**
     * Many rows in one constant statement: one array per column, unnested in step. The text stays the same whatever
     * the number of rows, so the driver prepares it once and nothing is rendered per row.
     */
    private static final String INSERT_ALL = """
            insert into audit_events (event_id, occurred_at, actor_type, actor_id, action, target_type, target_id,
                    tenant, outcome, source_ip, user_agent, request_id, details, record_mac)
            select event_id, occurred_at, actor_type, actor_id, action, target_type, target_id, tenant, outcome,
                   source_ip, user_agent, request_id, cast(details as jsonb), record_mac
            from unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13})
                as v(event_id, occurred_at, actor_type, actor_id, action, target_type, target_id, tenant, outcome,
                     source_ip, user_agent, request_id, details, record_mac)
            """;

    private final DSLContext dsl;
    private final AuditChainKey key;

    public JooqAuditLog(DSLContext dsl, AuditChainKey key) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.key = Objects.requireNonNull(key, "key");
    }

    @Override
    public void record(AuditEvent event) {
        AuditEventsRecord row = AuditRows.newRow(event, key.recordMac(event));
        dsl.executeInsert(row);
    }

    @Override
    public void recordAll(List<AuditEvent> events) {
        int n = events.size();
        if (n == 0) {
            return;
        }
        if (n == 1) {
            record(events.get(0));
            return;
        }
        UUID[] eventIds = new UUID[n];
        OffsetDateTime[] occurredAt = new OffsetDateTime[n];
        String[] actorTypes = new String[n];
        String[] actorIds = new String[n];
        String[] actions = new String[n];
        String[] targetTypes = new String[n];
        String[] targetIds = new String[n];
        String[] tenants = new String[n];
        String[] outcomes = new String[n];
        String[] sourceIps = new String[n];
        String[] userAgents = new String[n];
        String[] requestIds = new String[n];
        String[] details = new String[n];
        byte[][] macs = new byte[n][];
        for (int i = 0; i < n; i++) {
            AuditEvent e = events.get(i);
            eventIds[i] = e.eventId();
            occurredAt[i] = e.occurredAt().atOffset(ZoneOffset.UTC);
            actorTypes[i] = e.actor().type().dbValue();
            actorIds[i] = e.actor().id();
            actions[i] = e.action();
            targetTypes[i] = e.target() == null ? null : e.target().type();
            targetIds[i] = e.target() == null ? null : e.target().id();
            tenants[i] = e.tenant();
            outcomes[i] = e.outcome().dbValue();
            sourceIps[i] = e.sourceIp();
            userAgents[i] = e.userAgent();
            requestIds[i] = e.requestId();
            details[i] = e.details().json();
            macs[i] = key.recordMac(e);
        }
        dsl.execute(INSERT_ALL,
                DSL.val(eventIds, SQLDataType.UUID.array()),
                DSL.val(occurredAt, SQLDataType.TIMESTAMPWITHTIMEZONE.array()),
                DSL.val(actorTypes, SQLDataType.CLOB.array()),
                DSL.val(actorIds, SQLDataType.CLOB.array()),
                DSL.val(actions, SQLDataType.CLOB.array()),
                DSL.val(targetTypes, SQLDataType.CLOB.array()),
                DSL.val(targetIds, SQLDataType.CLOB.array()),
                DSL.val(tenants, SQLDataType.CLOB.array()),
                DSL.val(outcomes, SQLDataType.CLOB.array()),
                DSL.val(sourceIps, SQLDataType.CLOB.array()),
                DSL.val(userAgents, SQLDataType.CLOB.array()),
                DSL.val(requestIds, SQLDataType.CLOB.array()),
                DSL.val(details, SQLDataType.CLOB.array()),
                DSL.val(macs, SQLDataType.BLOB.array()));
    }
}
