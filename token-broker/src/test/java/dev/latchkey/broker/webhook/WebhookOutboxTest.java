package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.db.tables.records.WebhookOutboxRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookOutboxTest extends WebhookStoreTest {

    private static WebhookEndpoints endpoints;
    private static WebhookOutbox outbox;

    @BeforeAll
    static void start() {
        endpoints = new WebhookEndpoints(db.node().dsl(), sealer, false);
        outbox = new WebhookOutbox(db.node().dsl());
    }

    @Test
    void whenEnqueuedInATransactionThatRollsBackThenNoRowsRemain() {
        endpoints.create("https://hooks.example.com/all", null, null);
        WebhookEvent event = needsReauth("acme");

        assertThatThrownBy(() -> db.node().inTransaction(() -> {
            outbox.enqueue(event);
            assertThat(rows()).as("visible inside the transaction").hasSize(1);
            throw new IllegalStateException("the status change failed");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(rows()).isEmpty();
    }

    @Test
    void whenEnqueuedInATransactionThatCommitsThenOneRowPerMatchingEndpoint() {
        UUID everything = id(endpoints.create("https://hooks.example.com/all", null, null));
        UUID acme = id(endpoints.create("https://hooks.example.com/acme", "acme", null));
        UUID reauthOnly = id(endpoints.create("https://hooks.example.com/reauth", null,
                List.of("connection.needs_reauth")));
        UUID acmeReauth = id(endpoints.create("https://hooks.example.com/acme-reauth", "acme",
                List.of("connection.deleted", "connection.needs_reauth")));
        endpoints.create("https://hooks.example.com/globex", "globex", null);
        endpoints.create("https://hooks.example.com/deleted", null, List.of("connection.deleted"));
        UUID disabled = id(endpoints.create("https://hooks.example.com/disabled", null, null));
        db.node().dsl().execute("update webhook_endpoints set enabled = false where id = ?", disabled);
        WebhookEvent event = needsReauth("acme");

        db.node().inTransaction(() -> outbox.enqueue(event));

        List<WebhookOutboxRecord> rows = rows();
        assertThat(rows).extracting(WebhookOutboxRecord::getEndpointId)
                .containsExactlyInAnyOrder(everything, acme, reauthOnly, acmeReauth);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.getEventId()).isEqualTo(event.id());
            assertThat(row.getEventType()).isEqualTo("connection.needs_reauth");
            assertThat(row.getAttempts()).isZero();
            assertThat(row.getDeliveredAt()).isNull();
            assertThat(row.getFailedAt()).isNull();
        });
    }

    @Test
    void whenNoEndpointMatchesThenNothingIsEnqueued() {
        endpoints.create("https://hooks.example.com/globex", "globex", null);
        endpoints.create("https://hooks.example.com/created", null, List.of("connection.created"));

        db.node().inTransaction(() -> outbox.enqueue(needsReauth("acme")));

        assertThat(rows()).isEmpty();
    }

    @Test
    void whenTheSameEventIsEnqueuedTwiceThenItIsStoredOncePerEndpoint() {
        endpoints.create("https://hooks.example.com/a", null, null);
        endpoints.create("https://hooks.example.com/b", null, null);
        WebhookEvent event = needsReauth("acme");

        outbox.enqueue(event);
        outbox.enqueue(event);

        assertThat(rows()).hasSize(2);
    }

    @Test
    void whenEnqueuedThenThePayloadHoldsExactlyTheEventFields() {
        endpoints.create("https://hooks.example.com/a", null, null);
        UUID connection = UUID.randomUUID();
        WebhookEvent event = new WebhookEvent(UUID.randomUUID(), WebhookEventType.CONNECTION_REFRESHED_AFTER_FAILURE,
                Instant.parse("2026-08-21T10:00:00.123Z"), "acme", connection, "github",
                Map.of("status", "active", "previousFailures", "3"));

        outbox.enqueue(event);

        JsonNode payload = JsonMapper.builder().build().readTree(rows().getFirst().getPayload().data());
        Set<String> names = payload.propertyNames().stream().collect(Collectors.toSet());
        assertThat(names).containsExactlyInAnyOrder("id", "type", "occurredAt", "tenant", "connectionId", "provider",
                "data");
        assertThat(payload.get("id").asString()).isEqualTo(event.id().toString());
        assertThat(payload.get("type").asString()).isEqualTo("connection.refreshed_after_failure");
        assertThat(payload.get("occurredAt").asString()).isEqualTo("2026-08-21T10:00:00.123Z");
        assertThat(payload.get("tenant").asString()).isEqualTo("acme");
        assertThat(payload.get("connectionId").asString()).isEqualTo(connection.toString());
        assertThat(payload.get("provider").asString()).isEqualTo("github");
        assertThat(payload.get("data").get("status").asString()).isEqualTo("active");
        assertThat(payload.get("data").get("previousFailures").asString()).isEqualTo("3");
    }

    @Test
    void whenEventDataIsNotASmallStringMapThenTheEventIsRefused() {
        UUID connection = UUID.randomUUID();
        assertThatThrownBy(() -> WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "acme", connection, "github",
                Map.of("access_token value", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "acme", connection, "github",
                Map.of("reason", "x".repeat(501)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "not a tenant", connection,
                "github", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    static WebhookEvent needsReauth(String tenant) {
        return WebhookEvent.of(WebhookEventType.CONNECTION_NEEDS_REAUTH, tenant, UUID.randomUUID(), "github",
                Map.of("status", "needs_reauth", "reason", "invalid_grant"));
    }

    private static UUID id(CreatedWebhookEndpoint created) {
        return created.endpoint().id();
    }

    private static List<WebhookOutboxRecord> rows() {
        return db.node().dsl().selectFrom(WEBHOOK_OUTBOX).orderBy(WEBHOOK_OUTBOX.ID).fetch();
    }
}
