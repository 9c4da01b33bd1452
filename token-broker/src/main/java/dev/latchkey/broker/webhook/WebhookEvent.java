package dev.latchkey.broker.webhook;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A connection status event, as delivered to webhook endpoints. {@code data} carries a few non-secret facts (status,
 * reason code); never tokens, secrets, or provider response bodies.
 *
 * @param id           unique per event; receivers deduplicate by it (it is the {@code webhook-id} header)
 * @param type         what happened
 * @param occurredAt   when it happened
 * @param tenant       the product's tenant the connection belongs to
 * @param connectionId the connection
 * @param provider     the provider id from the catalog
 * @param data         at most {@value #MAX_DATA_ENTRIES} short string entries
 */
public record WebhookEvent(UUID id, WebhookEventType type, Instant occurredAt, String tenant, UUID connectionId,
        String provider, Map<String, String> data) {

    /** Entries allowed in {@link #data()}: a small summary, not a transport for documents. */
    public static final int MAX_DATA_ENTRIES = 16;
    /** Characters allowed in one {@link #data()} value. */
    public static final int MAX_DATA_VALUE_LENGTH = 500;

    private static final Pattern DATA_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    public WebhookEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(connectionId, "connectionId");
        if (tenant == null || !WebhookEndpoints.TENANT_ID.matcher(tenant).matches()) {
            throw new IllegalArgumentException("tenant must match " + WebhookEndpoints.TENANT_ID.pattern());
        }
        if (provider == null || provider.isBlank() || provider.length() > 200) {
            throw new IllegalArgumentException("provider must be 1..200 characters");
        }
        data = data == null ? Map.of() : Map.copyOf(data);
        if (data.size() > MAX_DATA_ENTRIES) {
            throw new IllegalArgumentException("at most " + MAX_DATA_ENTRIES + " data entries");
        }
        data.forEach((key, value) -> {
            if (!DATA_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("data key must match " + DATA_KEY.pattern());
            }
            if (value.length() > MAX_DATA_VALUE_LENGTH) {
                throw new IllegalArgumentException("data value for " + key + " longer than " + MAX_DATA_VALUE_LENGTH);
            }
        });
    }

    /** A new event with a random id, occurring now (millisecond precision). */
    public static WebhookEvent of(WebhookEventType type, String tenant, UUID connectionId, String provider,
            Map<String, String> data) {
        return new WebhookEvent(UUID.randomUUID(), type, Instant.now().truncatedTo(ChronoUnit.MILLIS), tenant,
                connectionId, provider, data);
    }
}
