package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Instant;
import java.util.List;

/**
 * The result of a successful refresh, sealed, to commit in place of the current credential.
 *
 * @param refreshSealed          the rotated refresh token, or null to keep the stored one (the provider sent none)
 * @param learnedLifetimeSeconds the credential's learned lifetime after this refresh (null: none learned)
 * @param consecutiveRejections  fresh tokens rejected in a row, carried over when this refresh answered a rejection
 * @param scopes                 granted scopes when the provider stated them, else null (keep)
 * @param metadataJson           metadata the refresh response carried (JSON object, merged into the stored one)
 */
public record RenewedCredential(
        byte[] accessSealed,
        byte[] refreshSealed,
        String tokenType,
        Instant issuedAt,
        Instant expiresAt,
        ExpirySource expirySource,
        Long statedLifetimeSeconds,
        Long learnedLifetimeSeconds,
        Instant nextRefreshAt,
        int consecutiveRejections,
        List<String> scopes,
        String metadataJson) {
}
