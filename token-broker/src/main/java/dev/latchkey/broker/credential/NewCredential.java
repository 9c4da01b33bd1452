package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A connection and its first credential, sealed and ready to insert.
 *
 * @param refreshSealed null when the provider issued no refresh token (or for API keys)
 * @param expiresAt     null for {@code never} and {@code unknown}
 */
public record NewCredential(
        UUID connectionId,
        String tenant,
        String endUser,
        String providerId,
        CredentialKind kind,
        List<String> scopes,
        String parametersJson,
        String metadataJson,
        String createdBy,
        byte[] accessSealed,
        byte[] refreshSealed,
        String tokenType,
        Instant issuedAt,
        Instant expiresAt,
        ExpirySource expirySource,
        Long statedLifetimeSeconds,
        Instant nextRefreshAt) {

    @Override
    public String toString() {
        return "NewCredential[connection=" + connectionId + ", tenant=" + tenant + ", provider=" + providerId + "]";
    }
}
