package dev.latchkey.authz.client;

import dev.latchkey.db.tables.records.OauthAppsRecord;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * An app as shown to admins and developers: everything but secrets and their hashes. {@code previousSecretExpiresAt}
 * is set while a rotated-away secret still works (rotation grace period).
 */
public record AppView(
        UUID id,
        UUID teamId,
        String name,
        String description,
        String clientId,
        boolean confidential,
        List<String> redirectUris,
        List<String> scopes,
        List<String> grantTypes,
        String tokenEndpointAuthMethod,
        boolean requirePkce,
        boolean requireConsent,
        String accessTokenFormat,
        int accessTokenTtlSeconds,
        int refreshTokenTtlSeconds,
        String logoUrl,
        String homepageUrl,
        boolean published,
        String registeredVia,
        OffsetDateTime createdAt,
        OffsetDateTime secretRotatedAt,
        OffsetDateTime previousSecretExpiresAt) {

    static AppView of(OauthAppsRecord app) {
        return new AppView(app.getId(), app.getTeamId(), app.getName(), app.getDescription(), app.getClientId(),
                app.getClientSecretHash() != null, List.of(app.getRedirectUris()), List.of(app.getScopes()),
                List.of(app.getGrantTypes()), app.getTokenEndpointAuthMethod(), app.getRequirePkce(),
                app.getRequireConsent(), app.getAccessTokenFormat(), app.getAccessTokenTtlSeconds(),
                app.getRefreshTokenTtlSeconds(), app.getLogoUrl(), app.getHomepageUrl(), app.getIsPublished(),
                app.getRegisteredVia(), app.getCreatedAt(), app.getSecretRotatedAt(),
                app.getPreviousSecretExpiresAt() != null && app.getPreviousSecretExpiresAt().isAfter(OffsetDateTime.now())
                        ? app.getPreviousSecretExpiresAt() : null);
    }
}
