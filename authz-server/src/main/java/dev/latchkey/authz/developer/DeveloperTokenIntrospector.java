package dev.latchkey.authz.developer;

import java.util.List;
import java.util.Map;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionAuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Bearer authentication for the developer API: a personal API token ({@link DeveloperTokens}) becomes its developer,
 * with authority {@code ROLE_DEVELOPER}. OAuth access tokens are not accepted here: an app's token must never
 * manage apps.
 */
public final class DeveloperTokenIntrospector implements OpaqueTokenIntrospector {

    public static final String TEAM_ID = "team_id";
    public static final String USER_ID = "user_id";

    private final DeveloperTokens tokens;

    public DeveloperTokenIntrospector(DeveloperTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        Developer developer = tokens.authenticate(token).orElseThrow(() -> new BadOpaqueTokenException("token is not active"));
        return new OAuth2IntrospectionAuthenticatedPrincipal(developer.username(),
                Map.of("sub", developer.username(), USER_ID, developer.userId().toString(), TEAM_ID, developer.teamId().toString()),
                List.of(new SimpleGrantedAuthority("ROLE_DEVELOPER")));
    }
}
