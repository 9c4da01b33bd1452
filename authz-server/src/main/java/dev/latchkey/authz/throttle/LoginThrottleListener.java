package dev.latchkey.authz.throttle;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Feeds form-login outcomes (username and password, on the page chain) to the throttle. The source is the remote
 * address Spring Security recorded in the authentication details, the same one {@link LoginThrottleFilter} checks.
 */
public final class LoginThrottleListener {

    private final FailureThrottle throttle;

    LoginThrottleListener(FailureThrottle throttle) {
        this.throttle = throttle;
    }

    @EventListener
    public void success(AuthenticationSuccessEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken authentication
                && authentication.getDetails() instanceof WebAuthenticationDetails details) {
            throttle.recordSuccess(FailureThrottle.Kind.LOGIN, authentication.getName(), details.getRemoteAddress());
        }
    }

    @EventListener
    public void failure(AbstractAuthenticationFailureEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken authentication
                && authentication.getDetails() instanceof WebAuthenticationDetails details) {
            throttle.recordFailure(FailureThrottle.Kind.LOGIN, authentication.getName(), details.getRemoteAddress());
        }
    }
}
