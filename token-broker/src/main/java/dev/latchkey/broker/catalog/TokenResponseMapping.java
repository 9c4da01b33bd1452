package dev.latchkey.broker.catalog;

import java.util.List;

/**
 * Where the fields of a successful token response (RFC 6749 §5.1) sit. {@link #roots()} are JSON pointers to the
 * objects that may hold the token, tried in order; the first whose {@link #accessToken()} is present wins, and the
 * other field pointers are read relative to that root (Slack: {@code ["", "/authed_user"]}).
 *
 * @param refreshTokenExpiresIn pointer to a refresh-token lifetime in seconds, or null when the provider sends none
 */
public record TokenResponseMapping(List<String> roots, String accessToken, String refreshToken, String expiresIn,
        String refreshTokenExpiresIn, String scope, String tokenType) {

    public TokenResponseMapping {
        roots = List.copyOf(roots);
    }

    static TokenResponseMapping defaults() {
        return new TokenResponseMapping(List.of(""), "/access_token", "/refresh_token", "/expires_in", null, "/scope",
                "/token_type");
    }
}
