package dev.latchkey.broker.token;

import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.credential.CredentialKind;
import java.time.Instant;
import java.util.UUID;

/**
 * A served credential: the opened secret plus what the caller needs to use and report it.
 *
 * @param secret    the access token, API key or password
 * @param username  for {@code basic} credentials, else null
 * @param expiresAt null when it does not expire (or nobody knows when)
 * @param version   report this with a 401 so the broker refreshes only if it is still current
 * @param refreshed whether this request renewed the credential
 */
public record TokenView(UUID connectionId, String tenant, String provider, CredentialKind kind, Secret secret,
        String username, String tokenType, Instant expiresAt, long version, String metadataJson, boolean refreshed) {
}
