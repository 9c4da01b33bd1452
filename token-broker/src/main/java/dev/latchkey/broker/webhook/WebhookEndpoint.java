package dev.latchkey.broker.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A configured webhook endpoint, without its secret.
 *
 * @param tenant     the one tenant whose events it receives, or null for every tenant
 * @param eventTypes the event types it receives (wire names), empty for every type
 */
public record WebhookEndpoint(UUID id, String url, String tenant, List<String> eventTypes, boolean enabled,
        Instant createdAt) {

    public WebhookEndpoint {
        eventTypes = List.copyOf(eventTypes);
    }
}
