package dev.latchkey.authz.client;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.util.StringUtils;

/**
 * An app is private to its team until an admin publishes it: at the authorization endpoint (RFC 6749 §4.1.1), a
 * signed-in user of another team gets {@code access_denied} (§4.1.2.1) for an unpublished app, before any consent
 * page, code or consent record exists.
 *
 * <p>Runs after Spring Authorization Server's redirect-URI and scope validation, so the error is redirected only to
 * a registered redirect URI. An anonymous request passes here: the endpoint's authorization rule sends the browser
 * to the login page first, and the request is validated again, signed in, when it is replayed after login.
 */
public final class UnpublishedAppValidator implements Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> {

    private static final String ERROR_URI = "https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2.1";

    private final Function<String, Optional<UUID>> teamOfUser;

    /** @param teamOfUser the team of the user with this username (empty when there is no such user) */
    public UnpublishedAppValidator(Function<String, Optional<UUID>> teamOfUser) {
        this.teamOfUser = teamOfUser;
    }

    /** The decision, without HTTP: may a user of {@code userTeam} authorize this client? */
    public static boolean mayAuthorize(RegisteredClient client, Optional<UUID> userTeam) {
        if (Boolean.TRUE.equals(client.getClientSettings().getSetting(AppSettings.PUBLISHED))) {
            return true;
        }
        Object appTeam = client.getClientSettings().getSetting(AppSettings.TEAM_ID);
        return appTeam != null && userTeam.map(team -> team.toString().equals(appTeam.toString())).orElse(false);
    }

    @Override
    public void accept(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
        OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
        if (!(request.getPrincipal() instanceof Authentication user) || user instanceof AnonymousAuthenticationToken
                || !user.isAuthenticated()) {
            return;
        }
        RegisteredClient client = context.getRegisteredClient();
        if (Boolean.TRUE.equals(client.getClientSettings().getSetting(AppSettings.PUBLISHED))
                || mayAuthorize(client, teamOfUser.apply(user.getName()))) {
            return; // published apps need no user lookup
        }
        String redirectUri = StringUtils.hasText(request.getRedirectUri())
                ? request.getRedirectUri() : client.getRedirectUris().iterator().next();
        OAuth2Error error = new OAuth2Error(OAuth2ErrorCodes.ACCESS_DENIED,
                "This app has not been published yet: only its developer's team can authorize it.", ERROR_URI);
        throw new OAuth2AuthorizationCodeRequestAuthenticationException(error,
                new OAuth2AuthorizationCodeRequestAuthenticationToken(request.getAuthorizationUri(), client.getClientId(),
                        user, redirectUri, request.getState(), request.getScopes(), request.getAdditionalParameters()));
    }
}
