package dev.latchkey.broker.catalog;

import java.util.Map;

/**
 * How to revoke a token at the provider (RFC 7009 where the provider follows it; many do not).
 *
 * @param method        HTTP method
 * @param token         which token is revoked
 * @param placement     where the token goes: form or JSON body field, query parameter, the {@code {token}} path
 *                      placeholder, {@code Authorization: Bearer}, or a named header
 * @param param         body or query field name, for {@code FORM}, {@code JSON}, {@code QUERY}
 * @param headerName    header name, for {@code HEADER}
 * @param clientAuth    client authentication on the revocation request
 * @param tokenTypeHint send RFC 7009 §2.1 {@code token_type_hint}
 * @param headers       extra headers (e.g. Notion's {@code Notion-Version})
 */
public record Revocation(HttpMethod method, TokenKind token, Placement placement, String param, String headerName,
        ClientAuthMethod clientAuth, boolean tokenTypeHint, Map<String, String> headers) {

    public Revocation {
        headers = Maps.ordered(headers);
    }

    /** Which token a revocation request carries. */
    public enum TokenKind {
        ACCESS("access", "access_token"), REFRESH("refresh", "refresh_token");

        private final String wireName;
        private final String hint;

        TokenKind(String wireName, String hint) {
            this.wireName = wireName;
            this.hint = hint;
        }

        public String wireName() {
            return wireName;
        }

        /** The RFC 7009 {@code token_type_hint} value. */
        public String hint() {
            return hint;
        }

        static TokenKind fromWire(String value) {
            return Wire.lookup(values(), value, TokenKind::wireName);
        }
    }

    /** Where the token is placed in a revocation request. */
    public enum Placement {
        FORM("form"), JSON("json"), QUERY("query"), PATH("path"), BEARER("bearer"), HEADER("header");

        private final String wireName;

        Placement(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Placement fromWire(String value) {
            return Wire.lookup(values(), value, Placement::wireName);
        }
    }
}
