package dev.latchkey.broker.catalog;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds token-endpoint and revocation requests from the catalog: client authentication per
 * {@link ClientAuthMethod}, body per {@link BodyFormat}, the provider's extra headers and parameters.
 */
public final class TokenRequests {

    private TokenRequests() {
    }

    /**
     * The authorization code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5).
     *
     * @param codeVerifier the PKCE verifier when the authorize request carried a challenge, else null
     * @param scopes       the scopes requested at authorize; sent only when the provider wants them repeated
     */
    public static ProviderRequest authorizationCode(Provider provider, ConnectionUrls urls, ClientCredentials client,
            Secret code, URI redirectUri, Secret codeVerifier, List<String> scopes) {
        requireOauth(provider);
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(redirectUri, "redirectUri");
        if ((provider.authorize().pkce() != PkceMethod.NONE) != (codeVerifier != null)) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' "
                    + (codeVerifier == null ? "needs" : "does not take") + " a PKCE verifier");
        }
        TokenRequestSettings settings = provider.tokenRequest();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "authorization_code");
        body.put("code", code.reveal());
        body.put("redirect_uri", redirectUri.toString());
        if (codeVerifier != null) {
            body.put("code_verifier", codeVerifier.reveal());
        }
        if (settings.scopeOnExchange()) {
            putScopes(provider, body, scopes);
        }
        body.putAll(settings.extraParams());
        return tokenEndpoint(provider, urls.token(), client, body);
    }

    /**
     * A refresh (RFC 6749 §6), sent to the provider's refresh URL when it has one.
     *
     * @param scopes the connection's granted scopes; sent only when the provider wants them on refresh
     */
    public static ProviderRequest refresh(Provider provider, ConnectionUrls urls, ClientCredentials client,
            Secret refreshToken, List<String> scopes) {
        requireOauth(provider);
        Objects.requireNonNull(refreshToken, "refreshToken");
        TokenRequestSettings settings = provider.tokenRequest();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "refresh_token");
        body.put("refresh_token", refreshToken.reveal());
        if (settings.scopeOnRefresh()) {
            putScopes(provider, body, scopes);
        }
        body.putAll(settings.refreshExtraParams());
        return tokenEndpoint(provider, urls.refresh(), client, body);
    }

    /**
     * A revocation request as the provider wants it (RFC 7009 §2.1 where it follows the RFC).
     *
     * @param token the token named by {@code provider.revocation().token()}
     * @throws IllegalArgumentException when the provider offers no revocation
     */
    public static ProviderRequest revocation(Provider provider, ConnectionUrls urls, ClientCredentials client,
            Secret token) {
        Revocation revocation = provider.revocation();
        if (revocation == null || urls.revoke() == null) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' offers no token revocation");
        }
        Objects.requireNonNull(token, "token");
        Map<String, String> values = new LinkedHashMap<>(urls.parameters());
        values.put("clientId", FormEncoding.encode(client.clientId()));
        values.put("token", FormEncoding.encode(token.reveal()));
        URI uri = provider.resolve(urls.revoke(), values);

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.putAll(revocation.headers());
        Map<String, String> body = new LinkedHashMap<>();
        BodyFormat format = null;
        switch (revocation.placement()) {
            case FORM, JSON -> {
                format = revocation.placement() == Revocation.Placement.FORM ? BodyFormat.FORM : BodyFormat.JSON;
                body.put(revocation.param(), token.reveal());
                if (revocation.tokenTypeHint()) {
                    body.put("token_type_hint", revocation.token().hint());
                }
            }
            case QUERY -> uri = URI.create(uri + (uri.getRawQuery() == null ? "?" : "&")
                    + FormEncoding.encode(revocation.param()) + "=" + FormEncoding.encode(token.reveal()));
            case BEARER -> headers.put("Authorization", "Bearer " + token.reveal());
            case HEADER -> headers.put(revocation.headerName(), token.reveal());
            case PATH -> {
                // already in the URL
            }
        }
        applyClientAuth(revocation.clientAuth(), client, headers, body, false);
        if (format != null) {
            headers.put("Content-Type", format.contentType());
        }
        return new ProviderRequest(revocation.method(), uri, headers, format, body);
    }

    private static ProviderRequest tokenEndpoint(Provider provider, URI uri, ClientCredentials client,
            Map<String, String> body) {
        TokenRequestSettings settings = provider.tokenRequest();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.putAll(settings.headers());
        applyClientAuth(settings.clientAuth(), client, headers, body, true);
        headers.put("Content-Type", settings.bodyFormat().contentType());
        return new ProviderRequest(HttpMethod.POST, uri, headers, settings.bodyFormat(), body);
    }

    /**
     * RFC 6749 §2.3.1: Basic uses the form-urlencoded id and secret; post puts them in the body. With NONE a token
     * request still names the client (§4.1.3, public clients); a revocation request sends nothing.
     */
    private static void applyClientAuth(ClientAuthMethod method, ClientCredentials client,
            Map<String, String> headers, Map<String, String> body, boolean tokenEndpoint) {
        switch (method) {
            case CLIENT_SECRET_BASIC -> {
                String pair = FormEncoding.encode(client.clientId()) + ":"
                        + FormEncoding.encode(requireSecret(client).reveal());
                headers.put("Authorization",
                        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
            }
            case CLIENT_SECRET_POST -> {
                body.put("client_id", client.clientId());
                body.put("client_secret", requireSecret(client).reveal());
            }
            case NONE -> {
                if (tokenEndpoint) {
                    body.put("client_id", client.clientId());
                }
            }
        }
    }

    private static Secret requireSecret(ClientCredentials client) {
        if (client.clientSecret() == null) {
            throw new IllegalArgumentException("client '" + client.clientId() + "' has no secret");
        }
        return client.clientSecret();
    }

    private static void putScopes(Provider provider, Map<String, String> body, List<String> scopes) {
        String joined = AuthorizationUrls.joinScopes(provider.authorize().defaultScopes(),
                scopes == null ? List.of() : scopes, provider.authorize().scopeSeparator());
        if (!joined.isEmpty()) {
            body.put("scope", joined);
        }
    }

    private static void requireOauth(Provider provider) {
        if (provider.authMode() != AuthMode.OAUTH2) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' is not an oauth2 provider");
        }
    }
}
