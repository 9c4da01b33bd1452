package dev.latchkey.broker.webhook;

/**
 * A newly created endpoint and its signing secret ({@code whsec_<base64>}). This is the only time the secret is
 * available: it is stored sealed and never returned again. {@code toString} is redacted.
 */
public record CreatedWebhookEndpoint(WebhookEndpoint endpoint, String secret) {

    @Override
    public String toString() {
        return "CreatedWebhookEndpoint[endpoint=" + endpoint + ", secret=redacted]";
    }
}
