package dev.latchkey.authz.client;

import java.util.List;
import java.util.UUID;

/** What a caller asks for when registering or updating an OAuth app; validated by {@link AppService}. */
public record AppRegistration(
        UUID teamId,
        String name,
        String description,
        List<String> redirectUris,
        List<String> scopes,
        List<String> grantTypes,
        String tokenEndpointAuthMethod,
        Boolean requirePkce,
        Boolean requireConsent,
        String accessTokenFormat,
        String logoUrl,
        String homepageUrl,
        Integer accessTokenTtlSeconds,
        Integer refreshTokenTtlSeconds) {

    public AppRegistration {
        redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        grantTypes = grantTypes == null ? List.of("authorization_code", "refresh_token") : List.copyOf(grantTypes);
        tokenEndpointAuthMethod = tokenEndpointAuthMethod == null ? "client_secret_basic" : tokenEndpointAuthMethod;
        requirePkce = requirePkce == null || requirePkce;
        requireConsent = requireConsent == null || requireConsent;
        accessTokenFormat = accessTokenFormat == null ? "opaque" : accessTokenFormat;
        accessTokenTtlSeconds = accessTokenTtlSeconds == null ? 900 : accessTokenTtlSeconds;
        refreshTokenTtlSeconds = refreshTokenTtlSeconds == null ? 2_592_000 : refreshTokenTtlSeconds;
    }

    public boolean isPublicClient() {
        return "none".equals(tokenEndpointAuthMethod);
    }
}
