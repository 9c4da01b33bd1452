package dev.latchkey.authz.client;

import static dev.latchkey.db.Tables.OAUTH_APPS;

import dev.latchkey.authz.hashing.GracePeriodSecretEncoder;
import dev.latchkey.db.tables.records.OauthAppsRecord;
import java.time.Duration;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * Registered clients read from {@code oauth_apps}. Apps are created and changed through {@link AppService}, which
 * owns secret generation and hashing; this repository only maps rows to Spring Authorization Server's model.
 *
 * <p>Lookups by client id and by id are cached for a short time ({@code latchkey.authz.client-cache-ttl}, default 1 s) so a
 * busy token endpoint does not read the same row thousands of times a second. Changes made on this node evict at
 * once; other nodes see a change (rotation, deletion) within the TTL.
 */
public final class JooqRegisteredClientRepository implements RegisteredClientRepository {

    /** Authorization codes are single use and short-lived (RFC 9700 §4.5). */
    static final Duration AUTHORIZATION_CODE_TTL = Duration.ofSeconds(60);

    private final DSLContext dsl;
    private final Cache<String, Optional<RegisteredClient>> byClientId;
    private final Cache<UUID, Optional<RegisteredClient>> byId;

    public JooqRegisteredClientRepository(DSLContext dsl, Duration cacheTtl) {
        this.dsl = dsl;
        this.byClientId = Caffeine.newBuilder().expireAfterWrite(cacheTtl).maximumSize(10_000).build();
        this.byId = Caffeine.newBuilder().expireAfterWrite(cacheTtl).maximumSize(10_000).build();
    }

    /** Forgets the cached client, after a change to its app. */
    public void evict(String clientId) {
        byClientId.invalidate(clientId);
        byId.asMap().values().removeIf(client -> client.map(c -> c.getClientId().equals(clientId)).orElse(true));
    }

    /**
     * Not supported: Spring Authorization Server calls this only to upgrade a secret's encoding or from its own
     * OIDC registration endpoint, neither of which Latchkey uses. Apps are written by {@link AppService}.
     */
    @Override
    public void save(RegisteredClient registeredClient) {
        throw new UnsupportedOperationException("apps are written through AppService");
    }

    @Override
    public RegisteredClient findById(String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
        return byId.get(uuid, key -> dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.ID.eq(key)).fetchOptional()
                .map(JooqRegisteredClientRepository::toRegisteredClient)).orElse(null);
    }

    @Override
    public RegisteredClient findByClientId(String clientId) {
        if (clientId == null || clientId.length() > 200) {
            return null;
        }
        return byClientId.get(clientId, id -> dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.CLIENT_ID.eq(id)).fetchOptional()
                .map(JooqRegisteredClientRepository::toRegisteredClient)).orElse(null);
    }

    /** Maps an {@code oauth_apps} row (or any record holding its fields) to a registered client. */
    public static RegisteredClient toRegisteredClient(Record record) {
        OauthAppsRecord app = record.into(OAUTH_APPS);
        RegisteredClient.Builder builder = RegisteredClient.withId(app.getId().toString())
                .clientId(app.getClientId())
                .clientIdIssuedAt(app.getCreatedAt().toInstant())
                .clientName(app.getName())
                .clientAuthenticationMethod(new ClientAuthenticationMethod(app.getTokenEndpointAuthMethod()));
        if (app.getClientSecretHash() != null) {
            // During a rotation grace period the client carries both hashes; GracePeriodSecretEncoder checks the
            // end on every verification, so a cached client never extends the grace.
            boolean inGrace = app.getPreviousClientSecretHash() != null && app.getPreviousSecretExpiresAt() != null
                    && app.getPreviousSecretExpiresAt().toInstant().isAfter(java.time.Instant.now());
            builder.clientSecret(inGrace
                    ? GracePeriodSecretEncoder.composite(app.getClientSecretHash(), app.getPreviousClientSecretHash(),
                            app.getPreviousSecretExpiresAt().toInstant())
                    : app.getClientSecretHash());
        }
        if (app.getClientSecretExpiresAt() != null) {
            builder.clientSecretExpiresAt(app.getClientSecretExpiresAt().toInstant());
        }
        Arrays.stream(app.getGrantTypes()).map(AuthorizationGrantType::new).forEach(builder::authorizationGrantType);
        Arrays.stream(app.getRedirectUris()).forEach(builder::redirectUri);
        Arrays.stream(app.getPostLogoutRedirectUris()).forEach(builder::postLogoutRedirectUri);
        Arrays.stream(app.getScopes()).forEach(builder::scope);
        ClientSettings.Builder clientSettings = ClientSettings.builder()
                .requireProofKey(app.getRequirePkce())
                .requireAuthorizationConsent(app.getRequireConsent())
                .setting(AppSettings.TEAM_ID, app.getTeamId().toString())
                .setting(AppSettings.PUBLISHED, app.getIsPublished());
        if (app.getLogoUrl() != null) {
            clientSettings.setting(AppSettings.LOGO_URL, app.getLogoUrl());
        }
        if (app.getHomepageUrl() != null) {
            clientSettings.setting(AppSettings.HOMEPAGE_URL, app.getHomepageUrl());
        }
        if (app.getDescription() != null) {
            clientSettings.setting(AppSettings.DESCRIPTION, app.getDescription());
        }
        return builder
                .clientSettings(clientSettings.build())
                .tokenSettings(TokenSettings.builder()
                        .authorizationCodeTimeToLive(AUTHORIZATION_CODE_TTL)
                        .accessTokenTimeToLive(Duration.ofSeconds(app.getAccessTokenTtlSeconds()))
                        .refreshTokenTimeToLive(Duration.ofSeconds(app.getRefreshTokenTtlSeconds()))
                        .reuseRefreshTokens(false)
                        .accessTokenFormat("jwt".equals(app.getAccessTokenFormat())
                                ? OAuth2TokenFormat.SELF_CONTAINED : OAuth2TokenFormat.REFERENCE)
                        .build())
                .build();
    }
}
