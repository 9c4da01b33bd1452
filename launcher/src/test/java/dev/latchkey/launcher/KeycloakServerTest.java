package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import dev.latchkey.broker.catalog.AuthorizationRequest;
import dev.latchkey.broker.catalog.AuthorizationUrls;
import dev.latchkey.broker.catalog.ConnectionUrls;
import dev.latchkey.broker.catalog.ErrorCategory;
import dev.latchkey.broker.catalog.ExpirySource;
import dev.latchkey.broker.catalog.Pkce;
import dev.latchkey.broker.catalog.PkceMethod;
import dev.latchkey.broker.catalog.PkcePair;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.ProviderRequest;
import dev.latchkey.broker.catalog.ProviderResponse;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenGrant;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.catalog.TokenResponseParser;
import dev.latchkey.broker.catalog.TokenResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The broker-test realm and its catalog entry behave as the token broker needs: a real Keycloak, a real browser
 * signing in, the catalog's own request builders and parser, and Keycloak's answers classified by ErrorClassifier.
 */
class KeycloakServerTest {

    private static final String PROVIDER_ID = "keycloak-test";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static KeycloakServer keycloak;
    private static Provider provider;
    private static ConnectionUrls urls;

    @BeforeAll
    static void loadCatalogEntry(@TempDir Path catalogDir) throws IOException {
        keycloak = KeycloakServer.shared();
        Files.writeString(catalogDir.resolve("50-keycloak.yaml"), keycloak.catalogYaml(PROVIDER_ID));
        provider = new ProviderCatalog(catalogDir).get(PROVIDER_ID);
        urls = provider.resolveUrls(Map.of());
    }

    @Test
    void whenCatalogFileIsLoadedThenProviderResolvesToTheRealmEndpoints(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("keycloak.yaml"), keycloak.catalogYaml("kc-other"));
        ProviderCatalog catalog = new ProviderCatalog(dir);

        Provider entry = catalog.get("kc-other");
        assertThat(catalog.sourceOf("kc-other")).isEqualTo(dir.resolve("keycloak.yaml").toString());
        assertThat(catalog.overriddenIds()).isEmpty();
        assertThat(entry.allowInsecureForTesting()).isTrue();
        assertThat(entry.authorize().pkce()).isEqualTo(PkceMethod.S256);
        assertThat(entry.refreshToken().rotates()).isTrue();
        ConnectionUrls resolved = entry.resolveUrls(Map.of());
        String endpoints = keycloak.issuer() + "/protocol/openid-connect";
        assertThat(resolved.authorize()).isEqualTo(URI.create(endpoints + "/auth"));
        assertThat(resolved.token()).isEqualTo(URI.create(endpoints + "/token"));
        assertThat(resolved.refresh()).isEqualTo(resolved.token());
        assertThat(resolved.revoke().template()).isEqualTo(endpoints + "/revoke");
        assertThat(resolved.issuer()).isEqualTo(URI.create(keycloak.issuer()));
        assertThat(entry.authorize().issParameterSupported()).isTrue();
    }

    @Test
    void whenDiscoveryDocumentIsReadThenItNamesTheCatalogEndpoints() {
        HttpResponse<String> response = get(keycloak.issuer() + "/.well-known/openid-configuration");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode discovery = Http.JSON.readTree(response.body());
        assertThat(discovery.path("issuer").asString()).isEqualTo(urls.issuer().toString());
        // RFC 9207 §3: what the catalog's issParameterSupported repeats.
        assertThat(discovery.path("authorization_response_iss_parameter_supported").asBoolean())
                .isEqualTo(provider.authorize().issParameterSupported()).isTrue();
        assertThat(discovery.path("authorization_endpoint").asString()).isEqualTo(urls.authorize().toString());
        assertThat(discovery.path("token_endpoint").asString()).isEqualTo(urls.token().toString());
        assertThat(discovery.path("revocation_endpoint").asString()).isEqualTo(urls.revoke().template());
        assertThat(texts(discovery.path("code_challenge_methods_supported"))).contains("S256");
        assertThat(texts(discovery.path("token_endpoint_auth_methods_supported")))
                .contains(provider.tokenRequest().clientAuth().wireName());
    }

    @Test
    void whenRefreshTokenRotatesThenTheReplacedOneIsReauthRequiredAndEndsTheSession() {
        TokenGrant connected = connect(KeycloakServer.ALICE);
        assertThat(connected.refreshToken()).isNotNull();
        assertThat(connected.expirySource()).isEqualTo(ExpirySource.PROVIDER);
        assertThat(connected.statedLifetime()).isEqualTo(Duration.ofSeconds(20));
        assertThat(connected.refreshTokenExpiresAt()).isAfter(Instant.now().plus(Duration.ofMinutes(29)));
        assertThat(connected.scopes()).contains("openid");

        TokenGrant refreshed = (TokenGrant) refresh(connected.refreshToken());
        assertThat(refreshed.refreshToken()).isNotNull().isNotEqualTo(connected.refreshToken());
        assertThat(refreshed.accessToken()).isNotEqualTo(connected.accessToken());

        ProviderError replayed = (ProviderError) refresh(connected.refreshToken());
        assertThat(replayed.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(replayed.status()).isEqualTo(400);
        assertThat(replayed.code()).isEqualTo("invalid_grant");
        assertThat(replayed.description()).isEqualTo("Maximum allowed refresh token reuse exceeded");

        // Keycloak treats the replay as theft: the client's session ends, so the newest refresh token is dead too.
        ProviderError newest = (ProviderError) refresh(refreshed.refreshToken());
        assertThat(newest.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(newest.code()).isEqualTo("invalid_grant");
        assertThat(newest.description()).isEqualTo("Session doesn't have required client");
    }

    @Test
    void whenAllSessionsOfTheUserAreLoggedOutThenRefreshIsReauthRequired() {
        TokenGrant connected = connect(KeycloakServer.BOB);
        TokenGrant refreshed = (TokenGrant) refresh(connected.refreshToken());
        assertThat(keycloak.sessionCount(KeycloakServer.BOB.username())).isPositive();

        keycloak.logoutAllSessions(KeycloakServer.BOB.username());

        assertThat(keycloak.sessionCount(KeycloakServer.BOB.username())).isZero();
        ProviderError error = (ProviderError) refresh(refreshed.refreshToken());
        assertThat(error.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("invalid_grant");
        assertThat(error.description()).isEqualTo("Session not active");
    }

    @Test
    void whenBrokerRevokesTheRefreshTokenThenRefreshIsReauthRequired() {
        TokenGrant connected = connect(KeycloakServer.ALICE);

        ProviderResponse revoked = send(TokenRequests.revocation(provider, urls, keycloak.clientCredentials(),
                connected.refreshToken()));

        assertThat(revoked.status()).isEqualTo(200);
        ProviderError error = (ProviderError) refresh(connected.refreshToken());
        assertThat(error.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(error.code()).isEqualTo("invalid_grant");
    }

    @Test
    void whenAccessTokenLifespanIsShortenedThenRefreshedTokensCarryIt() {
        TokenGrant connected = connect(KeycloakServer.ALICE);
        Duration previous = keycloak.setAccessTokenLifespan(Duration.ofSeconds(3));
        try {
            TokenGrant refreshed = (TokenGrant) refresh(connected.refreshToken());

            assertThat(refreshed.statedLifetime()).isEqualTo(Duration.ofSeconds(3));
            assertThat(refreshed.expiresAt()).isBefore(Instant.now().plusSeconds(3));
        } finally {
            keycloak.setAccessTokenLifespan(previous);
        }
        assertThat(previous).isEqualTo(Duration.ofSeconds(20));
    }

    /**
     * The connect flow as the broker will run it: authorize URL and PKCE from the catalog, the user signing in at
     * Keycloak in Chromium, the callback caught on a loopback port, the code exchanged with the catalog's request.
     */
    private static TokenGrant connect(KeycloakServer.User user) {
        CompletableFuture<Map<String, String>> callback = new CompletableFuture<>();
        HttpServer server = callbackServer(callback);
        try {
            URI redirectUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/connect/callback");
            String state = UUID.randomUUID().toString();
            PkcePair pkce = Pkce.forProvider(provider, RANDOM);
            URI authorize = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(
                    keycloak.clientCredentials(), redirectUri, state, List.of(), pkce, Map.of()));

            try (BrowserContext context = TestBrowser.get().newContext()) {
                Page page = context.newPage();
                page.navigate(authorize.toString());
                page.locator("#username").fill(user.username());
                page.locator("#password").fill(user.password());
                page.screenshot(new Page.ScreenshotOptions()
                        .setPath(TestBrowser.SCREENSHOTS.resolve("keycloak-login.png")));
                page.locator("#kc-login").click();
                Map<String, String> query = callback.get(30, TimeUnit.SECONDS);

                assertThat(query.get("state")).isEqualTo(state);
                assertThat(query.get("iss")).isEqualTo(keycloak.issuer());
                assertThat(query).containsKey("code").doesNotContainKey("error");
                Instant now = Instant.now();
                TokenResult result = TokenResponseParser.parse(provider, send(TokenRequests.authorizationCode(
                        provider, urls, keycloak.clientCredentials(), Secret.of(query.get("code")), redirectUri,
                        pkce.verifier(), List.of())), query, now);
                assertThat(result).isInstanceOf(TokenGrant.class);
                return (TokenGrant) result;
            }
        } catch (Exception e) {
            throw new AssertionError("connecting " + user.username() + " failed (Keycloak log: "
                    + keycloak.logFile() + ")", e);
        } finally {
            server.stop(0);
        }
    }

    private static TokenResult refresh(Secret refreshToken) {
        return TokenResponseParser.parse(provider,
                send(TokenRequests.refresh(provider, urls, keycloak.clientCredentials(), refreshToken, List.of())),
                Map.of(), Instant.now());
    }

    /** A one-path HTTP server on a free loopback port, as the broker's callback endpoint. */
    private static HttpServer callbackServer(CompletableFuture<Map<String, String>> callback) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/connect/callback", exchange -> {
                callback.complete(Http.query(exchange.getRequestURI().toString()));
                byte[] body = "connected".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a catalog-built request as it is, as any HTTP client of the broker would. */
    private static ProviderResponse send(ProviderRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri()).timeout(Duration.ofSeconds(30));
        request.headers().forEach(builder::header);
        String body = request.encodedBody();
        builder.method(request.method().name(), body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = exchange(builder.build());
        return new ProviderResponse(response.statusCode(), response.headers().map(), response.body());
    }

    private static HttpResponse<String> get(String url) {
        return exchange(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    private static HttpResponse<String> exchange(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
