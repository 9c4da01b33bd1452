package dev.latchkey.authz.authorization;

import static dev.latchkey.db.Tables.OAUTH_APPS;
import static dev.latchkey.db.Tables.OAUTH_AUTHORIZATIONS;
import static dev.latchkey.db.Tables.USERS;

import dev.latchkey.db.tables.records.UsersRecord;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;

/**
 * Consents in {@code oauth_authorizations}: remembered per (app, user, team) and revocable. A revoked consent is
 * kept (with {@code revoked_at}) for the record and is not found until the user consents again.
 */
public final class JooqOAuth2AuthorizationConsentService implements OAuth2AuthorizationConsentService {

    private final DSLContext dsl;
    private final JooqOAuth2AuthorizationService authorizations;

    public JooqOAuth2AuthorizationConsentService(DSLContext dsl, JooqOAuth2AuthorizationService authorizations) {
        this.dsl = dsl;
        this.authorizations = authorizations;
    }

    @Override
    public void save(OAuth2AuthorizationConsent consent) {
        UsersRecord user = user(consent.getPrincipalName());
        if (user == null) {
            throw new IllegalArgumentException("consent for an unknown user");
        }
        String[] scopes = consent.getScopes().stream().sorted().toArray(String[]::new);
        dsl.insertInto(OAUTH_AUTHORIZATIONS)
                .set(OAUTH_AUTHORIZATIONS.ID, UUID.randomUUID())
                .set(OAUTH_AUTHORIZATIONS.APP_ID, UUID.fromString(consent.getRegisteredClientId()))
                .set(OAUTH_AUTHORIZATIONS.USER_ID, user.getId())
                .set(OAUTH_AUTHORIZATIONS.TEAM_ID, user.getTeamId())
                .set(OAUTH_AUTHORIZATIONS.SCOPES, scopes)
                .onConflict(OAUTH_AUTHORIZATIONS.APP_ID, OAUTH_AUTHORIZATIONS.USER_ID, OAUTH_AUTHORIZATIONS.TEAM_ID)
                .doUpdate()
                .set(OAUTH_AUTHORIZATIONS.SCOPES, scopes)
                .set(OAUTH_AUTHORIZATIONS.UPDATED_AT, OffsetDateTime.now())
                .set(OAUTH_AUTHORIZATIONS.REVOKED_AT, (OffsetDateTime) null)
                .execute();
    }

    @Override
    public void remove(OAuth2AuthorizationConsent consent) {
        UsersRecord user = user(consent.getPrincipalName());
        if (user != null) {
            revoke(UUID.fromString(consent.getRegisteredClientId()), user.getId());
        }
    }

    @Override
    public OAuth2AuthorizationConsent findById(String registeredClientId, String principalName) {
        UUID appId;
        try {
            appId = UUID.fromString(registeredClientId);
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
        return dsl.select(OAUTH_AUTHORIZATIONS.SCOPES)
                .from(OAUTH_AUTHORIZATIONS)
                .join(USERS).on(USERS.ID.eq(OAUTH_AUTHORIZATIONS.USER_ID).and(USERS.TEAM_ID.eq(OAUTH_AUTHORIZATIONS.TEAM_ID)))
                .where(OAUTH_AUTHORIZATIONS.APP_ID.eq(appId))
                .and(USERS.USERNAME.eq(principalName))
                .and(OAUTH_AUTHORIZATIONS.REVOKED_AT.isNull())
                .fetchOptional(OAUTH_AUTHORIZATIONS.SCOPES)
                .filter(scopes -> scopes.length > 0)
                .map(scopes -> {
                    OAuth2AuthorizationConsent.Builder builder =
                            OAuth2AuthorizationConsent.withId(registeredClientId, principalName);
                    Arrays.stream(scopes).forEach(builder::scope);
                    return builder.build();
                })
                .orElse(null);
    }

    /** Withdraws the user's consent for the app and revokes every token issued under it, at once. */
    public boolean revoke(UUID appId, UUID userId) {
        return dsl.transactionResult(tx -> {
            int changed = tx.dsl().update(OAUTH_AUTHORIZATIONS)
                    .set(OAUTH_AUTHORIZATIONS.REVOKED_AT, DSL.currentOffsetDateTime())
                    .where(OAUTH_AUTHORIZATIONS.APP_ID.eq(appId)).and(OAUTH_AUTHORIZATIONS.USER_ID.eq(userId))
                    .and(OAUTH_AUTHORIZATIONS.REVOKED_AT.isNull())
                    .execute();
            int grants = authorizations.revokeGrants(appId, userId, "consent_revoked");
            return changed + grants > 0;
        });
    }

    /** An app the user has authorized, for the "connected apps" page. */
    public record ConnectedApp(UUID appId, String name, String homepageUrl, boolean published, List<String> scopes,
            OffsetDateTime authorizedAt) {}

    public List<ConnectedApp> connectedApps(String username) {
        return dsl.select(OAUTH_APPS.ID, OAUTH_APPS.NAME, OAUTH_APPS.HOMEPAGE_URL, OAUTH_APPS.IS_PUBLISHED,
                        OAUTH_AUTHORIZATIONS.SCOPES, OAUTH_AUTHORIZATIONS.UPDATED_AT)
                .from(OAUTH_AUTHORIZATIONS)
                .join(OAUTH_APPS).on(OAUTH_APPS.ID.eq(OAUTH_AUTHORIZATIONS.APP_ID))
                .join(USERS).on(USERS.ID.eq(OAUTH_AUTHORIZATIONS.USER_ID))
                .where(USERS.USERNAME.eq(username)).and(OAUTH_AUTHORIZATIONS.REVOKED_AT.isNull())
                .orderBy(OAUTH_APPS.NAME)
                .fetch(r -> new ConnectedApp(r.value1(), r.value2(), r.value3(), r.value4(), List.of(r.value5()), r.value6()));
    }

    /** Revokes the named user's consent for the app; false when there was nothing to revoke. */
    public boolean revoke(UUID appId, String username) {
        UsersRecord user = user(username);
        return user != null && revoke(appId, user.getId());
    }

    private UsersRecord user(String username) {
        return dsl.selectFrom(USERS).where(USERS.USERNAME.eq(username)).fetchOne();
    }
}
