package dev.latchkey.authz.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

/**
 * Authorization responses with the RFC 9207 {@code iss} parameter, so clients can reject mix-up attacks. Errors
 * that cannot be trusted to a redirect (unknown client, unregistered redirect URI) are never redirected: they end
 * on an error page, so the endpoint cannot be used as an open redirector (RFC 9700 §4.11).
 */
public final class IssuerAuthorizationResponseHandler implements AuthenticationSuccessHandler, AuthenticationFailureHandler {

    public static final String ERROR_ATTRIBUTE = "latchkey.oauth2.error";

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication)
            throws IOException {
        var result = (OAuth2AuthorizationCodeRequestAuthenticationToken) authentication;
        UriComponentsBuilder uri = UriComponentsBuilder.fromUriString(result.getRedirectUri())
                .queryParam(OAuth2ParameterNames.CODE, result.getAuthorizationCode().getTokenValue());
        addStateAndIssuer(uri, result.getState());
        redirect(response, uri);
    }

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException exception)
            throws IOException {
        OAuth2Error error = exception instanceof OAuth2AuthorizationCodeRequestAuthenticationException e ? e.getError()
                : new OAuth2Error("invalid_request");
        OAuth2AuthorizationCodeRequestAuthenticationToken requestToken =
                exception instanceof OAuth2AuthorizationCodeRequestAuthenticationException e
                        ? e.getAuthorizationCodeRequestAuthentication() : null;
        if (requestToken == null || !StringUtils.hasText(requestToken.getRedirectUri())) {
            request.setAttribute(ERROR_ATTRIBUTE, error);
            response.sendError(HttpStatus.BAD_REQUEST.value(), error.getErrorCode());
            return;
        }
        UriComponentsBuilder uri = UriComponentsBuilder.fromUriString(requestToken.getRedirectUri())
                .queryParam(OAuth2ParameterNames.ERROR, error.getErrorCode());
        if (StringUtils.hasText(error.getDescription())) {
            uri.queryParam(OAuth2ParameterNames.ERROR_DESCRIPTION, UriUtils.encode(error.getDescription(), StandardCharsets.UTF_8));
        }
        addStateAndIssuer(uri, requestToken.getState());
        redirect(response, uri);
    }

    private static void addStateAndIssuer(UriComponentsBuilder uri, String state) {
        if (StringUtils.hasText(state)) {
            uri.queryParam(OAuth2ParameterNames.STATE, UriUtils.encode(state, StandardCharsets.UTF_8));
        }
        uri.queryParam("iss", UriUtils.encode(AuthorizationServerContextHolder.getContext().getIssuer(), StandardCharsets.UTF_8));
    }

    private static void redirect(HttpServletResponse response, UriComponentsBuilder uri) throws IOException {
        response.sendRedirect(uri.build(true).toUriString());
    }
}
