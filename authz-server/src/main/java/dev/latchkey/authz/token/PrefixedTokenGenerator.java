package dev.latchkey.authz.token;

import dev.latchkey.authz.hashing.SecretGenerator;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.springframework.security.oauth2.core.ClaimAccessor;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.token.OAuth2AccessTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2RefreshTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/**
 * Opaque access tokens, refresh tokens and authorization codes with recognisable prefixes ({@code lk_at_},
 * {@code lk_rt_}, {@code lk_ac_}) and 256 random bits. Spring Authorization Server's generators decide whether a
 * token is due and compute its claims and lifetime; only the value is ours.
 */
public final class PrefixedTokenGenerator implements OAuth2TokenGenerator<OAuth2Token> {

    public static final String ACCESS_TOKEN_PREFIX = "lk_at_";
    public static final String REFRESH_TOKEN_PREFIX = "lk_rt_";
    public static final String AUTHORIZATION_CODE_PREFIX = "lk_ac_";

    private final OAuth2AccessTokenGenerator accessTokens = new OAuth2AccessTokenGenerator();
    private final OAuth2RefreshTokenGenerator refreshTokens = new OAuth2RefreshTokenGenerator();

    @Override
    public OAuth2Token generate(OAuth2TokenContext context) {
        OAuth2AccessToken access = accessTokens.generate(context);
        if (access != null) {
            Map<String, Object> claims = ((ClaimAccessor) access).getClaims();
            return new ClaimedAccessToken(SecretGenerator.generate(ACCESS_TOKEN_PREFIX), access.getIssuedAt(),
                    access.getExpiresAt(), access.getScopes(), claims);
        }
        OAuth2RefreshToken refresh = refreshTokens.generate(context);
        if (refresh != null) {
            return new OAuth2RefreshToken(SecretGenerator.generate(REFRESH_TOKEN_PREFIX), refresh.getIssuedAt(),
                    refresh.getExpiresAt());
        }
        return null;
    }

    /** Generator for authorization codes, plugged into the authorization and consent providers. */
    public OAuth2TokenGenerator<OAuth2AuthorizationCode> authorizationCodes() {
        return context -> {
            if (context.getTokenType() == null || !OAuth2ParameterNames.CODE.equals(context.getTokenType().getValue())) {
                return null;
            }
            Instant issuedAt = Instant.now();
            Instant expiresAt = issuedAt.plus(context.getRegisteredClient().getTokenSettings().getAuthorizationCodeTimeToLive());
            return new OAuth2AuthorizationCode(SecretGenerator.generate(AUTHORIZATION_CODE_PREFIX), issuedAt, expiresAt);
        };
    }

    /** An opaque access token that carries its claims, so they are kept for introspection. */
    private static final class ClaimedAccessToken extends OAuth2AccessToken implements ClaimAccessor {

        private final Map<String, Object> claims;

        ClaimedAccessToken(String value, Instant issuedAt, Instant expiresAt, Set<String> scopes, Map<String, Object> claims) {
            super(TokenType.BEARER, value, issuedAt, expiresAt, scopes);
            this.claims = claims;
        }

        @Override
        public Map<String, Object> getClaims() {
            return claims;
        }
    }
}
