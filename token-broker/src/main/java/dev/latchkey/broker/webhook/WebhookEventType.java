package dev.latchkey.broker.webhook;

import java.util.Arrays;
import java.util.Optional;

/** The connection status events the broker delivers to webhook endpoints; {@link #wireName()} is the JSON "type". */
public enum WebhookEventType {

    /** A connection was created (the end user finished connecting). */
    CONNECTION_CREATED("connection.created"),
    /** The provider rejected the refresh token or credentials: the end user must reconnect. */
    CONNECTION_NEEDS_REAUTH("connection.needs_reauth"),
    /** A refresh succeeded after earlier failures: the connection works again. */
    CONNECTION_REFRESHED_AFTER_FAILURE("connection.refreshed_after_failure"),
    /** The connection and its credentials were deleted. */
    CONNECTION_DELETED("connection.deleted");

    private final String wireName;

    WebhookEventType(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in {@code webhook_endpoints.event_types}, e.g. {@code connection.needs_reauth}. */
    public String wireName() {
        return wireName;
    }

    /** The type with this wire name, if it is one of the known ones. */
    public static Optional<WebhookEventType> fromWireName(String name) {
        return Arrays.stream(values()).filter(type -> type.wireName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
