package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A connection and its credential as stored: the secret values are still sealed. Open them with
 * {@link CredentialSealer}.
 *
 * @param version               incremented on every change of the credential; callers report a rejected token by it
 * @param expiresAt             when the access token is treated as expired; null for {@code never} and {@code unknown}
 * @param learnedLifetimeSeconds the shortest lifetime observed (a fresh token rejected early), or null
 * @param nextRefreshAt         when the proactive engine renews it; null when it is never renewed proactively
 * @param metadataJson          non-secret values kept from the provider (JSON object text)
 */
public record StoredCredential(
        UUID connectionId,
        String tenant,
        String endUser,
        String providerId,
        ConnectionStatus status,
        CredentialKind kind,
        byte[] accessSealed,
        byte[] refreshSealed,
        String tokenType,
        long version,
        Instant issuedAt,
        Instant expiresAt,
        ExpirySource expirySource,
        Long statedLifetimeSeconds,
        Long learnedLifetimeSeconds,
        Instant nextRefreshAt,
        String leaseOwner,
        Instant leaseUntil,
        int failureCount,
        int consecutiveRejections,
        List<String> scopes,
        String parametersJson,
        String metadataJson) {

    public boolean hasRefreshToken() {
        return refreshSealed != null;
    }

    @Override
    public String toString() {
        return "StoredCredential[connection=" + connectionId + ", tenant=" + tenant + ", provider=" + providerId
                + ", status=" + status + ", version=" + version + "]";
    }
}
