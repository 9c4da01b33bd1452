package dev.latchkey.authz.client;

import static dev.latchkey.db.Tables.OAUTH_APPS;

import dev.latchkey.authz.hashing.SecretGenerator;
import dev.latchkey.authz.hashing.TokenHasher;
import dev.latchkey.db.tables.records.OauthAppsRecord;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Creates, changes, rotates and deletes OAuth apps. The only writer of {@code oauth_apps}: it validates metadata
 * (RFC 9700 redirect rules), generates client ids and secrets, and stores secrets as Argon2id hashes only.
 */
public final class AppService {

    private static final Set<String> GRANT_TYPES = Set.of("authorization_code", "refresh_token", "client_credentials");
    private static final Set<String> AUTH_METHODS = Set.of("client_secret_basic", "client_secret_post", "none");
    /** RFC 6749 §3.3 scope-token characters. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,100}");
    private static final int MAX_LIST = 20;
    /** The longest rotation grace period: long enough to redeploy a client, short enough to bound a leak. */
    public static final Duration MAX_GRACE = Duration.ofDays(7);

    private final DSLContext dsl;
    private final PasswordEncoder secretEncoder;
    private final TokenHasher hasher;
    private final JooqRegisteredClientRepository clients;

    public AppService(DSLContext dsl, PasswordEncoder secretEncoder, TokenHasher hasher, JooqRegisteredClientRepository clients) {
        this.dsl = dsl;
        this.secretEncoder = secretEncoder;
        this.hasher = hasher;
        this.clients = clients;
    }

    public CreatedApp create(AppRegistration registration, String registeredVia) {
        validate(registration);
        String secret = registration.isPublicClient() ? null : SecretGenerator.generate("lk_cs_");
        OauthAppsRecord app = dsl.newRecord(OAUTH_APPS);
        app.setId(UUID.randomUUID());
        app.setTeamId(registration.teamId());
        app.setClientId(SecretGenerator.generate("lk_ci_").substring(0, 6 + 24));
        app.setClientSecretHash(secret == null ? null : secretEncoder.encode(secret));
        app.setRegisteredVia(registeredVia);
        apply(app, registration);
        app.store();
        app.refresh();
        return new CreatedApp(AppView.of(app), secret);
    }

    /**
     * Creates the bootstrap automation client with an operator-chosen id and secret (client credentials, scope
     * {@code admin}); does nothing when the client id exists, so it only ever acts on first start.
     */
    public boolean createBootstrapClient(UUID teamId, String clientId, String secret) {
        if (secret.length() < 16) {
            throw new IllegalArgumentException("the bootstrap client secret must be at least 16 characters");
        }
        if (dsl.fetchExists(OAUTH_APPS, OAUTH_APPS.CLIENT_ID.eq(clientId))) {
            return false;
        }
        return dsl.insertInto(OAUTH_APPS)
                .set(OAUTH_APPS.ID, UUID.randomUUID())
                .set(OAUTH_APPS.TEAM_ID, teamId)
                .set(OAUTH_APPS.NAME, "Latchkey admin automation")
                .set(OAUTH_APPS.CLIENT_ID, clientId)
                .set(OAUTH_APPS.CLIENT_SECRET_HASH, secretEncoder.encode(secret))
                .set(OAUTH_APPS.GRANT_TYPES, new String[] {"client_credentials"})
                .set(OAUTH_APPS.SCOPES, new String[] {"admin"})
                .set(OAUTH_APPS.TOKEN_ENDPOINT_AUTH_METHOD, "client_secret_basic")
                .set(OAUTH_APPS.REQUIRE_CONSENT, false)
                .set(OAUTH_APPS.REGISTERED_VIA, "bootstrap")
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** Replaces the app's metadata; the client id and secret stay. */
    public Optional<AppView> update(UUID appId, AppRegistration registration) {
        validate(registration);
        OauthAppsRecord app = dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.ID.eq(appId)).fetchOne();
        if (app == null) {
            return Optional.empty();
        }
        boolean wasPublic = app.getClientSecretHash() == null;
        if (wasPublic != registration.isPublicClient()) {
            throw new InvalidAppException("tokenEndpointAuthMethod", "a client cannot change between public and confidential");
        }
        apply(app, registration);
        app.setUpdatedAt(OffsetDateTime.now());
        app.store();
        clients.evict(app.getClientId());
        return Optional.of(AppView.of(app));
    }

    /** Issues a new client secret (shown once); the old one stops working at once. */
    public Optional<CreatedApp> rotateSecret(UUID appId) {
        return rotateSecret(appId, Duration.ZERO);
    }

    /**
     * Issues a new client secret (shown once). With a positive {@code grace}, the replaced secret keeps working
     * until then (at most {@link #MAX_GRACE}); a secret replaced earlier stops at once, so at most two work.
     */
    public Optional<CreatedApp> rotateSecret(UUID appId, Duration grace) {
        if (grace == null || grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
            throw new InvalidAppException("graceSeconds", "graceSeconds must be 0.." + MAX_GRACE.toSeconds());
        }
        OauthAppsRecord app = dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.ID.eq(appId)).fetchOne();
        if (app == null) {
            return Optional.empty();
        }
        if (app.getClientSecretHash() == null) {
            throw new InvalidAppException("tokenEndpointAuthMethod", "a public client has no secret to rotate");
        }
        String secret = SecretGenerator.generate("lk_cs_");
        boolean keepPrevious = !grace.isZero();
        app.setPreviousClientSecretHash(keepPrevious ? app.getClientSecretHash() : null);
        app.setPreviousSecretExpiresAt(keepPrevious ? OffsetDateTime.now().plus(grace) : null);
        app.setClientSecretHash(secretEncoder.encode(secret));
        app.setSecretRotatedAt(OffsetDateTime.now());
        app.setUpdatedAt(OffsetDateTime.now());
        app.store();
        clients.evict(app.getClientId());
        return Optional.of(new CreatedApp(AppView.of(app), secret));
    }

    /** Deletes the app; every grant, token and consent of it goes with it (foreign keys cascade). */
    public boolean delete(UUID appId) {
        Optional<String> clientId = dsl.deleteFrom(OAUTH_APPS).where(OAUTH_APPS.ID.eq(appId))
                .returning(OAUTH_APPS.CLIENT_ID).fetchOptional(OAUTH_APPS.CLIENT_ID);
        clientId.ifPresent(clients::evict);
        return clientId.isPresent();
    }

    public Optional<AppView> find(UUID appId) {
        return dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.ID.eq(appId)).fetchOptional().map(AppView::of);
    }

    public Optional<AppView> findByClientId(String clientId) {
        return dsl.selectFrom(OAUTH_APPS).where(OAUTH_APPS.CLIENT_ID.eq(clientId)).fetchOptional().map(AppView::of);
    }

    public List<AppView> list(UUID teamId) {
        return dsl.selectFrom(OAUTH_APPS)
                .where(teamId == null ? OAUTH_APPS.ID.isNotNull() : OAUTH_APPS.TEAM_ID.eq(teamId))
                .orderBy(OAUTH_APPS.CREATED_AT)
                .fetch(AppView::of);
    }

    public boolean setPublished(UUID appId, boolean published) {
        Optional<String> clientId = dsl.update(OAUTH_APPS).set(OAUTH_APPS.IS_PUBLISHED, published)
                .where(OAUTH_APPS.ID.eq(appId)).returning(OAUTH_APPS.CLIENT_ID).fetchOptional(OAUTH_APPS.CLIENT_ID);
        clientId.ifPresent(clients::evict);
        return clientId.isPresent();
    }

    /** Sets the RFC 7592 registration access token of a dynamically registered app; returns the token once. */
    public String issueRegistrationAccessToken(UUID appId) {
        String token = SecretGenerator.generate("lk_rat_");
        dsl.update(OAUTH_APPS).set(OAUTH_APPS.REGISTRATION_ACCESS_TOKEN_HASH, hasher.hashToken(token))
                .where(OAUTH_APPS.ID.eq(appId)).execute();
        return token;
    }

    /** The app whose RFC 7592 registration access token this is, looked up by keyed hash. */
    public Optional<AppView> findByRegistrationAccessToken(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        return dsl.selectFrom(OAUTH_APPS)
                .where(OAUTH_APPS.REGISTRATION_ACCESS_TOKEN_HASH.eq(hasher.hashToken(token)))
                .fetchOptional().map(AppView::of);
    }

    /** Verifies a presented client secret against the stored hash (RFC 7592 update may carry it). */
    public boolean secretMatches(String clientId, String presented) {
        String hash = dsl.select(OAUTH_APPS.CLIENT_SECRET_HASH).from(OAUTH_APPS)
                .where(OAUTH_APPS.CLIENT_ID.eq(clientId)).fetchOptional(OAUTH_APPS.CLIENT_SECRET_HASH).orElse(null);
        return hash != null && presented != null && secretEncoder.matches(presented, hash);
    }

    private static void apply(OauthAppsRecord app, AppRegistration registration) {
        app.setName(registration.name().strip());
        app.setDescription(registration.description());
        app.setRedirectUris(registration.redirectUris().toArray(String[]::new));
        app.setScopes(registration.scopes().toArray(String[]::new));
        app.setGrantTypes(registration.grantTypes().stream().distinct().toArray(String[]::new));
        app.setTokenEndpointAuthMethod(registration.tokenEndpointAuthMethod());
        // PKCE cannot be switched off for public clients (RFC 9700 §2.1.1).
        app.setRequirePkce(registration.requirePkce() || registration.isPublicClient());
        app.setRequireConsent(registration.requireConsent());
        app.setAccessTokenFormat(registration.accessTokenFormat());
        app.setAccessTokenTtlSeconds(registration.accessTokenTtlSeconds());
        app.setRefreshTokenTtlSeconds(registration.refreshTokenTtlSeconds());
        app.setLogoUrl(registration.logoUrl());
        app.setHomepageUrl(registration.homepageUrl());
    }

    static void validate(AppRegistration r) {
        if (r.teamId() == null) {
            throw new InvalidAppException("teamId", "teamId is required");
        }
        if (r.name() == null || r.name().isBlank() || r.name().length() > 200) {
            throw new InvalidAppException("name", "name is required (1 to 200 characters)");
        }
        if (r.description() != null && r.description().length() > 2000) {
            throw new InvalidAppException("description", "description is at most 2000 characters");
        }
        if (!AUTH_METHODS.contains(r.tokenEndpointAuthMethod())) {
            throw new InvalidAppException("tokenEndpointAuthMethod", "tokenEndpointAuthMethod must be one of " + AUTH_METHODS);
        }
        if (r.grantTypes().isEmpty() || r.grantTypes().size() > 3 || !GRANT_TYPES.containsAll(r.grantTypes())) {
            throw new InvalidAppException("grantTypes", "grantTypes must be a non-empty subset of " + GRANT_TYPES);
        }
        if (r.isPublicClient() && r.grantTypes().contains("client_credentials")) {
            throw new InvalidAppException("grantTypes", "a public client cannot use client_credentials");
        }
        if (r.grantTypes().contains("refresh_token") && !r.grantTypes().contains("authorization_code")) {
            throw new InvalidAppException("grantTypes", "refresh_token requires authorization_code");
        }
        boolean usesRedirects = r.grantTypes().contains("authorization_code");
        if (usesRedirects && r.redirectUris().isEmpty()) {
            throw new InvalidAppException("redirectUris", "authorization_code requires at least one redirect URI");
        }
        if (r.redirectUris().size() > MAX_LIST) {
            throw new InvalidAppException("redirectUris", "at most " + MAX_LIST + " redirect URIs");
        }
        r.redirectUris().forEach(AppService::validateRedirectUri);
        if (r.scopes().size() > 50 || !r.scopes().stream().allMatch(s -> s != null && SCOPE_TOKEN.matcher(s).matches())) {
            throw new InvalidAppException("scopes", "scopes must be at most 50 RFC 6749 scope tokens");
        }
        if (!Set.of("opaque", "jwt").contains(r.accessTokenFormat())) {
            throw new InvalidAppException("accessTokenFormat", "accessTokenFormat must be opaque or jwt");
        }
        if (r.accessTokenTtlSeconds() < 60 || r.accessTokenTtlSeconds() > 86_400) {
            throw new InvalidAppException("accessTokenTtlSeconds", "accessTokenTtlSeconds must be 60..86400");
        }
        if (r.refreshTokenTtlSeconds() < 300 || r.refreshTokenTtlSeconds() > 31_536_000) {
            throw new InvalidAppException("refreshTokenTtlSeconds", "refreshTokenTtlSeconds must be 300..31536000");
        }
        validateWebUrl("logoUrl", r.logoUrl());
        validateWebUrl("homepageUrl", r.homepageUrl());
    }

    /** RFC 9700 §2.1 / §4.1: exact URIs only: https, or http on a loopback IP for native apps; no fragment, no wildcard. */
    static void validateRedirectUri(String value) {
        URI uri = parse("redirectUris", value);
        String scheme = uri.getScheme();
        String host = uri.getHost();
        boolean loopback = "127.0.0.1".equals(host) || "[::1]".equals(host);
        if (!("https".equals(scheme) || ("http".equals(scheme) && loopback))) {
            throw new InvalidAppException("redirectUris", "redirect URI must use https (or http on a loopback address): " + value);
        }
        if (host == null || value.contains("*") || uri.getRawFragment() != null || value.contains("#")) {
            throw new InvalidAppException("redirectUris", "redirect URI must be absolute, without wildcard or fragment: " + value);
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidAppException("redirectUris", "redirect URI must not carry user info: " + value);
        }
    }

    private static void validateWebUrl(String field, String value) {
        if (value == null) {
            return;
        }
        URI uri = parse(field, value);
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new InvalidAppException(field, field + " must be an https URL");
        }
    }

    private static URI parse(String field, String value) {
        if (value == null || value.isBlank() || value.length() > 2000) {
            throw new InvalidAppException(field, field + " must be a URL of at most 2000 characters");
        }
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute()) {
                throw new InvalidAppException(field, field + " must be an absolute URL: " + value);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidAppException(field, field + " is not a valid URL: " + value);
        }
    }
}
