package dev.latchkey.broker.events;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Where the current HTTP request came from, for audit events: source address, user agent, and the caller's
 * {@code X-Request-Id} when it is a plausible id (anything else is dropped rather than stored).
 */
public record RequestContext(String sourceIp, String userAgent, String requestId) {

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public static Optional<RequestContext> current() {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
            return Optional.empty();
        }
        HttpServletRequest request = attributes.getRequest();
        String requestId = request.getHeader("X-Request-Id");
        return Optional.of(new RequestContext(request.getRemoteAddr(), request.getHeader("User-Agent"),
                requestId != null && REQUEST_ID.matcher(requestId).matches() ? requestId : null));
    }
}
