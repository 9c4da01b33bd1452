package dev.latchkey.authz.token;

import java.util.List;
import java.util.UUID;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * Shapes JWT access tokens as RFC 9068 requires: header {@code typ: at+jwt}, {@code aud} naming the resource (the
 * product API, not the client), {@code client_id} and a unique {@code jti}.
 */
public final class JwtAccessTokenCustomizer implements OAuth2TokenCustomizer<JwtEncodingContext> {

    private final String audience;

    public JwtAccessTokenCustomizer(String audience) {
        this.audience = audience;
    }

    @Override
    public void customize(JwtEncodingContext context) {
        if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
            return;
        }
        context.getJwsHeader().type("at+jwt");
        context.getClaims()
                .audience(List.of(audience))
                .claim("client_id", context.getRegisteredClient().getClientId())
                .id(UUID.randomUUID().toString());
    }
}
