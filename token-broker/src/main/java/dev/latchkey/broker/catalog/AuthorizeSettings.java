package dev.latchkey.broker.catalog;

import java.util.List;
import java.util.Map;

/**
 * How the authorize URL (RFC 6749 §4.1.1) is built for this provider, and what its response must carry.
 *
 * @param scopeSeparator        the literal character joining scopes: space, comma or plus (percent-encoded like the
 *                              rest)
 * @param scopeParam            query parameter carrying scopes, normally {@code scope}
 * @param defaultScopes         always requested, ahead of the connection's own scopes
 * @param extraParams           fixed extra query parameters ({@code access_type=offline}, {@code audience=...})
 * @param pkce                  whether and how to send a PKCE challenge (RFC 7636 §4.3)
 * @param issParameterSupported every authorization response carries {@code iss} (RFC 9207 §3 metadata
 *                              {@code authorization_response_iss_parameter_supported}), so one without it is refused
 */
public record AuthorizeSettings(String scopeSeparator, String scopeParam, List<String> defaultScopes,
        Map<String, String> extraParams, PkceMethod pkce, boolean issParameterSupported) {

    /** Parameters the broker sets itself on every authorize request; catalog and callers may not override them. */
    public static final List<String> RESERVED_PARAMS = List.of("response_type", "client_id", "redirect_uri", "state",
            "code_challenge", "code_challenge_method");

    public AuthorizeSettings {
        defaultScopes = List.copyOf(defaultScopes);
        extraParams = Maps.ordered(extraParams);
    }

    static AuthorizeSettings defaults() {
        return new AuthorizeSettings(" ", "scope", List.of(), Map.of(), PkceMethod.NONE, false);
    }
}
