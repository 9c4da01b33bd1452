package dev.latchkey.authz.developer;

import java.util.List;

/**
 * What a developer may set on an app in the portal or the developer API. Everything else is fixed for portal apps:
 * authorization code with refresh tokens, PKCE, consent, default token lifetimes.
 *
 * @param clientType        {@code confidential} (a client secret, {@code client_secret_basic}) or {@code public}
 *                          (no secret, PKCE only); cannot change after creation
 * @param accessTokenFormat {@code opaque} (default) or {@code jwt} (RFC 9068)
 */
public record PortalApp(
        String name,
        String description,
        String homepageUrl,
        String logoUrl,
        List<String> redirectUris,
        List<String> scopes,
        String clientType,
        String accessTokenFormat) {

    public PortalApp {
        description = blankToNull(description);
        homepageUrl = blankToNull(homepageUrl);
        logoUrl = blankToNull(logoUrl);
        redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris.stream().map(u -> u == null ? null : u.strip())
                .filter(u -> u == null || !u.isEmpty()).toList());
        scopes = scopes == null ? List.of() : scopes.stream().distinct().toList();
        clientType = clientType == null || clientType.isBlank() ? "confidential" : clientType;
        accessTokenFormat = accessTokenFormat == null || accessTokenFormat.isBlank() ? "opaque" : accessTokenFormat;
    }

    public boolean isPublic() {
        return "public".equals(clientType);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
