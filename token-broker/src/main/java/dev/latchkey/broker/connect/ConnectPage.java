package dev.latchkey.broker.connect;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What the connect page shows the end user before they continue to the provider.
 *
 * @param authMode {@code oauth2}, {@code api_key} or {@code basic}: a redirect button or a form
 */
public record ConnectPage(UUID sessionId, String providerId, String providerName, String authMode,
        List<String> scopes, Instant expiresAt) {
}
