package dev.latchkey.ui;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;

/**
 * Keeps a browser's CSRF token in its HTTP session when it has one, else in a cookie.
 *
 * <p>Signed-in users have a session, and their forms (consent, connected apps, portal, admin) keep the token bound
 * to it as before. The forms anonymous visitors see — the login page, the connect pages — would otherwise create a
 * session per page view just to hold a token: memory anyone can make the server allocate, 30 minutes at a time.
 * For them the token lives in an HttpOnly, SameSite=Lax cookie and the form must repeat it (double submit). Only
 * someone able to set cookies for this host (a sibling subdomain, or a network attacker without TLS) could forge
 * such a form, and what they could forge is a sign-in to their own account or the start of a connect flow whose
 * single-use link they already hold; never a signed-in user's action. At sign-in the cookie token is discarded and
 * the session's replaces it (Spring's {@code CsrfAuthenticationStrategy}).
 */
final class SessionOrCookieCsrfTokenRepository implements CsrfTokenRepository {

    static final String COOKIE = "lk_csrf";

    private final HttpSessionCsrfTokenRepository sessions = new HttpSessionCsrfTokenRepository();
    private final CookieCsrfTokenRepository cookies = new CookieCsrfTokenRepository();

    SessionOrCookieCsrfTokenRepository() {
        cookies.setCookieName(COOKIE);
        cookies.setCookieCustomizer(cookie -> cookie.sameSite("Lax"));
    }

    @Override
    public CsrfToken generateToken(HttpServletRequest request) {
        return current(request).generateToken(request);
    }

    @Override
    public void saveToken(CsrfToken token, HttpServletRequest request, HttpServletResponse response) {
        if (token == null) {
            // Sign-in and sign-out clear the token wherever it was kept.
            sessions.saveToken(null, request, response);
            cookies.saveToken(null, request, response);
            return;
        }
        current(request).saveToken(token, request, response);
    }

    @Override
    public CsrfToken loadToken(HttpServletRequest request) {
        return current(request).loadToken(request);
    }

    /** Never both: a session's forms accept only the session's token, whatever cookie the browser also sends. */
    private CsrfTokenRepository current(HttpServletRequest request) {
        return request.getSession(false) != null ? sessions : cookies;
    }
}
