package dev.latchkey.broker.api;

import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.access.BrokerCallers;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;

/** Turns the authenticated bearer token into a {@link BrokerCaller}: its client, scopes and allowed tenants. */
final class Callers {

    private final BrokerCallers callers;

    Callers(BrokerCallers callers) {
        this.callers = callers;
    }

    BrokerCaller of(Authentication authentication) {
        if (authentication.getPrincipal() instanceof OAuth2AuthenticatedPrincipal principal) {
            return callers.callerFor(principal);
        }
        throw new IllegalStateException("the broker chain authenticates bearer tokens only");
    }
}
