package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.access.BrokerScopes;
import dev.latchkey.broker.credential.CredentialCache;
import dev.latchkey.broker.provider.ScriptedProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The token broker's test world, created once per JVM before {@link TestServer} starts (the broker reads its
 * catalog at start-up): local scripted providers (real HTTP OAuth servers, {@link ScriptedProvider}) declared under
 * fixed provider ids, Keycloak's catalog entry on a reserved port (Keycloak itself starts in the background), and
 * fixtures for service clients, connections and tokens over the real broker API.
 */
public final class BrokerTestbed {

    /** Expires in an hour, does not rotate. Tests script lifetimes and failures per test. */
    public static final String STANDARD = "scripted";
    /** Rotates refresh tokens. */
    public static final String ROTATING = "scripted-rotating";
    /** Slack-like: tokens never expire, no refresh token. */
    public static final String NEVER = "scripted-never";
    /** Salesforce-like: no stated expiry; refresh when the API answers 401. */
    public static final String UNKNOWN = "scripted-unknown";
    /** An API-key provider (no OAuth at all). */
    public static final String API_KEY = "scripted-apikey";
    /** RFC 9207: puts {@code iss} (its base URL) in every authorization response; catalogued with that issuer. */
    public static final String ISSUER = "scripted-iss";
    public static final String KEYCLOAK = "keycloak-test";

    private static BrokerTestbed instance;

    private final Map<String, ScriptedProvider> providers = new LinkedHashMap<>();
    private final Map<String, Consumer<ScriptedProvider>> declaredBehaviour = new LinkedHashMap<>();
    private final Path catalogDir;

    private BrokerTestbed() {
        try {
            catalogDir = Files.createTempDirectory("latchkey-broker-catalog-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        declare(STANDARD, new ScriptedProvider.CatalogOptions().skewSeconds(1), provider -> { });
        declare(ROTATING, new ScriptedProvider.CatalogOptions().skewSeconds(1).rotates(true),
                provider -> provider.rotateRefreshTokens(true));
        declare(NEVER, new ScriptedProvider.CatalogOptions().expiryPolicy("never").revocation(false)
                .reauthCodes("invalid_auth", "token_revoked"), provider -> provider.issueRefreshTokens(false));
        declare(UNKNOWN, new ScriptedProvider.CatalogOptions().expiryPolicy("unknown"), provider -> { });
        declare(ISSUER, provider -> new ScriptedProvider.CatalogOptions().issuer(issuerOf(provider))
                .issParameterSupported(true), provider -> provider.issuer(issuerOf(provider)));
        write(API_KEY + ".yaml", """
                catalogVersion: "1.0.0"
                providers:
                  %s:
                    displayName: Scripted API-key service
                    authMode: api_key
                    allowInsecureForTesting: true
                    urls: { api: "http://127.0.0.1:9/api" }
                    apiKey: { placement: header, name: Authorization, prefix: "Bearer " }
                """.formatted(API_KEY));
        write(KEYCLOAK + ".yaml", KeycloakServer.catalogYaml(KEYCLOAK, KeycloakServer.reservedPort(), "26.7.3"));
        KeycloakServer.startInBackground();
    }

    public static synchronized BrokerTestbed get() {
        if (instance == null) {
            instance = new BrokerTestbed();
        }
        return instance;
    }

    /** Server arguments that point the broker at this testbed (used by {@link TestServer}). */
    List<String> serverArguments() {
        return List.of(
                "--latchkey.broker.catalog-dir=" + catalogDir,
                "--latchkey.broker.refresh.poll-interval=200ms",
                "--latchkey.broker.refresh.fresh-rejection-window=2s",
                "--latchkey.broker.refresh.backoff-base=500ms",
                "--latchkey.broker.refresh.min-learned-lifetime=3s",
                "--latchkey.broker.read-audit-interval=1s",
                "--latchkey.broker.webhooks.allow-insecure-loopback=true",
                "--latchkey.broker.webhooks.poll-interval=200ms",
                "--latchkey.broker.webhooks.base-backoff=500ms");
    }

    public Path catalogDir() {
        return catalogDir;
    }

    public ScriptedProvider provider(String id) {
        ScriptedProvider provider = providers.get(id);
        if (provider == null) {
            throw new IllegalArgumentException("no scripted provider " + id);
        }
        return provider;
    }

    /** Puts every scripted provider back to its declared behaviour, counters at zero. */
    public void reset() {
        providers.forEach((id, provider) -> {
            provider.clearScriptedAnswers().resetCounters();
            provider.statedExpiresIn(Duration.ofHours(1)).actualLifetime(null).tokenDelay(Duration.ZERO)
                    .hardRateLimit(0).issuer(null);
            declaredBehaviour.get(id).accept(provider);
        });
    }

    /** The issuer identifier a scripted provider states when it speaks RFC 9207: its base URL. */
    public static String issuerOf(ScriptedProvider provider) {
        return provider.baseUri().toString();
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    /** A service client of the authz-server with the given broker scopes, allowed the given tenants. */
    public record Service(String clientId, String clientSecret, String token) {
        public String bearer() {
            return TestOAuth.bearer(token);
        }
    }

    public static Service service(List<String> tenants, String... scopes) {
        String scope = String.join(" ", scopes.length == 0
                ? new String[] {BrokerScopes.TOKEN_READ, BrokerScopes.TOKEN_REFRESH, BrokerScopes.CONNECTIONS_MANAGE}
                : scopes);
        Http api = Http.api();
        TestOAuth.App app = TestOAuth.app(TestOAuth.team(), Map.of("grantTypes", List.of("client_credentials"),
                "scopes", List.of(scope.split(" ")), "redirectUris", List.of()));
        String clientId = app.clientId();
        String secret = app.clientSecret();
        HttpResponse<String> allowed = api.sendJson("PUT", "/admin/v1/broker/callers/" + clientId,
                Map.of("tenants", tenants), "Authorization", TestOAuth.bearer(TestOAuth.adminToken()));
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        HttpResponse<String> token = api.postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", scope),
                "Authorization", Http.basic(clientId, secret));
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        return new Service(clientId, secret, Http.json(token).path("access_token").asText());
    }

    /** Registers our OAuth client at a provider (deployment default). */
    public static void registerProviderApp(String providerId, String clientId, String clientSecret) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientId", clientId);
        body.put("clientSecret", clientSecret);
        HttpResponse<String> response = Http.api().sendJson("PUT", "/admin/v1/broker/providers/" + providerId + "/app",
                body, "Authorization", TestOAuth.bearer(TestOAuth.adminToken()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Opens a connect session; returns its JSON (id, connect_url, expires_at). */
    public static JsonNode openSession(Service service, String tenant, String endUser, String provider) {
        HttpResponse<String> response = Http.api().postJson("/broker/v1/connect-sessions",
                Map.of("tenant", tenant, "endUser", endUser, "provider", provider), "Authorization", service.bearer());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return Http.json(response);
    }

    /**
     * Connects an account at a scripted provider the way a browser would, without one: connect page, the CSRF-protected
     * "continue" form, the provider's (automatic) approval, the callback with the browser-binding cookie.
     *
     * @return the new connection's id
     */
    public UUID connect(Service service, String tenant, String endUser, String providerId) {
        ScriptedProvider provider = provider(providerId);
        provider.registeredRedirectUri(URI.create(TestServer.get().baseUrl() + "/connect/callback"));
        registerProviderApp(providerId, provider.clientId(), ScriptedProvider.DEFAULT_CLIENT_SECRET);
        JsonNode session = openSession(service, tenant, endUser, providerId);
        Http browser = Http.browser();
        String page = path(session.path("connect_url").asText());
        HttpResponse<String> shown = browser.get(page);
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        HttpResponse<String> continued = browser.postForm(page, Map.of("_csrf", TestOAuth.csrf(shown.body())));
        assertThat(continued.statusCode()).as(continued.body()).isEqualTo(302);
        URI callback = provider.approve(URI.create(continued.headers().firstValue("Location").orElseThrow()));
        HttpResponse<String> done = browser.get(path(callback.toString()));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("Connected");
        HttpResponse<String> status = Http.api().get("/broker/v1/connect-sessions/" + session.path("id").asText(),
                "Authorization", service.bearer());
        return UUID.fromString(Http.json(status).path("connectionId").asText());
    }

    /** Connects an API key through a connect session's form. */
    public static UUID connectApiKey(Service service, String tenant, String endUser, String apiKey) {
        JsonNode session = openSession(service, tenant, endUser, API_KEY);
        Http browser = Http.browser();
        String page = path(session.path("connect_url").asText());
        HttpResponse<String> shown = browser.get(page);
        HttpResponse<String> done = browser.postForm(page + "/secret",
                Map.of("_csrf", TestOAuth.csrf(shown.body()), "secret", apiKey));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        HttpResponse<String> status = Http.api().get("/broker/v1/connect-sessions/" + session.path("id").asText(),
                "Authorization", service.bearer());
        return UUID.fromString(Http.json(status).path("connectionId").asText());
    }

    public static HttpResponse<String> fetch(Service service, UUID connection) {
        return Http.api().get("/broker/v1/connections/" + connection + "/token", "Authorization", service.bearer());
    }

    public static HttpResponse<String> report(Service service, UUID connection, Long version) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (version != null) {
            body.put("version", version);
        }
        return Http.api().postJson("/broker/v1/connections/" + connection + "/token/refresh", body,
                "Authorization", service.bearer());
    }

    /** A {@code count(*)} over the test server's database. */
    public static int count(String sql, Object... binds) {
        return ((Number) TestServer.get().dsl().fetchValue(sql, binds)).intValue();
    }

    /** The path and query of an absolute URL on the test server. */
    public static String path(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private void declare(String id, ScriptedProvider.CatalogOptions options,
            Consumer<ScriptedProvider> setup) {
        declare(id, provider -> options, setup);
    }

    /** Starts a scripted provider, gives it its behaviour and writes its catalog entry (which may depend on it). */
    private void declare(String id, Function<ScriptedProvider, ScriptedProvider.CatalogOptions> options,
            Consumer<ScriptedProvider> setup) {
        ScriptedProvider provider = ScriptedProvider.start();
        setup.accept(provider);
        provider.writeCatalog(catalogDir, id, options.apply(provider));
        providers.put(id, provider);
        declaredBehaviour.put(id, setup);
    }

    private void write(String file, String content) {
        try {
            Files.writeString(catalogDir.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> found(Pattern pattern, String text) {
        List<String> result = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            result.add(matcher.group(1));
        }
        return result;
    }

    /**
     * Tests change credentials with SQL behind the broker's back (to expire a token now). Every node hears such a
     * change through the V5 triggers within milliseconds ({@code CredentialCacheTest} proves it); tests about
     * something else make their nodes forget the connection at once instead of racing that notification.
     */
    public static void forgetCached(UUID connection, SecondNode... otherNodes) {
        TestServer.get().bean(CredentialCache.class).evict(connection);
        for (SecondNode node : otherNodes) {
            node.bean(CredentialCache.class).evict(connection);
        }
    }
}
