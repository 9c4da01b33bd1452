package dev.latchkey.broker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.token.TokenView;
import java.time.Instant;
import java.util.UUID;

/**
 * The body of a token fetch. Exactly one of {@code access_token}, {@code api_key} or {@code username}+{@code password}
 * is present, by {@code kind}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TokenResponse(
        @JsonProperty("connection_id") UUID connectionId,
        String tenant,
        String provider,
        String kind,
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("api_key") String apiKey,
        String username,
        String password,
        @JsonProperty("expires_at") Instant expiresAt,
        long version,
        boolean refreshed,
        @JsonRawValue String metadata) {

    static TokenResponse of(TokenView view) {
        String secret = view.secret().reveal();
        return new TokenResponse(view.connectionId(), view.tenant(), view.provider(), view.kind().dbValue(),
                view.kind() == CredentialKind.OAUTH2 ? secret : null,
                view.kind() == CredentialKind.OAUTH2 ? (view.tokenType() == null ? "Bearer" : view.tokenType()) : null,
                view.kind() == CredentialKind.API_KEY ? secret : null,
                view.username(),
                view.kind() == CredentialKind.BASIC ? secret : null,
                view.expiresAt(), view.version(), view.refreshed(),
                view.metadataJson() == null ? "{}" : view.metadataJson());
    }

    @Override
    public String toString() {
        return "TokenResponse[connection=" + connectionId + ", version=" + version + "]";
    }
}
