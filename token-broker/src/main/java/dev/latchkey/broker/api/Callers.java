package dev.latchkey.broker.api;

import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.access.BrokerCallers;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.core.GrantedAuthority;

/** Turns the authenticated bearer token into a {@link BrokerCaller}: its client, scopes and allowed tenants. */
final class Callers {

    private final BrokerCallers callers;

    Callers(BrokerCallers callers) {
        this.callers = callers;
    }

    /**
     * The calling service. Only client-credentials tokens name a service: a token a user delegated to an app never
     * acts as one, so such a caller gets no tenants.
     */
    BrokerCaller of(Authentication authentication) {
        Set<String> scopes = new LinkedHashSet<>();
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            String name = authority.getAuthority();
            if (name != null && name.startsWith("SCOPE_")) {
                scopes.add(name.substring("SCOPE_".length()));
            }
        }
        // For a client-credentials token the principal is the client itself: its name is the client id.
        String clientId = authentication.getName();
        boolean service = authentication.getPrincipal() instanceof OAuth2AuthenticatedPrincipal principal
                && "client_credentials".equals(principal.getAttribute("grant_type"));
        Collection<String> tenants = service ? callers.tenantsOf(clientId) : Set.of();
        return new BrokerCaller(clientId, scopes, Set.copyOf(tenants));
    }
}
