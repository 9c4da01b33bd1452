package dev.latchkey.authz.throttle;

import java.time.Duration;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Wraps the client-secret provider (token, introspection and revocation endpoints): a blocked (client id, source)
 * pair, source or client id is refused before the secret is verified (no Argon2id), a failed verification
 * ({@code invalid_client}) is counted, a success clears the pair. Public clients have no secret to guess and are
 * not wrapped.
 */
public final class ThrottledClientAuthenticationProvider implements AuthenticationProvider {

    /** Refusal while throttled: RFC 6749 {@code invalid_client}, with the wait for {@link ThrottledClientErrorHandler}. */
    public static final class ClientThrottledException extends OAuth2AuthenticationException {
        private final Duration retryAfter;

        ClientThrottledException(Duration retryAfter) {
            super(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT, "Too many failed client authentications; try again later", null));
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    private final AuthenticationProvider delegate;
    private final FailureThrottle throttle;

    public ThrottledClientAuthenticationProvider(AuthenticationProvider delegate, FailureThrottle throttle) {
        this.delegate = delegate;
        this.throttle = throttle;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String clientId = authentication.getPrincipal() == null ? "" : authentication.getPrincipal().toString();
        String source = authentication.getDetails() instanceof WebAuthenticationDetails details ? details.getRemoteAddress() : "unknown";
        Duration wait = throttle.blockedFor(FailureThrottle.Kind.CLIENT, clientId, source);
        if (!wait.isZero()) {
            throw new ClientThrottledException(wait);
        }
        Authentication result;
        try {
            result = delegate.authenticate(authentication);
        } catch (OAuth2AuthenticationException e) {
            if (OAuth2ErrorCodes.INVALID_CLIENT.equals(e.getError().getErrorCode())) {
                throttle.recordFailure(FailureThrottle.Kind.CLIENT, clientId, source);
            }
            throw e;
        }
        if (result != null && result.isAuthenticated()) {
            throttle.recordSuccess(FailureThrottle.Kind.CLIENT, clientId, source);
        }
        return result;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return OAuth2ClientAuthenticationToken.class.isAssignableFrom(authentication) && delegate.supports(authentication);
    }
}
