package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the provider's authorization request URL (RFC 6749 §4.1.1, RFC 7636 §4.3). */
public final class AuthorizationUrls {

    private AuthorizationUrls() {
    }

    /**
     * The URL to redirect the user's browser to.
     *
     * @param urls the provider's endpoints resolved for this connection ({@link Provider#resolveUrls})
     * @throws IllegalArgumentException when the provider is not {@code oauth2}, when a PKCE pair is missing, unwanted
     *                                  or of the wrong method, or when extras try to set a reserved parameter
     */
    public static URI build(Provider provider, ConnectionUrls urls, AuthorizationRequest request) {
        if (provider.authMode() != AuthMode.OAUTH2 || urls.authorize() == null) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' has no authorize endpoint");
        }
        AuthorizeSettings settings = provider.authorize();
        checkPkce(provider, request.pkce());

        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", request.client().clientId());
        params.put("redirect_uri", request.redirectUri().toString());
        String scope = joinScopes(settings.defaultScopes(), request.scopes(), settings.scopeSeparator());
        if (!scope.isEmpty()) {
            params.put(settings.scopeParam(), scope);
        }
        params.put("state", request.state());
        if (request.pkce() != null) {
            params.put("code_challenge", request.pkce().challenge());
            params.put("code_challenge_method", request.pkce().method().wireName());
        }
        Map<String, String> extras = new LinkedHashMap<>(settings.extraParams());
        extras.putAll(request.extraParams());
        for (Map.Entry<String, String> extra : extras.entrySet()) {
            if (params.containsKey(extra.getKey()) || AuthorizeSettings.RESERVED_PARAMS.contains(extra.getKey())
                    || extra.getKey().equals(settings.scopeParam())) {
                throw new IllegalArgumentException("extra parameter '" + extra.getKey() + "' is set by the broker");
            }
            params.put(extra.getKey(), extra.getValue());
        }

        String base = urls.authorize().toString();
        String query = FormEncoding.encodeForm(params);
        String separator = base.contains("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
        return URI.create(base + separator + query);
    }

    /** Default scopes first, then the requested ones, without duplicates, joined by the literal separator. */
    static String joinScopes(List<String> defaults, List<String> requested, String separator) {
        Set<String> all = new LinkedHashSet<>(defaults);
        for (String scope : requested) {
            if (scope == null || scope.isBlank() || scope.contains(" ") || scope.contains(",")) {
                throw new IllegalArgumentException("a scope must be non-empty and contain no space or comma");
            }
            all.add(scope);
        }
        return String.join(separator, all);
    }

    private static void checkPkce(Provider provider, PkcePair pkce) {
        PkceMethod wanted = provider.authorize().pkce();
        if (wanted == PkceMethod.NONE && pkce != null) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' does not use PKCE");
        }
        if (wanted != PkceMethod.NONE && (pkce == null || pkce.method() != wanted)) {
            throw new IllegalArgumentException("provider '" + provider.id() + "' needs a PKCE pair with method "
                    + wanted.wireName());
        }
    }
}
