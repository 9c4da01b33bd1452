package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tokens from a successful token response (RFC 6749 §5.1), read through the provider's catalog entry.
 *
 * @param accessToken           the access token
 * @param refreshToken          the refresh token in this response, or <b>null when the response carried none</b>. On
 *                              a refresh that means "keep the refresh token you have" (RFC 6749 §6: the server MAY
 *                              issue a new one); use {@link #refreshTokenToStore(Secret)}. On a code exchange it means
 *                              the provider issued none.
 * @param tokenType             {@code token_type} as sent, or null
 * @param expiresAt             when to treat the access token as expired (lifetime less the catalog's skew); null
 *                              when {@link #expirySource()} is {@code NEVER} or {@code UNKNOWN}
 * @param expirySource          where {@code expiresAt} came from
 * @param statedLifetime        the lifetime the provider (or the catalog) stated, before skew; null when none
 * @param refreshTokenExpiresAt when the new refresh token expires, if the response says; null otherwise
 * @param scopes                granted scopes when the response states them; <b>null when it does not</b>, which
 *                              per RFC 6749 §5.1 means "as requested"
 * @param metadata              values the catalog keeps from the response and the callback (e.g. {@code instance_url})
 */
public record TokenGrant(Secret accessToken, Secret refreshToken, String tokenType, Instant expiresAt,
        ExpirySource expirySource, Duration statedLifetime, Instant refreshTokenExpiresAt, List<String> scopes,
        Map<String, String> metadata) implements TokenResult {

    public TokenGrant {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(expirySource, "expirySource");
        scopes = scopes == null ? null : List.copyOf(scopes);
        metadata = Maps.ordered(metadata);
    }

    /** The refresh token to persist after this response: the new one if sent, else {@code current} (may be null). */
    public Secret refreshTokenToStore(Secret current) {
        return refreshToken != null ? refreshToken : current;
    }
}
