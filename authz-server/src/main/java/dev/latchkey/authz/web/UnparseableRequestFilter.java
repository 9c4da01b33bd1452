package dev.latchkey.authz.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Parses the parameters of the token, introspection and revocation endpoints before anything else does. A body the
 * servlet container cannot decode (bad percent-escapes, an unknown charset) otherwise ends in the container's HTML
 * error page; here it gets the RFC 6749 §5.2 {@code invalid_request} JSON its callers expect.
 */
public final class UnparseableRequestFilter extends OncePerRequestFilter {

    private static final Set<String> JSON_ENDPOINTS = Set.of("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !JSON_ENDPOINTS.contains(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            request.getParameterMap();
        } catch (RuntimeException unparseable) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.getWriter().write("{\"error\":\"invalid_request\",\"error_description\":\"The request parameters cannot be parsed.\"}");
            return;
        }
        chain.doFilter(request, response);
    }
}
