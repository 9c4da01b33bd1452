package dev.latchkey.broker.connect;

import static dev.latchkey.db.Tables.CONNECT_SESSIONS;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.access.BrokerCallers;
import dev.latchkey.broker.apps.ProviderApps;
import dev.latchkey.broker.catalog.AuthMode;
import dev.latchkey.broker.catalog.AuthorizationRequest;
import dev.latchkey.broker.catalog.AuthorizationUrls;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.ConnectionUrls;
import dev.latchkey.broker.catalog.ExpirySource;
import dev.latchkey.broker.catalog.InvalidConnectionParameterException;
import dev.latchkey.broker.catalog.IssuerCheck;
import dev.latchkey.broker.catalog.Pkce;
import dev.latchkey.broker.catalog.PkcePair;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenGrant;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.catalog.TokenResult;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.JsonMaps;
import dev.latchkey.broker.credential.NewCredential;
import dev.latchkey.broker.events.ConnectionEvents;
import dev.latchkey.broker.provider.ProviderClient;
import dev.latchkey.broker.refresh.RefreshPolicy;
import dev.latchkey.db.tables.records.ConnectSessionsRecord;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.Sealer;
import dev.latchkey.vault.SecretBytes;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The connect flow. An internal service opens a short-lived session for one tenant and end user and sends the end
 * user to its URL; the connect page continues to the provider (OAuth) or takes an API key / password; the callback
 * exchanges the code and stores the sealed credential.
 *
 * <p>Every secret of the flow is single-use and stored only as a hash or sealed: the session URL token, the OAuth
 * {@code state} (256 random bits, bound server-side to the session, its expiry and the browser that started it
 * through a cookie, and consumed atomically), and the PKCE verifier (sealed). A stolen callback URL is useless in
 * another browser; a replayed one finds its state consumed. A callback whose {@code iss} is not the provider's
 * catalogued issuer ends the flow before its code or error is used ({@link IssuerCheck}, RFC 9207).
 */
public final class ConnectSessions {

    public static final String PAGE_PATH = "/connect/s/";
    public static final String CALLBACK_PATH = "/connect/callback";
    private static final String TOKEN_PREFIX = "lk_cn_";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Set<String> OPEN = Set.of("open", "authorizing");

    /**
     * @param publicUrl the browser-facing base URL of this deployment (connect page and OAuth callback)
     * @param lifetime  how long a session may take from opening to callback
     */
    public record Settings(URI publicUrl, Duration lifetime) {
    }

    /** A session as opened: its id, the URL to send the end user to, and when it expires. */
    public record Opened(UUID id, URI url, Instant expiresAt) {
        @Override
        public String toString() {
            return "Opened[id=" + id + ", expiresAt=" + expiresAt + "]";
        }
    }

    /** The browser step: where to send the end user, and the value of the browser-binding cookie to set. */
    public record Begun(URI authorizeUrl, String browserBinding) {
        @Override
        public String toString() {
            return "Begun[redacted]";
        }
    }

    /** A session's progress for the service that opened it. */
    public record Status(UUID id, String tenant, String provider, String status, UUID connectionId, String error,
            Instant expiresAt) {
    }

    private final DSLContext dsl;
    private final ProviderCatalog catalog;
    private final ProviderApps apps;
    private final ProviderClient client;
    private final CredentialStore store;
    private final CredentialSealer credentials;
    private final Sealer sealer;
    private final ConnectionEvents events;
    private final RefreshPolicy policy;
    private final TransactionTemplate transactions;
    private final Settings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ConnectSessions(DSLContext dsl, ProviderCatalog catalog, ProviderApps apps, ProviderClient client,
            CredentialStore store, CredentialSealer credentials, Sealer sealer, ConnectionEvents events,
            RefreshPolicy policy, TransactionTemplate transactions, Settings settings, Clock clock) {
        this.dsl = dsl;
        this.catalog = catalog;
        this.apps = apps;
        this.client = client;
        this.store = store;
        this.credentials = credentials;
        this.sealer = sealer;
        this.events = events;
        this.policy = policy;
        this.transactions = transactions;
        this.settings = settings;
        this.clock = clock;
    }

    public URI redirectUri() {
        return settings.publicUrl().resolve(CALLBACK_PATH);
    }

    /** Opens a session (service API). */
    public Opened open(BrokerCaller caller, OpenSession request) {
        String tenant = request.tenant();
        if (tenant == null || !BrokerCallers.TENANT_ID.matcher(tenant).matches()) {
            throw invalid("tenant", "tenant must match " + BrokerCallers.TENANT_ID.pattern());
        }
        if (!caller.mayAccess(tenant)) {
            throw invalid("tenant", "this service may not connect accounts for tenant " + tenant);
        }
        if (request.endUser() == null || request.endUser().isBlank() || request.endUser().length() > 200) {
            throw invalid("endUser", "endUser is required (1 to 200 characters)");
        }
        Provider provider = catalog.find(request.provider() == null ? "" : request.provider())
                .orElseThrow(() -> invalid("provider", "no provider '" + request.provider() + "' in the catalog"));
        List<String> scopes = request.scopes() == null ? List.of() : request.scopes();
        if (scopes.size() > 50 || !scopes.stream().allMatch(s -> s != null && s.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,200}"))) {
            throw invalid("scopes", "scopes must be at most 50 RFC 6749 scope tokens");
        }
        Map<String, String> parameters;
        try {
            parameters = provider.validateConnectionParameters(request.parameters());
            provider.resolveUrls(parameters);
        } catch (InvalidConnectionParameterException e) {
            throw invalid("parameters", e.getMessage());
        }
        if (request.returnUrl() != null) {
            validateReturnUrl(request.returnUrl());
        }
        if (provider.authMode() == AuthMode.OAUTH2 && apps.find(provider.id(), tenant).isEmpty()) {
            throw invalid("provider", "no OAuth client is registered for provider '" + provider.id() + "'");
        }
        String token = TOKEN_PREFIX + randomToken();
        UUID id = UUID.randomUUID();
        Instant expiresAt = clock.instant().plus(settings.lifetime());
        dsl.insertInto(CONNECT_SESSIONS)
                .set(CONNECT_SESSIONS.ID, id)
                .set(CONNECT_SESSIONS.TOKEN_HASH, Secret.sha256(token))
                .set(CONNECT_SESSIONS.TENANT_ID, tenant)
                .set(CONNECT_SESSIONS.END_USER, request.endUser())
                .set(CONNECT_SESSIONS.PROVIDER_ID, provider.id())
                .set(CONNECT_SESSIONS.SCOPES, scopes.toArray(String[]::new))
                .set(CONNECT_SESSIONS.PARAMETERS, org.jooq.JSONB.valueOf(JsonMaps.write(parameters)))
                .set(CONNECT_SESSIONS.RETURN_URL, request.returnUrl())
                .set(CONNECT_SESSIONS.STATUS, "open")
                .set(CONNECT_SESSIONS.CREATED_BY, caller.clientId())
                .set(CONNECT_SESSIONS.EXPIRES_AT, expiresAt.atOffset(ZoneOffset.UTC))
                .execute();
        return new Opened(id, settings.publicUrl().resolve(PAGE_PATH + token), expiresAt);
    }

    /** A session's progress (service API), within the caller's tenants. */
    public Status status(BrokerCaller caller, UUID id) {
        ConnectSessionsRecord row = dsl.selectFrom(CONNECT_SESSIONS).where(CONNECT_SESSIONS.ID.eq(id)).fetchOne();
        if (row == null || !caller.mayAccess(row.getTenantId())) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "no such connect session");
        }
        String status = OPEN.contains(row.getStatus()) && expired(row) ? "expired" : row.getStatus();
        return new Status(row.getId(), row.getTenantId(), row.getProviderId(), status, row.getConnectionId(),
                row.getErrorCode(), row.getExpiresAt().toInstant());
    }

    /** What the connect page shows for this link. */
    public ConnectPage page(String token) {
        ConnectSessionsRecord row = usable(token);
        Provider provider = catalog.get(row.getProviderId());
        return new ConnectPage(row.getId(), provider.id(), provider.displayName(), provider.authMode().wireName(),
                List.of(row.getScopes()), row.getExpiresAt().toInstant());
    }

    /** The end user continues to the provider: a fresh state, PKCE pair and browser binding for this attempt. */
    public Begun begin(String token) {
        ConnectSessionsRecord row = usable(token);
        Provider provider = catalog.get(row.getProviderId());
        if (provider.authMode() != AuthMode.OAUTH2) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "this provider takes a key, not a redirect");
        }
        ClientCredentials app = apps.find(provider.id(), row.getTenantId())
                .orElseThrow(() -> new ConnectException(ConnectException.Code.PROVIDER_ERROR, "no OAuth client registered"));
        String state = randomToken();
        String binding = randomToken();
        PkcePair pkce = Pkce.forProvider(provider, random);
        ConnectionUrls urls = provider.resolveUrls(JsonMaps.read(row.getParameters().data()));
        URI authorize = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(app, redirectUri(), state,
                List.of(row.getScopes()), pkce, Map.of()));
        byte[] sealedVerifier = pkce == null ? null : sealer.seal(
                pkce.verifier().reveal().getBytes(StandardCharsets.UTF_8), verifierContext(row));
        int updated = dsl.update(CONNECT_SESSIONS)
                .set(CONNECT_SESSIONS.STATUS, "authorizing")
                .set(CONNECT_SESSIONS.STATE_HASH, Secret.sha256(state))
                .set(CONNECT_SESSIONS.BROWSER_BINDING_HASH, Secret.sha256(binding))
                .set(CONNECT_SESSIONS.PKCE_VERIFIER_SEALED, sealedVerifier)
                .where(CONNECT_SESSIONS.ID.eq(row.getId()), CONNECT_SESSIONS.STATUS.in(OPEN))
                .execute();
        if (updated == 0) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "the connect link was already used");
        }
        return new Begun(authorize, binding);
    }

    /**
     * The provider's redirect back (RFC 6749 §4.1.2): consumes the state, checks the issuer (RFC 9207), exchanges the
     * code, stores the credential.
     *
     * @param query          the callback's query parameters
     * @param browserBinding the binding cookie of the browser that arrived, or null
     */
    public ConnectOutcome callback(Map<String, String> query, String browserBinding) {
        String state = query.get("state");
        if (state == null || state.isEmpty() || state.length() > 200) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "missing or malformed state");
        }
        ConnectSessionsRecord row = dsl.selectFrom(CONNECT_SESSIONS)
                .where(CONNECT_SESSIONS.STATE_HASH.eq(Secret.sha256(state))).fetchOne();
        if (row == null || !"authorizing".equals(row.getStatus()) || expired(row)) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "unknown, used or expired state");
        }
        if (browserBinding == null
                || !MessageDigest.isEqual(Secret.sha256(browserBinding), row.getBrowserBindingHash())) {
            throw new ConnectException(ConnectException.Code.WRONG_BROWSER, "the flow was started in another browser");
        }
        // Single use: only one arrival of this state gets past this update.
        int consumed = dsl.update(CONNECT_SESSIONS).set(CONNECT_SESSIONS.STATUS, "completed")
                .set(CONNECT_SESSIONS.STATE_HASH, (byte[]) null)
                .where(CONNECT_SESSIONS.ID.eq(row.getId()), CONNECT_SESSIONS.STATUS.eq("authorizing"))
                .execute();
        if (consumed == 0) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "unknown, used or expired state");
        }
        Provider provider = catalog.get(row.getProviderId());
        ConnectionUrls urls = provider.resolveUrls(JsonMaps.read(row.getParameters().data()));
        // Before anything else in the response is believed, its error included (RFC 9207 §2.4).
        IssuerCheck.Verdict issuer = IssuerCheck.check(provider, urls, query);
        if (issuer != IssuerCheck.Verdict.ACCEPTED) {
            return failed(row, provider, ConnectException.Code.ISSUER_MISMATCH,
                    issuer == IssuerCheck.Verdict.MISSING ? "missing_iss" : "unexpected_iss");
        }
        if (query.containsKey("error")) {
            return failed(row, provider, "access_denied".equals(query.get("error"))
                    ? ConnectException.Code.ACCESS_DENIED : ConnectException.Code.PROVIDER_ERROR, query.get("error"));
        }
        String code = query.get("code");
        if (code == null || code.isEmpty()) {
            return failed(row, provider, ConnectException.Code.PROVIDER_ERROR, "missing_code");
        }
        ClientCredentials app = apps.find(provider.id(), row.getTenantId()).orElse(null);
        if (app == null) {
            return failed(row, provider, ConnectException.Code.PROVIDER_ERROR, "provider_app_not_configured");
        }
        Secret verifier = null;
        if (row.getPkceVerifierSealed() != null) {
            try (SecretBytes bytes = sealer.open(row.getPkceVerifierSealed(), verifierContext(row))) {
                verifier = Secret.of(new String(bytes.revealBytes(), StandardCharsets.UTF_8));
            }
        }
        var request = TokenRequests.authorizationCode(provider, urls, app, Secret.of(code), redirectUri(), verifier,
                List.of(row.getScopes()));
        TokenResult result = client.exchange(provider, request, query, clock.instant());
        return switch (result) {
            case TokenGrant grant -> stored(row, provider, CredentialKind.OAUTH2, grant.accessToken(),
                    grant.refreshToken(), grant.tokenType(), grant.expiresAt(), grant.expirySource(),
                    grant.statedLifetime() == null ? null : grant.statedLifetime().toSeconds(),
                    grant.scopes() == null ? List.of(row.getScopes()) : grant.scopes(), grant.metadata());
            case ProviderError error -> failed(row, provider, ConnectException.Code.PROVIDER_ERROR,
                    error.code() == null ? "http_" + error.status() : error.code());
        };
    }

    /** An API key or password typed into the connect page. */
    public ConnectOutcome submitSecret(String token, String username, String secret) {
        ConnectSessionsRecord row = usable(token);
        Provider provider = catalog.get(row.getProviderId());
        if (provider.authMode() == AuthMode.OAUTH2) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "this provider connects through OAuth");
        }
        boolean basic = provider.authMode() == AuthMode.BASIC;
        if (secret == null || secret.isBlank() || secret.length() > 4096
                || (basic && (username == null || username.isBlank() || username.length() > 200 || username.contains(":")))) {
            throw new ConnectException(ConnectException.Code.INVALID_REQUEST, basic ? "password" : "apiKey",
                    basic ? "enter a username (without ':') and a password" : "enter the API key");
        }
        int consumed = dsl.update(CONNECT_SESSIONS).set(CONNECT_SESSIONS.STATUS, "completed")
                .where(CONNECT_SESSIONS.ID.eq(row.getId()), CONNECT_SESSIONS.STATUS.eq("open"))
                .execute();
        if (consumed == 0) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "the connect link was already used");
        }
        Map<String, String> metadata = basic ? Map.of("username", username.strip()) : Map.of();
        return stored(row, provider, basic ? CredentialKind.BASIC : CredentialKind.API_KEY, Secret.of(secret.strip()),
                null, null, null, ExpirySource.NEVER, null, List.of(row.getScopes()), metadata);
    }

    private ConnectOutcome stored(ConnectSessionsRecord row, Provider provider, CredentialKind kind, Secret access,
            Secret refresh, String tokenType, Instant expiresAt, ExpirySource source, Long statedSeconds,
            List<String> scopes, Map<String, String> metadata) {
        UUID connectionId = UUID.randomUUID();
        Instant issuedAt = clock.instant();
        Instant next = policy.nextRefreshAt(issuedAt, policy.effectiveExpiry(issuedAt, expiresAt, source, null),
                refresh != null);
        NewCredential created = new NewCredential(connectionId, row.getTenantId(), row.getEndUser(), provider.id(),
                kind, scopes, row.getParameters().data(), JsonMaps.write(metadata), row.getCreatedBy(),
                credentials.sealAccess(row.getTenantId(), connectionId, access),
                credentials.sealRefresh(row.getTenantId(), connectionId, refresh),
                tokenType, issuedAt, expiresAt, source, statedSeconds, next);
        transactions.executeWithoutResult(status -> {
            store.create(created);
            dsl.update(CONNECT_SESSIONS).set(CONNECT_SESSIONS.CONNECTION_ID, connectionId)
                    .set(CONNECT_SESSIONS.PKCE_VERIFIER_SEALED, (byte[]) null)
                    .where(CONNECT_SESSIONS.ID.eq(row.getId())).execute();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("connect_session", row.getId().toString());
            details.put("end_user", row.getEndUser());
            details.put("kind", kind.dbValue());
            details.put("refresh_token", refresh != null);
            details.put("expiry_source", source.name().toLowerCase(java.util.Locale.ROOT));
            events.record(Actor.user(row.getEndUser()), ConnectionEvents.CREATED, Outcome.SUCCESS, connectionId,
                    row.getTenantId(), provider.id(), details);
        });
        return new ConnectOutcome(row.getId(), provider.displayName(), connectionId, null,
                returnTo(row, connectionId, null));
    }

    private ConnectOutcome failed(ConnectSessionsRecord row, Provider provider, ConnectException.Code code,
            String providerCode) {
        transactions.executeWithoutResult(status -> {
            dsl.update(CONNECT_SESSIONS).set(CONNECT_SESSIONS.STATUS, "failed")
                    .set(CONNECT_SESSIONS.ERROR_CODE, code.name().toLowerCase(java.util.Locale.ROOT))
                    .set(CONNECT_SESSIONS.PKCE_VERIFIER_SEALED, (byte[]) null)
                    .where(CONNECT_SESSIONS.ID.eq(row.getId())).execute();
            events.record(Actor.user(row.getEndUser()), ConnectionEvents.CONNECT_FAILED,
                    code == ConnectException.Code.ACCESS_DENIED ? Outcome.DENIED : Outcome.FAILURE,
                    row.getId(), row.getTenantId(), provider.id(),
                    Map.of("connect_session", row.getId().toString(), "error", code.name().toLowerCase(java.util.Locale.ROOT),
                            "provider_error", providerCode == null ? "" : providerCode.length() > 100
                                    ? providerCode.substring(0, 100) : providerCode));
        });
        return new ConnectOutcome(row.getId(), provider.displayName(), null, code, returnTo(row, null, code));
    }

    private ConnectSessionsRecord usable(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX) || token.length() > 100) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "unknown connect link");
        }
        ConnectSessionsRecord row = dsl.selectFrom(CONNECT_SESSIONS)
                .where(CONNECT_SESSIONS.TOKEN_HASH.eq(Secret.sha256(token))).fetchOne();
        if (row == null || !OPEN.contains(row.getStatus()) || expired(row)) {
            throw new ConnectException(ConnectException.Code.INVALID_SESSION, "unknown, used or expired connect link");
        }
        return row;
    }

    private boolean expired(ConnectSessionsRecord row) {
        return !clock.instant().isBefore(row.getExpiresAt().toInstant());
    }

    private static URI returnTo(ConnectSessionsRecord row, UUID connectionId, ConnectException.Code error) {
        if (row.getReturnUrl() == null) {
            return null;
        }
        String separator = row.getReturnUrl().contains("?") ? "&" : "?";
        String outcome = error == null ? "status=connected&connection_id=" + connectionId
                : "status=failed&error=" + error.name().toLowerCase(java.util.Locale.ROOT);
        return URI.create(row.getReturnUrl() + separator + "connect_session=" + row.getId() + "&" + outcome);
    }

    private static void validateReturnUrl(String value) {
        try {
            URI uri = new URI(value);
            boolean loopback = "127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost())
                    || "[::1]".equals(uri.getHost());
            boolean secure = "https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback);
            if (!uri.isAbsolute() || !secure || uri.getHost() == null || uri.getFragment() != null
                    || uri.getUserInfo() != null || value.length() > 2000) {
                throw invalid("returnUrl", "returnUrl must be an absolute https URL (http only to loopback), without fragment");
            }
        } catch (URISyntaxException e) {
            throw invalid("returnUrl", "returnUrl is not a valid URL");
        }
    }

    private static SealContext verifierContext(ConnectSessionsRecord row) {
        return new SealContext(row.getTenantId(), row.getId().toString(), "connect.pkce_verifier");
    }

    private static ConnectException invalid(String field, String message) {
        return new ConnectException(ConnectException.Code.INVALID_REQUEST, field, message);
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return BASE64URL.encodeToString(bytes);
    }
}
