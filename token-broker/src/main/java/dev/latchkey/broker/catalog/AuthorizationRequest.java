package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the connect flow supplies for one authorize redirect.
 *
 * @param state       the signed, single-use state (RFC 6749 §10.12)
 * @param scopes      the connection's scopes, added after the catalog's default scopes (duplicates dropped)
 * @param pkce        the PKCE pair; required exactly when the provider uses PKCE
 * @param extraParams per-connection extras ({@code login_hint}); may override the catalog's extras but never the
 *                    reserved parameters
 */
public record AuthorizationRequest(ClientCredentials client, URI redirectUri, String state, List<String> scopes,
        PkcePair pkce, Map<String, String> extraParams) {

    public AuthorizationRequest {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(redirectUri, "redirectUri");
        Objects.requireNonNull(state, "state");
        if (state.isBlank()) {
            throw new IllegalArgumentException("state is blank");
        }
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        extraParams = Maps.ordered(extraParams);
    }
}
