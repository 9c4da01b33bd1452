package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_ENDPOINTS;
import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;

import java.util.Map;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The write side of the transactional outbox: {@link #enqueue} records an event for delivery with the caller's
 * {@link DSLContext}. Called inside the transaction that changes a connection's status (with Spring Boot's jOOQ
 * wiring the context joins the current Spring transaction), the outbox rows commit or roll back with the change, so
 * an event is never lost nor sent for a change that did not happen. {@link WebhookDispatcher} sends the rows.
 */
public final class WebhookOutbox {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DSLContext dsl;

    public WebhookOutbox(DSLContext dsl) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
    }

    /**
     * Inserts one outbox row per enabled endpoint whose tenant filter (null: every tenant) and event type filter
     * (empty: every type) match the event. Enqueueing the same event again adds nothing.
     */
    public void enqueue(WebhookEvent event) {
        Objects.requireNonNull(event, "event");
        String type = event.type().wireName();
        var e = WEBHOOK_ENDPOINTS;
        dsl.insertInto(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.EVENT_ID, WEBHOOK_OUTBOX.ENDPOINT_ID, WEBHOOK_OUTBOX.EVENT_TYPE,
                        WEBHOOK_OUTBOX.PAYLOAD)
                .select(DSL.select(DSL.val(event.id()), e.ID, DSL.val(type), DSL.val(JSONB.valueOf(payload(event))))
                        .from(e)
                        .where(e.ENABLED.isTrue())
                        .and(e.TENANT_ID.isNull().or(e.TENANT_ID.eq(event.tenant())))
                        .and(DSL.cardinality(e.EVENT_TYPES).eq(0).or(DSL.val(type).eq(DSL.any(e.EVENT_TYPES)))))
                .onConflictDoNothing()
                .execute();
    }

    /** The delivered body: {@code {"id","type","occurredAt","tenant","connectionId","provider","data"}}. */
    static String payload(WebhookEvent event) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", event.id().toString());
        body.put("type", event.type().wireName());
        body.put("occurredAt", event.occurredAt().toString());
        body.put("tenant", event.tenant());
        body.put("connectionId", event.connectionId().toString());
        body.put("provider", event.provider());
        ObjectNode data = body.putObject("data");
        event.data().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(entry -> data.put(entry.getKey(), entry.getValue()));
        return JSON.writeValueAsString(body);
    }
}
