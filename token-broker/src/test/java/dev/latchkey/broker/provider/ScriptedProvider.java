package dev.latchkey.broker.provider;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.latchkey.broker.catalog.ClientAuthMethod;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real OAuth 2.0 authorization server on {@code 127.0.0.1}, for tests: a local stand-in for a third-party provider
 * that speaks the RFC 6749 wire protocol over HTTP (authorization code grant with RFC 7636 PKCE, refresh, RFC 7009
 * revocation, an RFC 6750 bearer-protected API) and can be scripted, during a test, to misbehave the way real
 * providers do: lie about token lifetimes, rotate refresh tokens, answer 200 with an error body, throttle, fail,
 * stall, or have the user revoke everything.
 *
 * <p>Endpoints, on an ephemeral port ({@link #baseUri()}):
 * <ul>
 *   <li>{@code GET /authorize} (RFC 6749 §4.1.1): checks {@code client_id}, {@code redirect_uri} (against
 *       {@link #registeredRedirectUri} when set) and {@code response_type=code}, records {@code state} and the PKCE
 *       challenge, and approves at once with a 302 to {@code redirect_uri?code=…&state=…} (plus {@code iss} when
 *       {@link #issuer} is set, RFC 9207) — there is no login page.
 *       An unknown client or a bad redirect URI gets a 400 and no redirect (§4.1.2.1). {@code login_hint} names the
 *       user (the grant's subject); without it each authorization is a new user.</li>
 *   <li>{@code POST /token} (§4.1.3, §6): {@code authorization_code} (code known, unexpired, single use — a second
 *       use also revokes what the first issued, §4.1.2 —, redirect URI equal, PKCE verifier matching) and
 *       {@code refresh_token}; client authentication exactly as configured ({@link #clientAuth}); form or JSON
 *       bodies.</li>
 *   <li>{@code POST /revoke} (RFC 7009 §2): form {@code token}; revoking a refresh token revokes its whole grant;
 *       unknown tokens are answered 200 as §2.2 requires.</li>
 *   <li>{@code GET /api/me}: {@code Authorization: Bearer} (RFC 6750); 200 JSON while the token is live, else 401.
 *       "Live" uses the token's <em>actual</em> lifetime ({@link #actualLifetime}), which may differ from the
 *       {@code expires_in} it was issued with.</li>
 * </ul>
 *
 * <p>Every knob is thread-safe and may be changed while requests are in flight; every counter can be read at any
 * time. {@link #catalogYaml} writes the matching deployment catalog entry, so the broker under test reaches this
 * server through the ordinary catalog, with {@code allowInsecureForTesting}.
 *
 * <p>Reused by the launcher's end-to-end tests through the token-broker test-jar; it depends only on the JDK, Jackson
 * and the catalog's value types.
 */
public final class ScriptedProvider implements AutoCloseable {

    public static final String DEFAULT_CLIENT_ID = "scripted-client";
    public static final String DEFAULT_CLIENT_SECRET = "scripted-secret";

    /** How long an authorization code may wait for its exchange (RFC 6749 §4.1.2 recommends at most 10 minutes). */
    public static final Duration CODE_LIFETIME = Duration.ofMinutes(1);

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final ExecutorService executor;
    private final String clientId;
    private final String clientSecret;
    private final SecureRandom random = new SecureRandom();

    // Knobs.
    private volatile ClientAuthMethod clientAuth = ClientAuthMethod.CLIENT_SECRET_BASIC;
    private volatile URI registeredRedirectUri;
    private volatile boolean requirePkce;
    private volatile boolean denyAuthorization;
    private volatile Map<String, String> callbackParameters = Map.of();
    private volatile String issuer;
    private volatile Duration statedExpiresIn = Duration.ofHours(1);
    private volatile Duration actualLifetime;
    private volatile boolean issueRefreshTokens = true;
    private volatile boolean rotateRefreshTokens;
    private volatile boolean revokeGrantOnRefreshTokenReuse;
    private volatile Duration tokenDelay = Duration.ZERO;
    private volatile int requestsPerSecond;
    private volatile Clock clock = Clock.systemUTC();
    private volatile Duration clockOffset = Duration.ZERO;
    private final ConcurrentLinkedQueue<Answer> scriptedAnswers = new ConcurrentLinkedQueue<>();

    // Grant state, guarded by `state`.
    private final Object state = new Object();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, Grant> grants = new LinkedHashMap<>();
    private final Map<String, AccessToken> accessTokens = new HashMap<>();
    private final Map<String, RefreshToken> refreshTokens = new HashMap<>();
    private int users;

    // Rate limit window, guarded by itself.
    private final ArrayDeque<Long> recentTokenCalls = new ArrayDeque<>();

    // Counters.
    private final Map<String, AtomicInteger> tokenCallsByGrantType = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> presentationsByRefreshToken = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> refreshesByGrant = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> refreshesInFlightByGrant = new ConcurrentHashMap<>();
    private final AtomicInteger maxConcurrentRefreshesOfOneGrant = new AtomicInteger();
    private final AtomicInteger tokenCallsInFlight = new AtomicInteger();
    private final AtomicInteger maxConcurrentTokenCalls = new AtomicInteger();
    private final AtomicInteger rateLimitViolations = new AtomicInteger();
    private final AtomicInteger authorizations = new AtomicInteger();
    private final AtomicInteger apiCalls = new AtomicInteger();
    private final AtomicInteger apiRejections = new AtomicInteger();
    private final List<String> revokedTokens = new CopyOnWriteArrayList<>();

    private ScriptedProvider(String clientId, String clientSecret) {
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.clientSecret = clientSecret;
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/authorize", exchange -> handle(exchange, "GET", this::authorize));
        server.createContext("/token", exchange -> handle(exchange, "POST", this::token));
        server.createContext("/revoke", exchange -> handle(exchange, "POST", this::revoke));
        server.createContext("/api/me", exchange -> handle(exchange, "GET", this::me));
        server.start();
    }

    /** A provider with {@link #DEFAULT_CLIENT_ID} and {@link #DEFAULT_CLIENT_SECRET}, listening already. */
    public static ScriptedProvider start() {
        return start(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    }

    /**
     * A provider with one registered client, listening already.
     *
     * @param clientSecret null for a public client (then set {@link #clientAuth} to {@code NONE})
     */
    public static ScriptedProvider start(String clientId, String clientSecret) {
        return new ScriptedProvider(clientId, clientSecret);
    }

    /** Stops at once; handlers still sleeping in a {@link #tokenDelay} are interrupted. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------- addresses

    /** {@code http://127.0.0.1:<port>}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI authorizeUri() {
        return baseUri().resolve("/authorize");
    }

    public URI tokenUri() {
        return baseUri().resolve("/token");
    }

    public URI revokeUri() {
        return baseUri().resolve("/revoke");
    }

    public URI apiUri() {
        return baseUri().resolve("/api/me");
    }

    public String clientId() {
        return clientId;
    }

    /** The registered client, as the broker would hold it. */
    public ClientCredentials credentials() {
        return new ClientCredentials(clientId, clientSecret == null ? null : Secret.of(clientSecret));
    }

    // -------------------------------------------------------------------------------------------------------- knobs

    /** How clients must authenticate at {@code /token} and {@code /revoke} (RFC 6749 §2.3.1). Default Basic. */
    public ScriptedProvider clientAuth(ClientAuthMethod method) {
        this.clientAuth = Objects.requireNonNull(method, "method");
        return this;
    }

    /** The only redirect URI {@code /authorize} accepts; null (default) accepts any absolute http(s) URI. */
    public ScriptedProvider registeredRedirectUri(URI redirectUri) {
        this.registeredRedirectUri = redirectUri;
        return this;
    }

    /** Refuse authorization requests without a PKCE challenge ({@code error=invalid_request}). Default off. */
    public ScriptedProvider requirePkce(boolean require) {
        this.requirePkce = require;
        return this;
    }

    /** The user says no: {@code /authorize} redirects with {@code error=access_denied} (RFC 6749 §4.1.2.1). */
    public ScriptedProvider denyAuthorization(boolean deny) {
        this.denyAuthorization = deny;
        return this;
    }

    /** Extra query parameters on the authorization callback (QuickBooks {@code realmId}, Shopify {@code shop}). */
    public ScriptedProvider callbackParameters(Map<String, String> parameters) {
        this.callbackParameters = Map.copyOf(parameters);
        return this;
    }

    /**
     * RFC 9207 §2: the {@code iss} put into every authorization response, success and error alike; null (the
     * default) sends none, as most providers do.
     */
    public ScriptedProvider issuer(String issuer) {
        this.issuer = issuer;
        return this;
    }

    /** The {@code expires_in} sent with access tokens; null omits it. Default one hour. */
    public ScriptedProvider statedExpiresIn(Duration expiresIn) {
        this.statedExpiresIn = expiresIn;
        return this;
    }

    /**
     * How long access tokens issued from now on really work at {@code /api/me}; null (default) = as stated, and
     * forever when no {@code expires_in} is stated.
     */
    public ScriptedProvider actualLifetime(Duration lifetime) {
        this.actualLifetime = lifetime;
        return this;
    }

    /** Issue a refresh token with the code exchange. Default on. */
    public ScriptedProvider issueRefreshTokens(boolean issue) {
        this.issueRefreshTokens = issue;
        return this;
    }

    /**
     * Every refresh returns a new refresh token and the presented one stops working at once; presenting it again
     * gets {@code 400 invalid_grant}. Off (default): refreshes send no refresh token and the old one stays valid.
     */
    public ScriptedProvider rotateRefreshTokens(boolean rotate) {
        this.rotateRefreshTokens = rotate;
        return this;
    }

    /** With rotation: presenting a rotated-away refresh token also revokes its whole grant (reuse detection). */
    public ScriptedProvider revokeGrantOnRefreshTokenReuse(boolean revoke) {
        this.revokeGrantOnRefreshTokenReuse = revoke;
        return this;
    }

    /** Wait this long before answering each token call (after the rate-limit check). */
    public ScriptedProvider tokenDelay(Duration delay) {
        this.tokenDelay = Objects.requireNonNull(delay, "delay");
        return this;
    }

    /**
     * A hard limit on token calls per second (sliding one-second window, real time); calls over it get
     * {@code 429} with {@code Retry-After: 1} and count as {@link #rateLimitViolations}. Zero (default) = none.
     * Network jitter shifts arrival times: give it a little headroom over the limit the broker is told.
     */
    public ScriptedProvider hardRateLimit(int perSecond) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("perSecond must not be negative");
        }
        this.requestsPerSecond = perSecond;
        return this;
    }

    /**
     * The clock for code and token lifetimes (not for the rate limit). Default system UTC; a test may hand in the
     * clock the broker under test uses.
     */
    public ScriptedProvider clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Moves this provider's time forward (on top of {@link #clock}): codes and tokens age without sleeping. */
    public synchronized ScriptedProvider advanceClock(Duration duration) {
        this.clockOffset = clockOffset.plus(duration);
        return this;
    }

    /** This provider's current time. */
    public Instant now() {
        return clock.instant().plus(clockOffset);
    }

    /** The next {@code n} token calls get {@code 200 {"ok":false,"error":<error>}} (Slack style). */
    public ScriptedProvider answerNextTokenCallsWithOkFalse(int n, String error) {
        String body = json(Map.of("ok", false, "error", error));
        return script(n, new Answer(200, body, Map.of()));
    }

    /** The next {@code n} token calls get {@code 429}; with {@code Retry-After: <seconds>} unless it is null. */
    public ScriptedProvider rateLimitNextTokenCalls(int n, Duration retryAfter) {
        Map<String, String> headers = retryAfter == null
                ? Map.of()
                : Map.of("Retry-After", Long.toString(retryAfter.toSeconds()));
        return script(n, new Answer(429, json(Map.of("error", "rate_limited")), headers));
    }

    /**
     * The next {@code n} token calls fail with {@code status} (5xx): 500 with {@code {"error":"server_error"}},
     * other statuses with an HTML page, as a gateway in front of a provider sends.
     */
    public ScriptedProvider failNextTokenCalls(int n, int status) {
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("a failure status is 5xx");
        }
        String body = status == 500
                ? json(Map.of("error", "server_error"))
                : "<html><body><h1>" + status + " Service Unavailable</h1></body></html>";
        return script(n, new Answer(status, body, Map.of()));
    }

    /** Forget scripted answers not yet used. */
    public ScriptedProvider clearScriptedAnswers() {
        scriptedAnswers.clear();
        return this;
    }

    /**
     * The user revokes access everywhere: every grant so far is dead — its access tokens get 401, its refresh
     * tokens {@code invalid_grant}. Later authorizations work.
     */
    public ScriptedProvider revokeAllGrants() {
        synchronized (state) {
            grants.values().forEach(grant -> grant.revoked = true);
        }
        return this;
    }

    private ScriptedProvider script(int n, Answer answer) {
        for (int i = 0; i < n; i++) {
            scriptedAnswers.add(answer);
        }
        return this;
    }

    // ----------------------------------------------------------------------------------------------------- counters

    /** Token calls received, whatever they were answered. */
    public int tokenCalls() {
        return tokenCallsByGrantType.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Token calls received with this {@code grant_type} ({@code authorization_code}, {@code refresh_token}). */
    public int tokenCalls(String grantType) {
        AtomicInteger count = tokenCallsByGrantType.get(grantType);
        return count == null ? 0 : count.get();
    }

    /** Codes issued by {@code /authorize}. */
    public int authorizations() {
        return authorizations.get();
    }

    /**
     * How often {@code refreshToken} was presented in a refresh the provider processed (scripted failures, rate-limit
     * rejections and rejected client authentication are not counted: the token was not looked at).
     */
    public int presentationsOf(String refreshToken) {
        AtomicInteger count = presentationsByRefreshToken.get(refreshToken);
        return count == null ? 0 : count.get();
    }

    /**
     * Every access token, refresh token and authorization code this server ever issued (revoked or not): what a
     * plaintext scan of the broker's database and logs must never find.
     */
    public List<String> issuedSecrets() {
        synchronized (state) {
            List<String> all = new ArrayList<>(accessTokens.keySet());
            all.addAll(refreshTokens.keySet());
            all.addAll(codes.keySet());
            return all;
        }
    }

    /**
     * The most any one refresh token was presented. With rotation, more than 1 means a double refresh: the broker
     * used a refresh token it had already spent (or refreshed twice concurrently).
     */
    public int maxRefreshesOfOneRefreshToken() {
        return presentationsByRefreshToken.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    /** Successful refreshes per grant id (one grant = one code exchange = one connection). */
    public Map<String, Integer> refreshesPerGrant() {
        return refreshesByGrant.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    /** Successful refreshes of one grant. */
    public int refreshesOfGrant(String grantId) {
        AtomicInteger count = refreshesByGrant.get(grantId);
        return count == null ? 0 : count.get();
    }

    /** Refresh calls of one grant being handled right now (e.g. still sleeping in a {@link #tokenDelay}). */
    public int refreshesInFlightOfGrant(String grantId) {
        AtomicInteger count = refreshesInFlightByGrant.get(grantId);
        return count == null ? 0 : count.get();
    }

    /** The most refreshes of one grant that were in flight at once; above 1 means concurrent refreshes. */
    public int maxConcurrentRefreshesOfOneGrant() {
        return maxConcurrentRefreshesOfOneGrant.get();
    }

    /** The most token calls that were in flight at once. */
    public int maxConcurrentTokenCalls() {
        return maxConcurrentTokenCalls.get();
    }

    /** Token calls refused by {@link #hardRateLimit}. */
    public int rateLimitViolations() {
        return rateLimitViolations.get();
    }

    /** Tokens named in {@code /revoke} calls that authenticated, in order. */
    public List<String> revokedTokens() {
        return List.copyOf(revokedTokens);
    }

    /** Calls to {@code /api/me}, and those answered 401. */
    public int apiCalls() {
        return apiCalls.get();
    }

    public int apiRejections() {
        return apiRejections.get();
    }

    /** Access tokens that {@code /api/me} would accept now. */
    public int liveAccessTokens() {
        synchronized (state) {
            Instant now = now();
            return (int) accessTokens.values().stream().filter(token -> live(token, now)).count();
        }
    }

    /** Whether {@code /api/me} would accept this access token now. */
    public boolean isLive(String accessToken) {
        synchronized (state) {
            AccessToken token = accessTokens.get(accessToken);
            return token != null && live(token, now());
        }
    }

    /** The grant an access or refresh token belongs to; null when the provider never issued it. */
    public String grantOf(String token) {
        synchronized (state) {
            AccessToken access = accessTokens.get(token);
            if (access != null) {
                return access.grant.id;
            }
            RefreshToken refresh = refreshTokens.get(token);
            return refresh == null ? null : refresh.grant.id;
        }
    }

    /** The user a grant was issued to ({@code login_hint}, or {@code user-<n>}). */
    public String subjectOf(String grantId) {
        synchronized (state) {
            Grant grant = grants.get(grantId);
            return grant == null ? null : grant.subject;
        }
    }

    /** Grant ids in issue order. */
    public List<String> grantIds() {
        synchronized (state) {
            return List.copyOf(grants.keySet());
        }
    }

    /** Zeroes every counter; tokens and grants stay. */
    public void resetCounters() {
        tokenCallsByGrantType.clear();
        presentationsByRefreshToken.clear();
        refreshesByGrant.clear();
        maxConcurrentRefreshesOfOneGrant.set(0);
        maxConcurrentTokenCalls.set(0);
        rateLimitViolations.set(0);
        authorizations.set(0);
        apiCalls.set(0);
        apiRejections.set(0);
        revokedTokens.clear();
    }

    // ------------------------------------------------------------------------------------------------------ browser

    /**
     * Plays the user's browser at the authorization endpoint: GETs {@code authorizationUrl} (which must point here)
     * and returns the redirect target — the client's callback with {@code code} and {@code state}, or
     * {@code error}.
     *
     * @throws IllegalStateException when the provider answers anything but a redirect (an invalid request)
     */
    public URI approve(URI authorizationUrl) {
        try (HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> response = browser.send(HttpRequest.newBuilder(authorizationUrl).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String location = response.headers().firstValue("Location").orElse(null);
            if (response.statusCode() != 302 || location == null) {
                throw new IllegalStateException("authorization refused with HTTP " + response.statusCode() + ": "
                        + response.body());
            }
            return URI.create(location);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The decoded query parameters of {@code uri} (first occurrence wins). */
    public static Map<String, String> queryParameters(URI uri) {
        return uri.getRawQuery() == null ? Map.of() : decodeForm(uri.getRawQuery());
    }

    // ------------------------------------------------------------------------------------------------------ catalog

    /** {@link #catalogYaml(String, CatalogOptions)} with default options. */
    public String catalogYaml(String providerId) {
        return catalogYaml(providerId, new CatalogOptions());
    }

    /**
     * A deployment catalog file declaring this server as provider {@code providerId}: {@code catalogVersion} plus a
     * {@code providers} map with one entry, {@code allowInsecureForTesting: true} and every URL at
     * {@code http://127.0.0.1:<port>}. Where an option is unset it follows this server's knobs (client
     * authentication, rotation).
     */
    public String catalogYaml(String providerId, CatalogOptions options) {
        String base = baseUri().toString();
        ClientAuthMethod auth = options.clientAuth != null ? options.clientAuth : clientAuth;
        boolean rotates = options.rotates != null ? options.rotates : rotateRefreshTokens;
        StringBuilder yaml = new StringBuilder();
        yaml.append("catalogVersion: \"1.0.0\"\n");
        yaml.append("providers:\n");
        yaml.append("  ").append(providerId).append(":\n");
        yaml.append("    displayName: \"Scripted provider at ").append(base).append("\"\n");
        yaml.append("    authMode: oauth2\n");
        yaml.append("    allowInsecureForTesting: true\n");
        if (options.issuer != null) {
            yaml.append("    issuer: ").append(options.issuer).append('\n');
        }
        yaml.append("    urls:\n");
        yaml.append("      authorize: ").append(base).append("/authorize\n");
        yaml.append("      token: ").append(base).append("/token\n");
        if (options.revocation) {
            yaml.append("      revoke: ").append(base).append("/revoke\n");
        }
        yaml.append("      api: ").append(base).append("/api/me\n");
        yaml.append("    authorize: { pkce: ").append(options.pkce)
                .append(", issParameterSupported: ").append(options.issParameterSupported).append(" }\n");
        yaml.append("    tokenRequest: { clientAuth: ").append(wire(auth))
                .append(", bodyFormat: ").append(options.bodyFormat).append(" }\n");
        yaml.append("    expiry: { policy: ").append(options.expiryPolicy);
        if (options.whenAbsent != null) {
            yaml.append(", whenAbsent: ").append(options.whenAbsent);
        }
        if (options.lifetimeSeconds != null) {
            yaml.append(", lifetimeSeconds: ").append(options.lifetimeSeconds);
        }
        if (options.skewSeconds != null) {
            yaml.append(", skewSeconds: ").append(options.skewSeconds);
        }
        yaml.append(" }\n");
        yaml.append("    refreshToken: { rotates: ").append(rotates).append(" }\n");
        if (options.revocation) {
            yaml.append("    revocation: { token: refresh, placement: form, param: token, clientAuth: ")
                    .append(wire(auth)).append(", tokenTypeHint: true }\n");
        }
        yaml.append("    errors:\n");
        if (options.okFalseSignalsError) {
            yaml.append("      errorWhen: { pointer: /ok, equals: false }\n");
        }
        yaml.append("      reauthCodes: ").append(yamlList(options.reauthCodes)).append('\n');
        yaml.append("      transientCodes: ").append(yamlList(options.transientCodes)).append('\n');
        if (options.rateLimitRequests != null) {
            yaml.append("    rateLimit: { requests: ").append(options.rateLimitRequests)
                    .append(", windowSeconds: ").append(options.rateLimitWindowSeconds)
                    .append(", scope: ").append(options.rateLimitScope).append(" }\n");
        }
        return yaml.toString();
    }

    /** Writes {@link #catalogYaml} to {@code directory/<providerId>.yaml} and returns the file. */
    public Path writeCatalog(Path directory, String providerId, CatalogOptions options) {
        Path file = directory.resolve(providerId + ".yaml");
        try {
            Files.writeString(file, catalogYaml(providerId, options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * Writes the entry into {@code directory} and loads that directory as the broker would
     * ({@code new ProviderCatalog(directory)}: the built-in catalog plus every file there).
     *
     * @throws dev.latchkey.broker.catalog.CatalogException when the entry (or another file there) is invalid
     */
    public Provider loadProvider(Path directory, String providerId, CatalogOptions options) {
        writeCatalog(directory, providerId, options);
        return new ProviderCatalog(directory).get(providerId);
    }

    /**
     * What {@link #catalogYaml} declares beyond the URLs. Every setter returns this; unset fields take the defaults
     * noted, or follow the server's knobs.
     */
    public static final class CatalogOptions {

        private String expiryPolicy = "provider";
        private String whenAbsent;
        private Integer lifetimeSeconds;
        private Integer skewSeconds;
        private Boolean rotates;
        private ClientAuthMethod clientAuth;
        private String pkce = "S256";
        private String bodyFormat = "form";
        private boolean revocation = true;
        private boolean okFalseSignalsError = true;
        private List<String> reauthCodes = List.of();
        private List<String> transientCodes = List.of();
        private Integer rateLimitRequests;
        private int rateLimitWindowSeconds = 1;
        private String rateLimitScope = "app";
        private String issuer;
        private boolean issParameterSupported;

        /** {@code expiry.policy}: {@code provider} (default), {@code unknown}, {@code never} or {@code fixed}. */
        public CatalogOptions expiryPolicy(String policy) {
            this.expiryPolicy = policy;
            return this;
        }

        /** {@code expiry.whenAbsent} ({@code never} or {@code unknown}); only with policy {@code provider}. */
        public CatalogOptions whenAbsent(String whenAbsent) {
            this.whenAbsent = whenAbsent;
            return this;
        }

        /** {@code expiry.lifetimeSeconds}; required with policy {@code fixed}. */
        public CatalogOptions lifetimeSeconds(int seconds) {
            this.lifetimeSeconds = seconds;
            return this;
        }

        /** {@code expiry.skewSeconds}; catalog default 60. */
        public CatalogOptions skewSeconds(int seconds) {
            this.skewSeconds = seconds;
            return this;
        }

        /** {@code refreshToken.rotates}; default: as {@link ScriptedProvider#rotateRefreshTokens}. */
        public CatalogOptions rotates(boolean rotates) {
            this.rotates = rotates;
            return this;
        }

        /** {@code tokenRequest.clientAuth} and {@code revocation.clientAuth}; default: as the server requires. */
        public CatalogOptions clientAuth(ClientAuthMethod method) {
            this.clientAuth = method;
            return this;
        }

        /** {@code authorize.pkce}: {@code S256} (default), {@code plain} or {@code none}. */
        public CatalogOptions pkce(String method) {
            this.pkce = method;
            return this;
        }

        /** {@code tokenRequest.bodyFormat}: {@code form} (default) or {@code json}; the server reads both. */
        public CatalogOptions bodyFormat(String format) {
            this.bodyFormat = format;
            return this;
        }

        /** Declare {@code urls.revoke} and {@code revocation} (default on). */
        public CatalogOptions revocation(boolean declare) {
            this.revocation = declare;
            return this;
        }

        /**
         * Declare {@code errors.errorWhen: {pointer: /ok, equals: false}}, so the server's 200-with-error answers are
         * read as errors (default on). Successful answers carry {@code "ok": true}.
         */
        public CatalogOptions okFalseSignalsError(boolean declare) {
            this.okFalseSignalsError = declare;
            return this;
        }

        /** {@code errors.reauthCodes} ({@code invalid_grant} is always one). */
        public CatalogOptions reauthCodes(String... codes) {
            this.reauthCodes = List.of(codes);
            return this;
        }

        /** {@code errors.transientCodes}. */
        public CatalogOptions transientCodes(String... codes) {
            this.transientCodes = List.of(codes);
            return this;
        }

        /** {@code issuer} (RFC 9207: what the callback's {@code iss} must equal). None by default. */
        public CatalogOptions issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** {@code authorize.issParameterSupported}: a callback without {@code iss} is refused. Off by default. */
        public CatalogOptions issParameterSupported(boolean supported) {
            this.issParameterSupported = supported;
            return this;
        }

        /** {@code rateLimit}: {@code requests} per {@code windowSeconds}, scope {@code app}. None by default. */
        public CatalogOptions rateLimit(int requests, int windowSeconds) {
            return rateLimit(requests, windowSeconds, "app");
        }

        /** {@code rateLimit} with a scope: {@code app}, {@code user} or {@code account}. */
        public CatalogOptions rateLimit(int requests, int windowSeconds, String scope) {
            this.rateLimitRequests = requests;
            this.rateLimitWindowSeconds = windowSeconds;
            this.rateLimitScope = scope;
            return this;
        }
    }

    // ------------------------------------------------------------------------------------------------ /authorize

    private Reply authorize(HttpExchange exchange) {
        Map<String, String> query = queryParameters(exchange.getRequestURI());
        if (!clientId.equals(query.get("client_id"))) {
            return Reply.text(400, "unknown client_id");
        }
        URI redirect = redirectUri(query.get("redirect_uri"));
        URI registered = registeredRedirectUri;
        if (redirect == null || (registered != null && !registered.equals(redirect))) {
            return Reply.text(400, "invalid redirect_uri");
        }
        String returnedState = query.get("state");
        if (!"code".equals(query.get("response_type"))) {
            return redirectWith(redirect, returnedState, Map.of("error", "unsupported_response_type"));
        }
        String challenge = query.get("code_challenge");
        String method = query.getOrDefault("code_challenge_method", "plain"); // RFC 7636 §4.3 default
        if (challenge == null && requirePkce) {
            return redirectWith(redirect, returnedState,
                    Map.of("error", "invalid_request", "error_description", "code_challenge required"));
        }
        if (challenge != null && !method.equals("S256") && !method.equals("plain")) {
            return redirectWith(redirect, returnedState,
                    Map.of("error", "invalid_request", "error_description", "unsupported code_challenge_method"));
        }
        if (denyAuthorization) {
            return redirectWith(redirect, returnedState, Map.of("error", "access_denied"));
        }
        String code = random("sp_code_");
        synchronized (state) {
            String subject = query.get("login_hint");
            if (subject == null || subject.isBlank()) {
                subject = "user-" + (++users);
            }
            codes.put(code, new Code(redirect, challenge, method, subject,
                    query.getOrDefault("scope", ""), now().plus(CODE_LIFETIME)));
        }
        authorizations.incrementAndGet();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        params.putAll(callbackParameters);
        return redirectWith(redirect, returnedState, params);
    }

    private static URI redirectUri(String value) {
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean ok = (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getRawFragment() == null;
            return ok ? uri : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private Reply redirectWith(URI redirect, String state, Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) {
            all.put("state", state);
        }
        String iss = issuer;
        if (iss != null) {
            all.put("iss", iss);
        }
        String separator = redirect.getRawQuery() == null ? "?" : "&";
        return new Reply(302, null, "", Map.of("Location", redirect + separator + encodeForm(all)));
    }

    // ---------------------------------------------------------------------------------------------------- /token

    private Reply token(HttpExchange exchange) throws IOException {
        Map<String, String> body = readBody(exchange);
        String grantType = body.getOrDefault("grant_type", "");
        tokenCallsByGrantType.computeIfAbsent(grantType, k -> new AtomicInteger()).incrementAndGet();
        int inFlight = tokenCallsInFlight.incrementAndGet();
        maxConcurrentTokenCalls.accumulateAndGet(inFlight, Math::max);
        String refreshGrant = null;
        try {
            if (overRateLimit()) {
                rateLimitViolations.incrementAndGet();
                return Reply.json(429, Map.of("error", "rate_limited", "error_description", "hard rate limit"),
                        Map.of("Retry-After", "1"));
            }
            if (grantType.equals("refresh_token")) {
                refreshGrant = grantOf(body.getOrDefault("refresh_token", ""));
                if (refreshGrant != null) {
                    int sameGrant = refreshesInFlightByGrant.computeIfAbsent(refreshGrant, k -> new AtomicInteger())
                            .incrementAndGet();
                    maxConcurrentRefreshesOfOneGrant.accumulateAndGet(sameGrant, Math::max);
                }
            }
            Duration delay = tokenDelay;
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Reply.text(503, "shutting down");
                }
            }
            Answer scripted = scriptedAnswers.poll();
            if (scripted != null) {
                String contentType = scripted.body.startsWith("{") ? "application/json" : "text/html";
                return new Reply(scripted.status, contentType, scripted.body, scripted.headers);
            }
            Reply unauthenticated = authenticateClient(exchange, body);
            if (unauthenticated != null) {
                return unauthenticated;
            }
            return switch (grantType) {
                case "authorization_code" -> exchangeCode(body);
                case "refresh_token" -> refresh(body);
                default -> error(400, "unsupported_grant_type", null);
            };
        } finally {
            if (refreshGrant != null) {
                refreshesInFlightByGrant.get(refreshGrant).decrementAndGet();
            }
            tokenCallsInFlight.decrementAndGet();
        }
    }

    private boolean overRateLimit() {
        int limit = requestsPerSecond;
        if (limit <= 0) {
            return false;
        }
        long now = System.nanoTime();
        synchronized (recentTokenCalls) {
            while (!recentTokenCalls.isEmpty() && now - recentTokenCalls.peekFirst() >= 1_000_000_000L) {
                recentTokenCalls.pollFirst();
            }
            if (recentTokenCalls.size() >= limit) {
                return true;
            }
            recentTokenCalls.addLast(now);
            return false;
        }
    }

    private Reply exchangeCode(Map<String, String> body) {
        String presented = body.get("code");
        synchronized (state) {
            Code code = presented == null ? null : codes.get(presented);
            if (code == null) {
                return error(400, "invalid_grant", "unknown authorization code");
            }
            if (code.issuedGrant != null) {
                // RFC 6749 §4.1.2: a code used twice revokes what it issued.
                code.issuedGrant.revoked = true;
                return error(400, "invalid_grant", "authorization code already used");
            }
            if (!now().isBefore(code.expiresAt)) {
                return error(400, "invalid_grant", "authorization code expired");
            }
            if (!code.redirectUri.toString().equals(body.get("redirect_uri"))) {
                return error(400, "invalid_grant", "redirect_uri does not match the authorization request");
            }
            if (code.challenge != null && !pkceMatches(code, body.get("code_verifier"))) {
                return error(400, "invalid_grant", "PKCE verification failed");
            }
            Grant grant = new Grant("grant-" + (grants.size() + 1), code.subject, code.scope);
            grants.put(grant.id, grant);
            code.issuedGrant = grant;
            return issue(grant, issueRefreshTokens);
        }
    }

    private Reply refresh(Map<String, String> body) {
        String presented = body.get("refresh_token");
        if (presented == null || presented.isEmpty()) {
            return error(400, "invalid_request", "refresh_token missing");
        }
        presentationsByRefreshToken.computeIfAbsent(presented, k -> new AtomicInteger()).incrementAndGet();
        synchronized (state) {
            RefreshToken token = refreshTokens.get(presented);
            if (token == null) {
                return error(400, "invalid_grant", "unknown refresh token");
            }
            if (token.grant.revoked) {
                return error(400, "invalid_grant", "access revoked by the user");
            }
            if (!token.active) {
                if (revokeGrantOnRefreshTokenReuse) {
                    token.grant.revoked = true;
                }
                return error(400, "invalid_grant", "refresh token already used");
            }
            refreshesByGrant.computeIfAbsent(token.grant.id, k -> new AtomicInteger()).incrementAndGet();
            boolean rotate = rotateRefreshTokens;
            if (rotate) {
                token.active = false;
            }
            return issue(token.grant, rotate);
        }
    }

    /** Issues an access token (and a refresh token when asked) for {@code grant}; caller holds {@code state}. */
    private Reply issue(Grant grant, boolean withRefreshToken) {
        Instant now = now();
        Duration stated = statedExpiresIn;
        Duration lifetime = actualLifetime != null ? actualLifetime : stated;
        String access = random("sp_at_");
        accessTokens.put(access, new AccessToken(grant, lifetime == null ? null : now.plus(lifetime)));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("ok", true);
        response.put("access_token", access);
        response.put("token_type", "Bearer");
        if (stated != null) {
            response.put("expires_in", stated.toSeconds());
        }
        if (withRefreshToken) {
            String refresh = random("sp_rt_");
            refreshTokens.put(refresh, new RefreshToken(grant));
            response.put("refresh_token", refresh);
        }
        if (!grant.scope.isEmpty()) {
            response.put("scope", grant.scope);
        }
        return Reply.json(200, response, Map.of("Cache-Control", "no-store"));
    }

    private static boolean pkceMatches(Code code, String verifier) {
        if (verifier == null) {
            return false;
        }
        String expected = code.challengeMethod.equals("S256") ? s256(verifier) : verifier;
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                code.challenge.getBytes(StandardCharsets.US_ASCII));
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 6749 §2.3.1 as configured; null when the client authenticated, else the 401 to send. */
    private Reply authenticateClient(HttpExchange exchange, Map<String, String> body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        boolean ok = switch (clientAuth) {
            case CLIENT_SECRET_BASIC -> basicMatches(authorization) && !body.containsKey("client_secret");
            case CLIENT_SECRET_POST -> authorization == null && clientId.equals(body.get("client_id"))
                    && clientSecret != null && clientSecret.equals(body.get("client_secret"));
            case NONE -> authorization == null && clientId.equals(body.get("client_id"))
                    && !body.containsKey("client_secret");
        };
        if (ok) {
            return null;
        }
        Map<String, String> headers = clientAuth == ClientAuthMethod.CLIENT_SECRET_BASIC
                ? Map.of("WWW-Authenticate", "Basic realm=\"scripted-provider\"")
                : Map.of();
        return Reply.json(401, Map.of("error", "invalid_client"), headers);
    }

    private boolean basicMatches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6) || clientSecret == null) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 && clientId.equals(decode(decoded.substring(0, colon)))
                && clientSecret.equals(decode(decoded.substring(colon + 1)));
    }

    // --------------------------------------------------------------------------------------------------- /revoke

    private Reply revoke(HttpExchange exchange) throws IOException {
        Map<String, String> body = readBody(exchange);
        Reply unauthenticated = authenticateClient(exchange, body);
        if (unauthenticated != null) {
            return unauthenticated;
        }
        String token = body.get("token");
        if (token == null || token.isEmpty()) {
            return error(400, "invalid_request", "token missing");
        }
        revokedTokens.add(token);
        synchronized (state) {
            RefreshToken refresh = refreshTokens.get(token);
            if (refresh != null) {
                refresh.grant.revoked = true; // RFC 7009 §2.1: the grant's access tokens go with it
            }
            AccessToken access = accessTokens.get(token);
            if (access != null) {
                access.revoked = true;
            }
        }
        return new Reply(200, null, "", Map.of());
    }

    // --------------------------------------------------------------------------------------------------- /api/me

    private Reply me(HttpExchange exchange) {
        apiCalls.incrementAndGet();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip()
                : null;
        synchronized (state) {
            AccessToken token = presented == null ? null : accessTokens.get(presented);
            if (token != null && live(token, now())) {
                return Reply.json(200, Map.of("sub", token.grant.subject, "grant", token.grant.id,
                        "scope", token.grant.scope), Map.of());
            }
        }
        apiRejections.incrementAndGet();
        return Reply.json(401, Map.of("error", "invalid_token"),
                Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"")); // RFC 6750 §3
    }

    private static boolean live(AccessToken token, Instant now) {
        return !token.revoked && !token.grant.revoked && (token.expiresAt == null || now.isBefore(token.expiresAt));
    }

    // ------------------------------------------------------------------------------------------------------ HTTP

    private interface Handler {
        Reply handle(HttpExchange exchange) throws IOException;
    }

    private static void handle(HttpExchange exchange, String method, Handler handler) throws IOException {
        try (exchange) {
            Reply reply;
            if (!exchange.getRequestMethod().equals(method)) {
                reply = new Reply(405, "text/plain", "method not allowed", Map.of("Allow", method));
            } else {
                try {
                    reply = handler.handle(exchange);
                } catch (RuntimeException e) {
                    reply = Reply.text(500, "scripted provider failed: " + e);
                }
            }
            reply.headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            if (reply.contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType);
            }
            byte[] bytes = reply.body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    /** A form or JSON body as a flat map of strings (JSON non-strings as their text). */
    private static Map<String, String> readBody(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(64 * 1024);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            Map<String, String> values = new LinkedHashMap<>();
            try {
                JsonNode node = JSON.readTree(text);
                if (node != null && node.isObject()) {
                    node.properties().forEach(e -> values.put(e.getKey(),
                            e.getValue().isValueNode() ? e.getValue().asString() : e.getValue().toString()));
                }
            } catch (JacksonException e) {
                // an unreadable body has no parameters: the grant checks answer invalid_request/invalid_grant
            }
            return values;
        }
        return decodeForm(text);
    }

    private static Map<String, String> decodeForm(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : text.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                values.putIfAbsent(decode(eq < 0 ? pair : pair.substring(0, eq)),
                        eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    private static String encodeForm(Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static Reply error(int status, String code, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        if (description != null) {
            body.put("error_description", description);
        }
        return Reply.json(status, body, Map.of("Cache-Control", "no-store"));
    }

    private static String json(Map<String, ?> value) {
        return JSON.writeValueAsString(value);
    }

    private static String wire(ClientAuthMethod method) {
        return method.name().toLowerCase(Locale.ROOT);
    }

    private static String yamlList(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private String random(String prefix) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private record Reply(int status, String contentType, String body, Map<String, String> headers) {

        static Reply json(int status, Map<String, ?> body, Map<String, String> headers) {
            return new Reply(status, "application/json", ScriptedProvider.json(body), headers);
        }

        static Reply text(int status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body, Map.of());
        }
    }

    private record Answer(int status, String body, Map<String, String> headers) {
    }

    private static final class Code {
        final URI redirectUri;
        final String challenge;
        final String challengeMethod;
        final String subject;
        final String scope;
        final Instant expiresAt;
        Grant issuedGrant;

        Code(URI redirectUri, String challenge, String challengeMethod, String subject, String scope,
                Instant expiresAt) {
            this.redirectUri = redirectUri;
            this.challenge = challenge;
            this.challengeMethod = challengeMethod;
            this.subject = subject;
            this.scope = scope;
            this.expiresAt = expiresAt;
        }
    }

    private static final class Grant {
        final String id;
        final String subject;
        final String scope;
        boolean revoked;

        Grant(String id, String subject, String scope) {
            this.id = id;
            this.subject = subject;
            this.scope = scope;
        }
    }

    private static final class AccessToken {
        final Grant grant;
        final Instant expiresAt;
        boolean revoked;

        AccessToken(Grant grant, Instant expiresAt) {
            this.grant = grant;
            this.expiresAt = expiresAt;
        }
    }

    private static final class RefreshToken {
        final Grant grant;
        boolean active = true;

        RefreshToken(Grant grant) {
            this.grant = grant;
        }
    }
}
