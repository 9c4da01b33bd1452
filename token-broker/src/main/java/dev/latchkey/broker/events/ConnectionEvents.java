package dev.latchkey.broker.events;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.credential.StoredCredential;
import dev.latchkey.broker.webhook.WebhookEvent;
import dev.latchkey.broker.webhook.WebhookEventType;
import dev.latchkey.broker.webhook.WebhookOutbox;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What happened to a connection, written in the caller's transaction: always an audit event, and for the status
 * changes a product reacts to, a webhook outbox row. Both commit or roll back with the change they describe.
 * Details carry ids, versions and error codes, never a token.
 */
public final class ConnectionEvents {

    public static final String CREATED = "connection.created";
    public static final String REFRESHED = "connection.refreshed";
    public static final String REFRESH_FAILED = "connection.refresh_failed";
    public static final String REFRESHED_AFTER_FAILURE = "connection.refreshed_after_failure";
    public static final String NEEDS_REAUTH = "connection.needs_reauth";
    public static final String TOKEN_REJECTED = "connection.token_rejected";
    public static final String DELETED = "connection.deleted";
    public static final String CONNECT_FAILED = "connection.connect_failed";


    private final AuditLog audit;
    private final WebhookOutbox outbox;
    private final Clock clock;

    public ConnectionEvents(AuditLog audit, WebhookOutbox outbox, Clock clock) {
        this.audit = audit;
        this.outbox = outbox;
        this.clock = clock;
    }

    public void record(Actor actor, String action, Outcome outcome, StoredCredential connection,
            Map<String, ?> details) {
        record(actor, action, outcome, connection.connectionId(), connection.tenant(), connection.providerId(), details);
    }

    public void record(Actor actor, String action, Outcome outcome, UUID connectionId, String tenant,
            String providerId, Map<String, ?> details) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("provider", providerId);
        if (details != null) {
            all.putAll(details);
        }
        AuditEvent.Builder event = AuditEvent.builder(actor, action, outcome).clock(clock).tenant(tenant)
                .target("connection", connectionId.toString()).details(all);
        RequestContext.current().ifPresent(request -> event.source(request.sourceIp(), request.userAgent())
                .requestId(request.requestId()));
        AuditEvent built = event.build();
        audit.record(built);
        // Status changes a product reacts to also go to webhooks (WebhookEventType); the rest are audit-only.
        Optional<WebhookEventType> webhook = WebhookEventType.fromWireName(action);
        if (outcome == Outcome.SUCCESS && webhook.isPresent()) {
            Map<String, String> data = new LinkedHashMap<>();
            all.forEach((key, value) -> {
                if (!key.equals("provider") && value != null) {
                    data.put(key, String.valueOf(value));
                }
            });
            outbox.enqueue(new WebhookEvent(built.eventId(), webhook.get(), built.occurredAt(), tenant, connectionId,
                    providerId, data));
        }
    }
}
