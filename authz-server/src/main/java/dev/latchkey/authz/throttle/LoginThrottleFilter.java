package dev.latchkey.authz.throttle;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs before the form-login filter on {@code POST /login}: while the (username, source) pair, the source or the
 * account is blocked, the attempt is refused before any password check, so it costs no Argon2id and a right
 * password is refused as well. The browser is sent back to {@code /login?blocked}, which says "Too many attempts,
 * try again later": existing and unknown usernames are counted and blocked alike, so the message reveals nothing
 * about the account, and the owner is not misled into thinking the password is wrong. A {@code Retry-After} header
 * carries the wait. Not a bean (Spring Boot would register it for every request); the page chain adds it.
 */
public final class LoginThrottleFilter extends OncePerRequestFilter {

    public static final String BLOCKED_URL = "/login?blocked";

    private final FailureThrottle throttle;

    public LoginThrottleFilter(FailureThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || !"/login".equals(request.getServletPath());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Duration wait = throttle.blockedFor(FailureThrottle.Kind.LOGIN, request.getParameter("username"), request.getRemoteAddr());
        if (wait.isZero()) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
        response.sendRedirect(request.getContextPath() + BLOCKED_URL);
    }
}
