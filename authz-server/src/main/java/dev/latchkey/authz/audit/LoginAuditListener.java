package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import java.util.Map;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;

/**
 * Login success and failure on the page chain (form login: username and password). Bearer tokens and client
 * authentication at the token endpoint are other authentication types and are not recorded here: successes are on
 * the hot path, and failed client authentications are recorded by {@link ClientAuthenticationAudit}. The
 * submitted username is the actor of a failure; the password is never read.
 */
public final class LoginAuditListener {

    private final AuditTrail trail;

    LoginAuditListener(AuditTrail trail) {
        this.trail = trail;
    }

    @EventListener
    public void success(AuthenticationSuccessEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken authentication) {
            trail.record(Actor.user(authentication.getName()), "user.login", Outcome.SUCCESS, "user", authentication.getName(),
                    null, Map.of());
        }
    }

    @EventListener
    public void failure(AbstractAuthenticationFailureEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken authentication) {
            String username = authentication.getName() == null || authentication.getName().isEmpty() ? "(empty)" : authentication.getName();
            trail.record(Actor.user(username), "user.login", Outcome.FAILURE, "user", username, null,
                    Map.of("reason", event.getException().getClass().getSimpleName()));
        }
    }
}
