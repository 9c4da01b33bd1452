package dev.latchkey.launcher;

import static dev.latchkey.launcher.BrokerTestbed.fetch;
import static dev.latchkey.launcher.BrokerTestbed.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.Route;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.connect.ConnectSessions;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.StoredCredential;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The token broker with Keycloak as a real third-party provider: the end user signs in on Keycloak's own login page
 * in headless Chromium, the broker exchanges the code (PKCE, client_secret_basic) at Keycloak, keeps the tokens fresh
 * with Keycloak's rotating, single-use refresh tokens, and notices when Keycloak has ended the user's sessions.
 * Every token the broker hands out is checked where it matters, at Keycloak's userinfo endpoint.
 *
 * <p>Nothing here prints a token: tokens are compared by {@link Secret#fingerprint()} and assertion messages carry
 * only problem bodies.
 */
class KeycloakBrokerTest {

    private static final String TENANT = "kc-tenant-x";
    /** Keycloak's lifespan for the proactive-refresh test: the broker trusts max(10 - 5, 10 / 2) = 5 s of it. */
    private static final Duration SHORT_LIFESPAN = Duration.ofSeconds(10);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final double BROWSER_TIMEOUT_MILLIS = 30_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static KeycloakServer keycloak;

    @BeforeAll
    static void registerTheBrokerAtKeycloak() {
        TestServer.get();
        keycloak = KeycloakServer.shared();
        // The broker read its catalog (written for the reserved port) before Keycloak was up.
        assertThat(keycloak.port()).as("Keycloak had to move off its reserved port; the broker's catalog points there")
                .isEqualTo(KeycloakServer.reservedPort());
        BrokerTestbed.registerProviderApp(BrokerTestbed.KEYCLOAK, KeycloakServer.CLIENT_ID, KeycloakServer.CLIENT_SECRET);
    }

    @Test
    void whenUserSignsInAtKeycloakThenTheConnectionServesATokenKeycloakAccepts() {
        // The callback is held to RFC 9207: Keycloak's iss must be the catalogued realm URL, and must be there.
        Provider catalogued = TestServer.get().bean(ProviderCatalog.class).get(BrokerTestbed.KEYCLOAK);
        assertThat(catalogued.resolveUrls(Map.of()).issuer()).hasToString(keycloak.issuer());
        assertThat(catalogued.authorize().issParameterSupported()).isTrue();
        var service = BrokerTestbed.service(List.of(TENANT));
        JsonNode session = BrokerTestbed.openSession(service, TENANT, "end-user-alice", BrokerTestbed.KEYCLOAK);

        try (BrowserContext context = browser()) {
            Page page = context.newPage();
            page.navigate(session.path("connect_url").asText());
            assertThat(page.locator("#title").textContent()).contains("Keycloak");
            page.locator("#continue").click();
            page.waitForURL(url -> url.startsWith(keycloak.issuer() + "/protocol/openid-connect/auth"));
            Map<String, String> authorize = Http.query(page.url());
            // Values are compared one by one: a failure message must not print the state.
            assertThat(authorize.keySet()).contains("state", "code_challenge");
            assertThat(authorize.get("client_id")).isEqualTo(KeycloakServer.CLIENT_ID);
            assertThat(authorize.get("redirect_uri"))
                    .isEqualTo(TestServer.get().baseUrl() + ConnectSessions.CALLBACK_PATH);
            assertThat(authorize.get("code_challenge_method")).isEqualTo("S256");

            Response callback = signIn(page, KeycloakServer.ALICE);

            assertThat(callback.status()).isEqualTo(200);
            assertThat(page.locator("#connected #title").textContent()).isEqualTo("Connected");
        }
        JsonNode status = sessionStatus(service, session);
        assertThat(status.path("status").asText()).isEqualTo("completed");
        UUID connection = UUID.fromString(status.path("connectionId").asText());

        HttpResponse<String> fetched = fetch(service, connection);

        assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
        JsonNode token = Http.json(fetched);
        assertThat(token.path("kind").asText()).isEqualTo("oauth2");
        assertThat(token.path("provider").asText()).isEqualTo(BrokerTestbed.KEYCLOAK);
        assertThat(token.path("tenant").asText()).isEqualTo(TENANT);
        assertThat(token.path("version").asLong()).isEqualTo(1);
        assertThat(token.path("refreshed").asBoolean()).isFalse();
        String accessToken = token.path("access_token").asText();
        assertThat(userinfo(accessToken).path("preferred_username").asText()).isEqualTo("alice");
        JsonNode view = connectionStatus(service, connection);
        assertThat(view.path("status").asText()).isEqualTo("active");
        assertThat(view.path("endUser").asText()).isEqualTo("end-user-alice");
        assertThat(view.path("credential").path("expirySource").asText()).isEqualTo("provider");
        assertThat(view.path("credential").path("hasRefreshToken").asBoolean()).isTrue();

        // Deleting the connection revokes the refresh token at Keycloak, which ends the grant's session there.
        HttpResponse<String> deleted = Http.api().delete("/broker/v1/connections/" + connection,
                "Authorization", service.bearer());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(Http.json(deleted).path("upstream_revoked").asBoolean()).isTrue();
        assertThat(userinfoStatus(accessToken)).isEqualTo(401);
    }

    @Test
    void whenCallbackStateIsMadeUpOrArrivesInAnotherBrowserThenNotConnectedAndTheGenuineCallbackStillWorks() {
        HttpResponse<String> madeUp = Http.browser().get(ConnectSessions.CALLBACK_PATH + "?state=" + randomValue()
                + "&code=" + randomValue() + "&iss=" + keycloak.issuer());

        assertThat(madeUp.statusCode()).isEqualTo(400);
        assertThat(madeUp.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(madeUp.body()).contains("Not connected").contains("invalid_session")
                .doesNotContain("Exception").doesNotContain("Whitelabel");

        var service = BrokerTestbed.service(List.of(TENANT));
        JsonNode session = BrokerTestbed.openSession(service, TENANT, "end-user-tampered", BrokerTestbed.KEYCLOAK);
        UUID connection;
        try (BrowserContext context = browser()) {
            Page page = context.newPage();
            // Hold Keycloak's redirect back (its answer to the sign-in form), so the test can present it altered,
            // elsewhere, and as it is. A route sees only the first request of a redirect chain, hence this one.
            AtomicReference<String> held = new AtomicReference<>();
            Predicate<String> isSignIn = url -> url.startsWith(keycloak.issuer() + "/login-actions/authenticate");
            context.route(isSignIn, route -> {
                APIResponse answer = route.fetch(new Route.FetchOptions().setMaxRedirects(0));
                held.compareAndSet(null, answer.headers().get("location"));
                route.fulfill(new Route.FulfillOptions().setStatus(200).setContentType("text/plain").setBody("held"));
            });
            page.navigate(session.path("connect_url").asText());
            page.locator("#continue").click();
            page.locator("#username").fill(KeycloakServer.ALICE.username());
            page.locator("#password").fill(KeycloakServer.ALICE.password());
            page.waitForResponse(response -> isSignIn.test(response.url()), () -> page.locator("#kc-login").click());
            context.unroute(isSignIn);
            String genuine = held.get();
            assertThat(genuine != null && genuine.startsWith(
                    TestServer.get().baseUrl() + ConnectSessions.CALLBACK_PATH + "?"))
                    .as("Keycloak redirected the signed-in user to the broker's callback").isTrue();
            Map<String, String> query = Http.query(genuine);
            assertThat(query.keySet()).contains("code", "state").doesNotContain("error");
            assertThat(query.get("iss")).isEqualTo(keycloak.issuer());

            Response tampered = page.navigate(genuine.replaceFirst("([?&])state=[^&]*", "$1state=" + randomValue()));

            assertThat(tampered.status()).isEqualTo(400);
            assertThat(page.locator("#not-connected #title").textContent()).isEqualTo("Not connected");
            assertThat(page.locator("#not-connected code").textContent()).isEqualTo("invalid_session");
            assertThat(sessionStatus(service, session).path("status").asText()).isEqualTo("authorizing");

            // The real callback URL without the browser-binding cookie: a stolen link is no use.
            HttpResponse<String> elsewhere = Http.browser().get(BrokerTestbed.path(genuine));
            assertThat(elsewhere.statusCode()).isEqualTo(400);
            assertThat(elsewhere.body()).contains("Not connected").contains("wrong_browser");
            assertThat(sessionStatus(service, session).path("status").asText()).isEqualTo("authorizing");

            Response arrived = page.navigate(genuine);
            assertThat(arrived.status()).isEqualTo(200);
            assertThat(page.locator("#connected #title").textContent()).isEqualTo("Connected");
            JsonNode completed = sessionStatus(service, session);
            assertThat(completed.path("status").asText()).isEqualTo("completed");
            connection = UUID.fromString(completed.path("connectionId").asText());

            Response replayed = page.navigate(genuine);
            assertThat(replayed.status()).isEqualTo(400);
            assertThat(page.locator("#not-connected code").textContent()).isEqualTo("invalid_session");
        }
        HttpResponse<String> fetched = fetch(service, connection);
        assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
        assertThat(userinfo(Http.json(fetched).path("access_token").asText()).path("preferred_username").asText())
                .isEqualTo("alice");
        assertThat(BrokerTestbed.count("select count(*)::int from connections where tenant_id = ? and end_user = ?",
                TENANT, "end-user-tampered")).isEqualTo(1);
        delete(service, connection);
    }

    @Test
    void whenAccessTokensLiveSecondsThenTheEngineRefreshesAheadOfExpiryAndStoresEveryRotatedRefreshToken() {
        var service = BrokerTestbed.service(List.of(TENANT));
        CredentialStore store = TestServer.get().bean(CredentialStore.class);
        CredentialSealer sealer = TestServer.get().bean(CredentialSealer.class);
        Duration previous = keycloak.setAccessTokenLifespan(SHORT_LIFESPAN);
        UUID connection = null;
        try {
            connection = connect(service, "end-user-rotating", KeycloakServer.ALICE);

            // Never fetch here: only the proactive engine may renew. Each version's tokens are read from the store
            // (as the fetch would, without its refresh-before-serving) and tried at Keycloak.
            Map<Long, String> accessPrints = new LinkedHashMap<>();
            Map<Long, String> refreshPrints = new LinkedHashMap<>();
            Instant deadline = Instant.now().plus(PATIENCE);
            JsonNode view;
            while (true) {
                view = connectionStatus(service, connection);
                assertThat(view.path("status").asText()).as(view.toString()).isEqualTo("active");
                assertThat(view.path("credential").path("failureCount").asInt()).as(view.toString()).isZero();
                StoredCredential stored = store.find(connection).orElseThrow();
                if (!accessPrints.containsKey(stored.version())) {
                    Secret access = sealer.openAccess(stored);
                    assertThat(userinfo(access.reveal()).path("preferred_username").asText())
                            .as("version %d at userinfo", stored.version()).isEqualTo("alice");
                    accessPrints.put(stored.version(), access.fingerprint());
                    refreshPrints.put(stored.version(), sealer.openRefresh(stored).fingerprint());
                }
                if (view.path("credential").path("refreshCount").asLong() >= 2 && accessPrints.size() >= 3) {
                    break;
                }
                assertThat(Instant.now()).as("two proactive refreshes within %s; status %s", PATIENCE, view)
                        .isBefore(deadline);
                pause(Duration.ofMillis(200));
            }

            JsonNode credential = view.path("credential");
            assertThat(credential.path("version").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(Instant.parse(credential.path("lastRefreshedAt").asText()))
                    .isAfter(Instant.parse(view.path("createdAt").asText()));
            // Keycloak states 10 s; the catalog's 5 s skew leaves 5 s trusted (counted from before the token request,
            // so a little less from issuedAt), renewed when 20 to 25 % of that is left.
            Instant issued = Instant.parse(credential.path("issuedAt").asText());
            long trusted = Duration.between(issued, Instant.parse(credential.path("expiresAt").asText())).toMillis();
            long renewal = Duration.between(issued, Instant.parse(credential.path("nextRefreshAt").asText())).toMillis();
            assertThat(trusted).isBetween(3_000L, 5_000L);
            assertThat(renewal).isBetween((long) (trusted * 0.75) - 5, (long) (trusted * 0.8) + 5);
            assertThat(accessPrints.values()).doesNotHaveDuplicates();
            // Keycloak rotated the refresh token at every refresh and the broker kept each new one: with
            // refreshTokenMaxReuse 0 a stale one would have ended the session and the connection with it.
            assertThat(refreshPrints.values()).doesNotHaveDuplicates();
            assertThat(BrokerTestbed.count("""
                    select count(*)::int from audit_events where action = 'connection.refreshed' and target_id = ?
                       and details->>'trigger' = 'proactive' and details->>'refresh_token_rotated' = 'true'""",
                    connection.toString())).isGreaterThanOrEqualTo(2);
            assertThat(BrokerTestbed.count("""
                    select count(*)::int from audit_events where target_id = ?
                       and (action in ('connection.refresh_failed', 'connection.needs_reauth')
                            or (action = 'connection.refreshed' and details->>'trigger' <> 'proactive'))""",
                    connection.toString())).isZero();

            HttpResponse<String> fetched = fetch(service, connection);
            assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
            JsonNode token = Http.json(fetched);
            assertThat(token.path("version").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(userinfo(token.path("access_token").asText()).path("preferred_username").asText())
                    .isEqualTo("alice");
        } finally {
            if (connection != null) {
                delete(service, connection);
            }
            keycloak.setAccessTokenLifespan(previous);
        }
    }

    @Test
    void whenKeycloakEndsTheUsersSessionsThenTheNextRefreshMarksTheConnectionNeedsReauth() {
        var service = BrokerTestbed.service(List.of(TENANT));
        UUID connection = connect(service, "end-user-bob", KeycloakServer.BOB);
        HttpResponse<String> before = fetch(service, connection);
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
        assertThat(keycloak.sessionCount(KeycloakServer.BOB.username())).isPositive();

        // Due now, and out of the proactive engine's reach: the next fetch is the one that meets Keycloak's refusal.
        TestServer.get().dsl().execute("""
                update credentials set expires_at = now() - interval '1 second', next_refresh_at = null
                 where connection_id = ?""", connection);
        BrokerTestbed.forgetCached(connection);

        keycloak.logoutAllSessions(KeycloakServer.BOB.username());
        HttpResponse<String> refused = fetch(service, connection);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(Http.json(refused).path("type").asText()).endsWith("/needs_reauth");
        JsonNode view = connectionStatus(service, connection);
        assertThat(view.path("status").asText()).isEqualTo("needs_reauth");
        assertThat(view.path("statusReason").asText()).isEqualTo("invalid_grant");
        assertThat(view.path("credential").path("nextRefreshAt").isNull()).isTrue();
        assertThat(BrokerTestbed.count("""
                select count(*)::int from audit_events where action = 'connection.needs_reauth' and target_id = ?
                   and details->>'trigger' = 'fetch' and details->>'reason' = 'invalid_grant'""",
                connection.toString())).isEqualTo(1);

        // Settled: later fetches and reports answer needs_reauth before any refresh (no second event).
        assertThat(fetch(service, connection).statusCode()).isEqualTo(409);
        assertThat(report(service, connection, Http.json(before).path("version").asLong()).statusCode())
                .isEqualTo(409);
        assertThat(BrokerTestbed.count(
                "select count(*)::int from audit_events where action = 'connection.needs_reauth' and target_id = ?",
                connection.toString())).isEqualTo(1);
        delete(service, connection);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Connects the user's Keycloak account in Chromium, through the connect page and Keycloak's login page. */
    private static UUID connect(BrokerTestbed.Service service, String endUser, KeycloakServer.User user) {
        JsonNode session = BrokerTestbed.openSession(service, TENANT, endUser, BrokerTestbed.KEYCLOAK);
        try (BrowserContext context = browser()) {
            Page page = context.newPage();
            page.navigate(session.path("connect_url").asText());
            page.locator("#continue").click();
            Response callback = signIn(page, user);
            assertThat(callback.status()).isEqualTo(200);
            assertThat(page.locator("#connected #title").textContent()).isEqualTo("Connected");
        }
        JsonNode status = sessionStatus(service, session);
        assertThat(status.path("status").asText()).as(status.toString()).isEqualTo("completed");
        return UUID.fromString(status.path("connectionId").asText());
    }

    /** Signs in on Keycloak's login page; returns the response to the redirect back to the broker. */
    private static Response signIn(Page page, KeycloakServer.User user) {
        page.locator("#username").fill(user.username());
        page.locator("#password").fill(user.password());
        String callback = TestServer.get().baseUrl() + ConnectSessions.CALLBACK_PATH + "?";
        return page.waitForResponse(response -> response.url().startsWith(callback),
                () -> page.locator("#kc-login").click());
    }

    /** A fresh browser profile: no Keycloak SSO cookie, so every connect is a new sign-in and a new session. */
    private static BrowserContext browser() {
        BrowserContext context = TestBrowser.get().newContext();
        context.setDefaultTimeout(BROWSER_TIMEOUT_MILLIS);
        context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MILLIS);
        return context;
    }

    private static JsonNode sessionStatus(BrokerTestbed.Service service, JsonNode session) {
        HttpResponse<String> response = Http.api().get("/broker/v1/connect-sessions/" + session.path("id").asText(),
                "Authorization", service.bearer());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static JsonNode connectionStatus(BrokerTestbed.Service service, UUID connection) {
        HttpResponse<String> response = Http.api().get("/broker/v1/connections/" + connection,
                "Authorization", service.bearer());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static void delete(BrokerTestbed.Service service, UUID connection) {
        HttpResponse<String> deleted = Http.api().delete("/broker/v1/connections/" + connection,
                "Authorization", service.bearer());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    }

    /** Keycloak's userinfo for the token (OIDC Core §5.3), which must be 200. */
    private static JsonNode userinfo(String accessToken) {
        HttpResponse<String> response = userinfoResponse(accessToken);
        assertThat(response.statusCode()).as("userinfo: %s", response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static int userinfoStatus(String accessToken) {
        return userinfoResponse(accessToken).statusCode();
    }

    private static HttpResponse<String> userinfoResponse(String accessToken) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(keycloak.issuer() + "/protocol/openid-connect/userinfo"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json").GET().build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak's userinfo endpoint did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String randomValue() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
