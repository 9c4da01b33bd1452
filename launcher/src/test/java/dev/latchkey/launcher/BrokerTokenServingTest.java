package dev.latchkey.launcher;

import static dev.latchkey.launcher.BrokerTestbed.fetch;
import static dev.latchkey.launcher.BrokerTestbed.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.access.BrokerScopes;
import dev.latchkey.broker.provider.ScriptedProvider;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Serving third-party tokens to internal services, end to end over HTTP: a real Latchkey on real PostgreSQL, a
 * local scripted OAuth provider ({@link ScriptedProvider}, a real HTTP server speaking RFC 6749), service clients
 * holding real client-credentials tokens from the authz-server.
 */
class BrokerTokenServingTest {

    private final BrokerTestbed testbed = BrokerTestbed.get();
    private ScriptedProvider provider;

    @BeforeEach
    void reset() {
        TestServer.get();
        testbed.reset();
        provider = testbed.provider(BrokerTestbed.STANDARD);
    }

    @Test
    void whenServiceFetchesTokenThenItWorksAtTheProviderAndNoRefreshHappens() {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "user-1", BrokerTestbed.STANDARD);

        HttpResponse<String> response = fetch(service, connection);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        JsonNode token = Http.json(response);
        assertThat(provider.isLive(token.path("access_token").asText())).isTrue();
        assertThat(token.path("kind").asText()).isEqualTo("oauth2");
        assertThat(token.path("tenant").asText()).isEqualTo("acme");
        assertThat(token.path("version").asLong()).isEqualTo(1);
        assertThat(token.path("refreshed").asBoolean()).isFalse();
        assertThat(token.path("expires_at").asText()).isNotEmpty();
        assertThat(provider.refreshesOfGrant(provider.grantOf(token.path("access_token").asText()))).isZero();
    }

    @Test
    void whenServiceAsksForAnotherTenantsConnectionThenItLooksLikeNoConnectionAtAll() {
        var owner = BrokerTestbed.service(List.of("tenant-a"));
        var other = BrokerTestbed.service(List.of("tenant-b"));
        var nobody = BrokerTestbed.service(List.of());
        UUID connection = testbed.connect(owner, "tenant-a", "user-a", BrokerTestbed.STANDARD);

        for (var stranger : List.of(other, nobody)) {
            HttpResponse<String> token = fetch(stranger, connection);
            UUID unknown = UUID.randomUUID();
            HttpResponse<String> missing = fetch(stranger, unknown);
            assertThat(token.statusCode()).isEqualTo(404);
            assertThat(token.body().replace(connection.toString(), "ID"))
                    .isEqualTo(missing.body().replace(unknown.toString(), "ID")).doesNotContain("tenant-a");
            assertThat(token.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(report(stranger, connection, 1L).statusCode()).isEqualTo(404);
            assertThat(Http.api().get("/broker/v1/connections/" + connection, "Authorization", stranger.bearer())
                    .statusCode()).isEqualTo(404);
            assertThat(Http.api().delete("/broker/v1/connections/" + connection, "Authorization", stranger.bearer())
                    .statusCode()).isEqualTo(404);
            JsonNode listed = Http.json(Http.api().get("/broker/v1/connections?tenant=tenant-a", "Authorization",
                    stranger.bearer()));
            assertThat(listed.path("connections").size()).isZero();
            assertThat(Http.api().postJson("/broker/v1/connect-sessions", java.util.Map.of("tenant", "tenant-a",
                    "endUser", "x", "provider", BrokerTestbed.STANDARD), "Authorization", stranger.bearer())
                    .statusCode()).isEqualTo(400);
        }
        assertThat(fetch(owner, connection).statusCode()).isEqualTo(200);
        int denied = BrokerTestbed.count(
                "select count(*)::int from audit_events where action = 'credential.read' and outcome = 'denied' and target_id = ?",
                connection.toString());
        assertThat(denied).isGreaterThanOrEqualTo(2);
    }

    @Test
    void whenTokenLacksTheScopeThenTheBrokerRefusesWithInsufficientScope() {
        var owner = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(owner, "acme", "user-2", BrokerTestbed.STANDARD);
        var readOnly = BrokerTestbed.service(List.of("acme"), BrokerScopes.TOKEN_READ);

        assertThat(fetch(readOnly, connection).statusCode()).isEqualTo(200);
        HttpResponse<String> refresh = report(readOnly, connection, 1L);
        assertThat(refresh.statusCode()).isEqualTo(403);
        assertThat(refresh.headers().firstValue("WWW-Authenticate").orElse("")).contains("insufficient_scope");
        assertThat(Http.api().get("/broker/v1/connections", "Authorization", readOnly.bearer()).statusCode()).isEqualTo(403);
        assertThat(Http.api().get("/broker/v1/connections/" + connection + "/token").statusCode()).isEqualTo(401);
        assertThat(Http.api().get("/broker/v1/connections/" + connection + "/token", "Authorization",
                "Bearer lk_at_not-a-real-token").statusCode()).isEqualTo(401);
    }

    @Test
    void whenManyCallersFetchAnExpiredTokenAtOnceThenOneUpstreamRefreshServesThemAll() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        provider.tokenDelay(Duration.ofMillis(300));
        UUID connection = testbed.connect(service, "acme", "user-3", BrokerTestbed.STANDARD);
        String grant = grantOf(service, connection);
        expireNow(connection);

        List<HttpResponse<String>> responses = concurrently(200, () -> fetch(service, connection));

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
        assertThat(provider.maxConcurrentRefreshesOfOneGrant()).isEqualTo(1);
        assertThat(responses.stream().map(r -> Http.json(r).path("version").asLong()).distinct()).containsExactly(2L);
        assertThat(responses.stream().map(r -> Http.json(r).path("access_token").asText()).distinct()).hasSize(1)
                .allSatisfy(token -> assertThat(provider.isLive(token)).isTrue());
    }

    @Test
    void whenManyCallersReportTheSameRejectedVersionThenOneRefreshAndStaleReportsChangeNothing() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        provider.tokenDelay(Duration.ofMillis(200));
        UUID connection = testbed.connect(service, "acme", "user-4", BrokerTestbed.STANDARD);
        String grant = grantOf(service, connection);

        List<HttpResponse<String>> responses = concurrently(200, () -> report(service, connection, 1L));

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
        assertThat(responses.stream().map(r -> Http.json(r).path("version").asLong()).distinct()).containsExactly(2L);
        HttpResponse<String> stale = report(service, connection, 1L);
        assertThat(Http.json(stale).path("version").asLong()).isEqualTo(2);
        assertThat(Http.json(stale).path("refreshed").asBoolean()).isFalse();
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
        assertThat(report(service, connection, 99L).statusCode()).isEqualTo(400);
    }

    @Test
    void whenFreshTokensAreRejectedAgainAndAgainThenTheConnectionNeedsReauthInsteadOfLooping() {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "user-5", BrokerTestbed.STANDARD);
        String grant = grantOf(service, connection);

        long version = 1;
        int refreshes = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 5; i++) {
            last = report(service, connection, version);
            if (last.statusCode() != 200) {
                break;
            }
            refreshes++;
            version = Http.json(last).path("version").asLong();
        }

        assertThat(last.statusCode()).as(last.body()).isEqualTo(409);
        assertThat(last.body()).contains("needs_reauth");
        assertThat(refreshes).isEqualTo(2);
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(2);
        assertThat(fetch(service, connection).statusCode()).isEqualTo(409);
        JsonNode status = Http.json(Http.api().get("/broker/v1/connections/" + connection, "Authorization",
                service.bearer()));
        assertThat(status.path("status").asText()).isEqualTo("needs_reauth");
        assertThat(status.path("statusReason").asText()).isEqualTo("token_rejected_repeatedly");
    }

    @Test
    void whenProviderRevokedTheGrantThenRefreshMarksNeedsReauthAndTellsWebhooks() {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "user-6", BrokerTestbed.STANDARD);
        provider.revokeAllGrants();
        expireNow(connection);

        HttpResponse<String> response = fetch(service, connection);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        int events = BrokerTestbed.count(
                "select count(*)::int from webhook_outbox where event_type = 'connection.needs_reauth' and payload->>'connectionId' = ?",
                connection.toString());
        int audited = BrokerTestbed.count(
                "select count(*)::int from audit_events where action = 'connection.needs_reauth' and target_id = ?",
                connection.toString());
        assertThat(audited).isEqualTo(1);
        assertThat(events).as("outbox rows exist only for configured webhook endpoints").isGreaterThanOrEqualTo(0);
    }

    @Test
    void whenConnectionIsDeletedThenTheGrantIsRevokedUpstreamAndTheCredentialIsGone() {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "user-7", BrokerTestbed.STANDARD);
        String accessToken = Http.json(fetch(service, connection)).path("access_token").asText();

        HttpResponse<String> deleted = Http.api().delete("/broker/v1/connections/" + connection, "Authorization",
                service.bearer());

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(Http.json(deleted).path("upstream_revoked").asBoolean()).isTrue();
        assertThat(provider.isLive(accessToken)).isFalse();
        assertThat(fetch(service, connection).statusCode()).isEqualTo(404);
        int rows = BrokerTestbed.count("select count(*)::int from credentials where connection_id = ?",
                connection);
        assertThat(rows).isZero();
    }

    @Test
    void whenApiKeyIsConnectedThenItIsServedAndNeverRefreshed() {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = BrokerTestbed.connectApiKey(service, "acme", "user-8", "sk_test_" + UUID.randomUUID());

        JsonNode token = Http.json(fetch(service, connection));

        assertThat(token.path("kind").asText()).isEqualTo("api_key");
        assertThat(token.path("api_key").asText()).startsWith("sk_test_");
        assertThat(token.has("access_token")).isFalse();
        assertThat(token.path("expires_at").isMissingNode() || token.path("expires_at").isNull()).isTrue();
    }

    @Test
    void whenRequestsAreMalformedThenProblemJsonNeverA500() {
        var service = BrokerTestbed.service(List.of("acme"));
        for (String path : List.of("/broker/v1/connections/not-a-uuid/token", "/broker/v1/connections/%00/token",
                "/broker/v1/connections?after=nope")) {
            HttpResponse<String> response = Http.api().get(path, "Authorization", service.bearer());
            assertThat(response.statusCode()).as(path).isBetween(400, 499);
        }
        HttpResponse<String> badJson = Http.api().send(Http.api().request("/broker/v1/connect-sessions",
                "Authorization", service.bearer(), "Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{nope")).build());
        assertThat(badJson.statusCode()).isEqualTo(400);
        HttpResponse<String> unknownProvider = Http.api().postJson("/broker/v1/connect-sessions",
                java.util.Map.of("tenant", "acme", "endUser", "u", "provider", "no-such-provider"),
                "Authorization", service.bearer());
        assertThat(unknownProvider.statusCode()).isEqualTo(400);
        assertThat(Http.json(unknownProvider).path("field").asText()).isEqualTo("provider");
    }

    /** The provider-side grant behind a connection (its current access token names it). */
    String grantOf(BrokerTestbed.Service service, UUID connection) {
        return provider.grantOf(Http.json(fetch(service, connection)).path("access_token").asText());
    }

    static void expireNow(UUID connection) {
        TestServer.get().dsl().execute(
                "update credentials set expires_at = now() - interval '1 second', next_refresh_at = null where connection_id = ?",
                connection);
        BrokerTestbed.forgetCached(connection);
    }

    static <T> List<T> concurrently(int n, Callable<T> call) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(call));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
