package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.throttle.ThrottledClientAuthenticationProvider.ClientThrottledException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.web.authentication.ClientSecretBasicAuthenticationConverter;
import org.springframework.security.oauth2.server.authorization.web.authentication.ClientSecretPostAuthenticationConverter;
import org.springframework.security.oauth2.server.authorization.web.authentication.JwtClientAssertionAuthenticationConverter;
import org.springframework.security.oauth2.server.authorization.web.authentication.PublicClientAuthenticationConverter;
import org.springframework.security.web.authentication.AuthenticationConverter;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.DelegatingAuthenticationConverter;

/**
 * Records a failed client authentication at the token, introspection and revocation endpoints
 * ({@code client.authentication}, outcome failure), then lets {@code delegate} answer. The actor is the client id
 * the request claims (read again with Spring's own converters; {@code (unknown)} when the credentials are too
 * malformed to name one), the target the endpoint, the details the RFC 6749 error code, Spring's one-line
 * description (which names the failed parameter, never its value) and the authentication method. The presented
 * secret is never read here.
 *
 * <p>Refusals while the client is throttled are not recorded one by one: they cost the sender nothing (no secret
 * check), so recording them would let one source write audit rows as fast as it can send requests. The failures
 * that led to the block are recorded, and the block bounds them.
 */
public final class ClientAuthenticationAudit implements AuthenticationFailureHandler {

    private static final AuthenticationConverter CLAIMED = new DelegatingAuthenticationConverter(List.of(
            new JwtClientAssertionAuthenticationConverter(), new ClientSecretBasicAuthenticationConverter(),
            new ClientSecretPostAuthenticationConverter(), new PublicClientAuthenticationConverter()));

    private final AuthenticationFailureHandler delegate;
    private final AuditTrail trail;

    public ClientAuthenticationAudit(AuthenticationFailureHandler delegate, AuditTrail trail) {
        this.delegate = delegate;
        this.trail = trail;
    }

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException exception) throws IOException, ServletException {
        if (!(exception instanceof ClientThrottledException)) {
            record(request, exception);
        }
        delegate.onAuthenticationFailure(request, response, exception);
    }

    private void record(HttpServletRequest request, AuthenticationException exception) {
        Map<String, Object> details = new LinkedHashMap<>();
        String clientId = "(unknown)";
        try {
            if (CLAIMED.convert(request) instanceof OAuth2ClientAuthenticationToken claimed) {
                clientId = claimed.getPrincipal().toString();
                details.put("method", claimed.getClientAuthenticationMethod().getValue());
            }
        } catch (OAuth2AuthenticationException malformed) {
            // The credentials do not even parse: there is no claimed client id to name.
        }
        OAuth2Error error = exception instanceof OAuth2AuthenticationException oauth ? oauth.getError() : null;
        details.put("reason", error == null ? exception.getClass().getSimpleName() : error.getErrorCode());
        if (error != null && error.getDescription() != null) {
            details.put("description", error.getDescription());
        }
        trail.record(Actor.app(clientId.isEmpty() ? "(unknown)" : clientId), "client.authentication", Outcome.FAILURE,
                "endpoint", request.getServletPath(), null, details);
    }
}
