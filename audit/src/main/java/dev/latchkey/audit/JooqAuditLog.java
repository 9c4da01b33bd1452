package dev.latchkey.audit;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * {@link AuditLog} on jOOQ. Give it the application's {@link DSLContext}: under Spring Boot that context runs on a
 * transaction-aware data source, so {@link #record} joins the caller's transaction.
 */
public final class JooqAuditLog implements AuditLog {

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
}
