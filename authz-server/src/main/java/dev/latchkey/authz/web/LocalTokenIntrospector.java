package dev.latchkey.authz.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionAuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Validates bearer tokens for Latchkey's own APIs in-process: the same hashed lookup as RFC 7662 introspection,
 * without an HTTP round trip. Works for opaque and JWT access tokens alike, and honours revocation at once.
 */
public final class LocalTokenIntrospector implements OpaqueTokenIntrospector {

    private final OAuth2AuthorizationService authorizations;

    public LocalTokenIntrospector(OAuth2AuthorizationService authorizations) {
        this.authorizations = authorizations;
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        OAuth2Authorization authorization = authorizations.findByToken(token, OAuth2TokenType.ACCESS_TOKEN);
        OAuth2Authorization.Token<OAuth2AccessToken> access = authorization == null ? null : authorization.getAccessToken();
        if (access == null || !access.isActive() || !token.equals(access.getToken().getTokenValue())) {
            throw new BadOpaqueTokenException("token is not active");
        }
        OAuth2AccessToken value = access.getToken();
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("sub", authorization.getPrincipalName());
        attributes.put("client_id", authorization.getAttribute("client_id") != null
                ? authorization.getAttribute("client_id") : authorization.getRegisteredClientId());
        attributes.put("app_id", authorization.getRegisteredClientId());
        attributes.put("scope", List.copyOf(value.getScopes()));
        attributes.put("exp", value.getExpiresAt() == null ? Instant.MAX : value.getExpiresAt());
        attributes.put("grant_type", authorization.getAuthorizationGrantType().getValue());
        List<GrantedAuthority> authorities = new ArrayList<>();
        value.getScopes().forEach(scope -> authorities.add(new SimpleGrantedAuthority("SCOPE_" + scope)));
        return new OAuth2IntrospectionAuthenticatedPrincipal(authorization.getPrincipalName(), attributes, authorities);
    }
}
