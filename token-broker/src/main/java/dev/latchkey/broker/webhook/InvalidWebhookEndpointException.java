package dev.latchkey.broker.webhook;

/** A webhook endpoint request is invalid; {@link #field()} names the offending input. The message never echoes it. */
public final class InvalidWebhookEndpointException extends IllegalArgumentException {

    private final String field;

    InvalidWebhookEndpointException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field at fault: {@code url}, {@code tenant} or {@code eventTypes}. */
    public String field() {
        return field;
    }
}
