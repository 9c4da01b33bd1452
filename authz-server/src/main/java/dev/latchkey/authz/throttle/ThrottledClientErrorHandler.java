package dev.latchkey.authz.throttle;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * Client-authentication error response, as Spring's default ({@code invalid_client} → 401, anything else → 400,
 * RFC 6749 §5.2 JSON body), plus {@code Retry-After} when the client is throttled. Throttled clients get
 * {@code invalid_client}/401 rather than 429 because every OAuth client library already handles that code at these
 * endpoints, while 429 is outside RFC 6749/7009/7662; the header tells a well-behaved client how long to wait.
 */
public final class ThrottledClientErrorHandler implements AuthenticationFailureHandler {

    private final HttpMessageConverter<OAuth2Error> converter = new OAuth2ErrorHttpMessageConverter();

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException exception)
            throws IOException {
        SecurityContextHolder.clearContext();
        OAuth2Error error = exception instanceof OAuth2AuthenticationException oauth ? oauth.getError()
                : new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT);
        if (exception instanceof ThrottledClientAuthenticationProvider.ClientThrottledException throttled) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, (throttled.retryAfter().toMillis() + 999) / 1000)));
        }
        ServletServerHttpResponse httpResponse = new ServletServerHttpResponse(response);
        httpResponse.setStatusCode(OAuth2ErrorCodes.INVALID_CLIENT.equals(error.getErrorCode()) ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST);
        // Like Spring's default: the error code only, no description (it would say too much).
        converter.write(new OAuth2Error(error.getErrorCode()), null, httpResponse);
    }
}
