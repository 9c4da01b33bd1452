package dev.latchkey.broker.connection;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A connection's status for the management API: everything but its secrets. */
public record ConnectionView(
        UUID id,
        String tenant,
        String endUser,
        String provider,
        String authMode,
        String status,
        String statusReason,
        List<String> scopes,
        Map<String, String> metadata,
        Instant createdAt,
        Credential credential) {

    /**
     * @param expirySource where {@code expiresAt} came from: provider, fixed, unknown, never
     */
    public record Credential(long version, Instant issuedAt, Instant expiresAt, String expirySource,
            Long learnedLifetimeSeconds, Instant nextRefreshAt, Instant lastRefreshedAt, long refreshCount,
            int failureCount, String lastError, boolean hasRefreshToken) {
    }
}
