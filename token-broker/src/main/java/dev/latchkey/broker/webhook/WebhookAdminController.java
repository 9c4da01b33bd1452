package dev.latchkey.broker.webhook;

import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Webhook endpoints for connection status events ({@code /admin/v1/broker/webhooks}, scope {@code admin} through the
 * admin API security chain). The signing secret is in the creation response only. Errors are problem+json
 * ({@link WebhookAdminErrors}).
 */
@RestController
@RequestMapping(path = "/admin/v1/broker/webhooks", produces = "application/json")
public class WebhookAdminController {

    private static final String PATH = "/admin/v1/broker/webhooks";

    private final WebhookEndpoints endpoints;

    public WebhookAdminController(WebhookEndpoints endpoints) {
        this.endpoints = endpoints;
    }

    /** {@code tenant} absent: every tenant; {@code eventTypes} absent or empty: every type. */
    public record NewWebhook(String url, String tenant, List<String> eventTypes) {}

    /** The creation response: the endpoint and its secret, which is never shown again. */
    public record CreatedWebhook(UUID id, String url, String tenant, List<String> eventTypes, String secret) {

        @Override
        public String toString() {
            return "CreatedWebhook[id=" + id + ", secret=redacted]";
        }
    }

    @PostMapping
    ResponseEntity<CreatedWebhook> create(@RequestBody NewWebhook body) {
        CreatedWebhookEndpoint created = endpoints.create(body.url(), body.tenant(), body.eventTypes());
        WebhookEndpoint endpoint = created.endpoint();
        return ResponseEntity.created(URI.create(PATH + "/" + endpoint.id()))
                .cacheControl(CacheControl.noStore())
                .body(new CreatedWebhook(endpoint.id(), endpoint.url(), endpoint.tenant(), endpoint.eventTypes(),
                        created.secret()));
    }

    @GetMapping
    List<WebhookEndpoint> list() {
        return endpoints.list();
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        if (!endpoints.delete(id)) {
            throw new NotFoundException();
        }
        return ResponseEntity.noContent().build();
    }

    /** No webhook endpoint with that id (404). */
    static final class NotFoundException extends RuntimeException {

        NotFoundException() {
            super("No such webhook endpoint.");
        }
    }
}
