package dev.latchkey.broker.catalog;

import java.util.List;
import java.util.Map;

/**
 * How requests to the token endpoint (RFC 6749 §4.1.3 code exchange, §6 refresh) are shaped.
 *
 * @param clientAuth         client authentication (RFC 6749 §2.3.1)
 * @param bodyFormat         form (the RFC) or JSON (some providers)
 * @param headers            extra request headers, e.g. GitHub's {@code Accept: application/json}
 * @param extraParams        extra body parameters on the code exchange
 * @param refreshExtraParams extra body parameters on refresh
 * @param scopeOnExchange    repeat the requested scopes in the code exchange (Zendesk requires it)
 * @param scopeOnRefresh     send the scopes again on refresh (Microsoft, to keep the same resource)
 */
public record TokenRequestSettings(ClientAuthMethod clientAuth, BodyFormat bodyFormat, Map<String, String> headers,
        Map<String, String> extraParams, Map<String, String> refreshExtraParams, boolean scopeOnExchange,
        boolean scopeOnRefresh) {

    /** Body parameters the broker sets itself; the catalog's extras may not override them. */
    public static final List<String> RESERVED_PARAMS = List.of("grant_type", "code", "redirect_uri", "code_verifier",
            "client_id", "client_secret", "refresh_token", "scope");

    /** Headers the broker sets itself. */
    public static final List<String> RESERVED_HEADERS = List.of("authorization", "content-type", "content-length",
            "host");

    public TokenRequestSettings {
        headers = Maps.ordered(headers);
        extraParams = Maps.ordered(extraParams);
        refreshExtraParams = Maps.ordered(refreshExtraParams);
    }

    static TokenRequestSettings defaults() {
        return new TokenRequestSettings(ClientAuthMethod.CLIENT_SECRET_BASIC, BodyFormat.FORM, Map.of(), Map.of(),
                Map.of(), false, false);
    }
}
