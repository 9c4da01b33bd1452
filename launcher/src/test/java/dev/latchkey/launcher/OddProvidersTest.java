package dev.latchkey.launcher;

import static dev.latchkey.launcher.BrokerTestbed.fetch;
import static dev.latchkey.launcher.BrokerTestbed.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.latchkey.broker.provider.ScriptedProvider;
import dev.latchkey.broker.webhook.WebhookSignatures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The broker against providers scripted to misbehave the way real ones do: tokens that never expire (Slack), tokens
 * without a stated expiry (Salesforce), tokens that die long before their stated {@code expires_in}, rotating refresh
 * tokens, errors inside {@code 200 OK}, {@code 429} with {@code Retry-After}, and token endpoints that fail and
 * recover. Real server, real PostgreSQL, real HTTP; each test proves a behaviour that could fail.
 *
 * <p>Per-provider rate limiting is not here: it is per node, configured at start-up, and the testbed declares no
 * rate-limited provider.
 */
class OddProvidersTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final BrokerTestbed testbed = BrokerTestbed.get();
    private final List<Runnable> cleanups = new ArrayList<>();

    @BeforeEach
    void reset() {
        TestServer.get();
        testbed.reset();
        quiesceScriptedConnections();
    }

    @AfterEach
    void cleanUp() {
        // Connections of this class are deleted, so that none keeps refreshing (and eating scripted answers) later.
        cleanups.reversed().forEach(Runnable::run);
        testbed.reset();
    }

    // ------------------------------------------------------------------------------------------- odd expiry

    @Test
    void whenTokensNeverExpireThenTheyAreServedNeverRefreshedAndARejectionNeedsReauth() throws Exception {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.NEVER);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.NEVER);

        JsonNode token = Http.json(fetch(service, connection));
        JsonNode credential = status(service, connection).path("credential");
        Thread.sleep(1_000); // five engine polls

        assertThat(provider.isLive(token.path("access_token").asText())).isTrue();
        assertThat(absent(token.path("expires_at"))).isTrue();
        assertThat(credential.path("expirySource").asText()).isEqualTo("never");
        assertThat(credential.path("hasRefreshToken").asBoolean()).isFalse();
        assertThat(absent(credential.path("nextRefreshAt"))).as("never scheduled").isTrue();
        assertThat(provider.tokenCalls("refresh_token")).isZero();
        HttpResponse<String> forced = report(service, connection, null);
        assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
        assertThat(Http.json(forced).path("version").asLong()).as("nothing to refresh with: the same token").isEqualTo(1);
        assertThat(Http.json(forced).path("access_token").asText()).isEqualTo(token.path("access_token").asText());

        HttpResponse<String> rejected = report(service, connection, 1L);

        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(409);
        assertThat(rejected.body()).contains("needs_reauth");
        assertThat(provider.tokenCalls("refresh_token")).isZero();
        JsonNode after = status(service, connection);
        assertThat(after.path("status").asText()).isEqualTo("needs_reauth");
        assertThat(after.path("statusReason").asText()).isEqualTo("token_rejected");
        assertThat(fetch(service, connection).statusCode()).isEqualTo(409);
        assertThat(audited("connection.needs_reauth", connection)).hasSize(1);
    }

    @Test
    void whenNoExpiryIsStatedThenTheTokenIsRefreshedOnlyWhenAServiceReportsItRejected() throws Exception {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.UNKNOWN);
        provider.statedExpiresIn(null);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.UNKNOWN);
        String first = Http.json(fetch(service, connection)).path("access_token").asText();
        String grant = provider.grantOf(first);
        Thread.sleep(1_000); // five engine polls

        JsonNode credential = status(service, connection).path("credential");
        assertThat(credential.path("expirySource").asText()).isEqualTo("unknown");
        assertThat(absent(credential.path("expiresAt"))).isTrue();
        assertThat(absent(credential.path("nextRefreshAt"))).as("never scheduled").isTrue();
        assertThat(provider.refreshesOfGrant(grant)).isZero();
        JsonNode served = Http.json(fetch(service, connection));
        assertThat(served.path("version").asLong()).isEqualTo(1);
        assertThat(served.path("refreshed").asBoolean()).isFalse();
        // The token has been in use for an hour when the provider rejects it (a session timeout).
        TestServer.get().dsl().execute(
                "update credentials set issued_at = now() - interval '1 hour' where connection_id = ?", connection);

        HttpResponse<String> rejected = report(service, connection, 1L);

        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
        JsonNode renewed = Http.json(rejected);
        assertThat(renewed.path("version").asLong()).isEqualTo(2);
        assertThat(renewed.path("refreshed").asBoolean()).isTrue();
        assertThat(renewed.path("access_token").asText()).isNotEqualTo(first);
        assertThat(provider.isLive(renewed.path("access_token").asText())).isTrue();
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
        HttpResponse<String> stale = report(service, connection, 1L);
        assertThat(Http.json(stale).path("version").asLong()).as("compare-and-swap on the version").isEqualTo(2);
        assertThat(Http.json(stale).path("refreshed").asBoolean()).isFalse();
        assertThat(Http.json(fetch(service, connection)).path("access_token").asText())
                .isEqualTo(renewed.path("access_token").asText());
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
        assertThat(audited("connection.refreshed", connection)).singleElement()
                .satisfies(details -> assertThat(details.path("trigger").asText()).isEqualTo("rejected"));
    }

    @Test
    void whenTokensDieLongBeforeTheirStatedExpiryThenTheLearnedLifetimeDrivesProactiveRefresh() {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        Duration actual = Duration.ofSeconds(5); // while expires_in says 3600
        provider.actualLifetime(actual);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.STANDARD);
        String first = Http.json(fetch(service, connection)).path("access_token").asText();
        assertThat(absent(status(service, connection).path("credential").path("nextRefreshAt"))).isFalse();
        await("the provider drops the first token", () -> provider.isLive(first), live -> !live);

        HttpResponse<String> rejected = report(service, connection, 1L);

        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
        JsonNode credential = status(service, connection).path("credential");
        long learned = credential.path("learnedLifetimeSeconds").asLong();
        assertThat(learned).as("learned from the rejection").isBetween(actual.toSeconds(), actual.toSeconds() + 2);
        Instant issued = instant(credential.path("issuedAt"));
        Instant next = instant(credential.path("nextRefreshAt"));
        assertThat(next).isAfter(issued).isBefore(issued.plusSeconds(learned));
        // From now on the engine renews each token before the provider drops it, without any report.
        String current = Http.json(rejected).path("access_token").asText();
        long version = credential.path("version").asLong();
        for (int cycle = 0; cycle < 3; cycle++) {
            long seen = version;
            JsonNode renewed = await("proactive refresh after version " + seen,
                    () -> status(service, connection).path("credential"), c -> c.path("version").asLong() > seen);
            assertThat(provider.isLive(current)).as("replaced while still live, in cycle " + cycle).isTrue();
            assertThat(Duration.between(issued, instant(renewed.path("issuedAt")))).isLessThan(actual);
            issued = instant(renewed.path("issuedAt"));
            JsonNode token = Http.json(fetch(service, connection));
            assertThat(token.path("refreshed").asBoolean()).as("the fetch did not have to refresh").isFalse();
            current = token.path("access_token").asText();
            assertThat(provider.isLive(current)).isTrue();
            version = token.path("version").asLong();
        }
        List<JsonNode> refreshes = audited("connection.refreshed", connection);
        assertThat(refreshes.getFirst().path("trigger").asText()).isEqualTo("rejected");
        assertThat(refreshes.subList(1, refreshes.size())).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(details -> assertThat(details.path("trigger").asText()).isEqualTo("proactive"));
        assertThat(audited("connection.token_rejected", connection)).hasSize(1);
    }

    // ------------------------------------------------------------------------------------------ refresh tokens

    @Test
    void whenTheProviderRotatesRefreshTokensThenEachRotatedOneIsKeptAndNoneIsPresentedTwice() throws Exception {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.ROTATING);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.ROTATING);
        String grant = provider.grantOf(Http.json(fetch(service, connection)).path("access_token").asText());

        for (long version = 2; version <= 5; version++) {
            HttpResponse<String> forced = report(service, connection, null);
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            assertThat(Http.json(forced).path("version").asLong()).isEqualTo(version);
            assertThat(provider.isLive(Http.json(forced).path("access_token").asText())).isTrue();
        }
        BrokerTokenServingTest.expireNow(connection);
        List<HttpResponse<String>> burst = BrokerTokenServingTest.concurrently(30, () -> fetch(service, connection));

        assertThat(burst).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(burst.stream().map(r -> Http.json(r).path("version").asLong()).distinct()).containsExactly(6L);
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(5);
        assertThat(provider.maxRefreshesOfOneRefreshToken()).as("no refresh token used twice").isEqualTo(1);
        JsonNode credential = status(service, connection);
        assertThat(credential.path("status").asText()).isEqualTo("active");
        assertThat(credential.path("credential").path("refreshCount").asLong()).isEqualTo(5);
        assertThat(audited("connection.refreshed", connection)).hasSize(5)
                .allSatisfy(details -> assertThat(details.path("refresh_token_rotated").asBoolean()).isTrue());
    }

    @Test
    void whenARefreshAnswerCarriesNoRefreshTokenThenTheStoredOneIsKept() {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.STANDARD);
        String grant = provider.grantOf(Http.json(fetch(service, connection)).path("access_token").asText());

        HttpResponse<String> first = report(service, connection, null);
        HttpResponse<String> second = report(service, connection, null);

        assertThat(List.of(first, second)).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(Http.json(second).path("version").asLong()).isEqualTo(3);
        assertThat(provider.refreshesOfGrant(grant)).isEqualTo(2);
        assertThat(provider.maxRefreshesOfOneRefreshToken()).as("the one refresh token, presented twice").isEqualTo(2);
        assertThat(status(service, connection).path("credential").path("hasRefreshToken").asBoolean()).isTrue();
        assertThat(audited("connection.refreshed", connection))
                .allSatisfy(details -> assertThat(details.path("refresh_token_rotated").asBoolean()).isFalse());
    }

    // ------------------------------------------------------------------------------------ errors in 200 OK

    @Test
    void whenARefreshIsAnswered200WithInvalidGrantInsideThenTheConnectionNeedsReauth() {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.STANDARD);
        provider.answerNextTokenCallsWithOkFalse(1, "invalid_grant");
        BrokerTokenServingTest.expireNow(connection);

        HttpResponse<String> response = fetch(service, connection);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(response.body()).contains("needs_reauth");
        JsonNode after = status(service, connection);
        assertThat(after.path("status").asText()).isEqualTo("needs_reauth");
        assertThat(after.path("statusReason").asText()).isEqualTo("invalid_grant");
        assertThat(absent(after.path("credential").path("nextRefreshAt"))).isTrue();
        assertThat(audited("connection.needs_reauth", connection)).singleElement()
                .satisfies(details -> assertThat(details.path("status").asInt()).isEqualTo(200));
    }

    @Test
    void whenARefreshIsAnswered200WithATransientErrorInsideThenTheConnectionStaysActiveAndRecovers() {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = connect(service, "acme", BrokerTestbed.STANDARD);
        JsonNode before = Http.json(fetch(service, connection));
        // Keeps failing until cleared, so the failure is still there to look at on a slow machine.
        provider.answerNextTokenCallsWithOkFalse(1_000, "temporarily_unavailable");
        nearlyExpired(connection);

        HttpResponse<String> response = fetch(service, connection);

        assertThat(response.statusCode()).as("the old token is still valid: " + response.body()).isEqualTo(200);
        assertThat(Http.json(response).path("access_token").asText()).isEqualTo(before.path("access_token").asText());
        assertThat(Http.json(response).path("refreshed").asBoolean()).isFalse();
        JsonNode failing = status(service, connection);
        assertThat(failing.path("status").asText()).isEqualTo("active");
        assertThat(failing.path("credential").path("failureCount").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(failing.path("credential").path("lastError").asText()).isEqualTo("temporarily_unavailable");
        JsonNode failure = audited("connection.refresh_failed", connection).getFirst();
        assertThat(failure.path("attempt").asInt()).isEqualTo(1);
        assertThat(failure.path("category").asText()).isEqualTo("transient");
        assertThat(failure.path("status").asInt()).isEqualTo(200);

        provider.clearScriptedAnswers();

        JsonNode recovered = await("the engine retries and recovers", () -> status(service, connection),
                s -> s.path("credential").path("version").asLong() == 2);
        assertThat(recovered.path("status").asText()).isEqualTo("active");
        assertThat(recovered.path("credential").path("failureCount").asInt()).isZero();
        assertThat(absent(recovered.path("credential").path("lastError"))).isTrue();
        assertThat(audited("connection.refreshed_after_failure", connection)).hasSize(1);
    }

    // ------------------------------------------------------------------------------------ 429 and Retry-After

    @Test
    void whenTheProviderAnswers429WithRetryAfterThenNobodyAsksAgainBeforeItIsOver() {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        var service = BrokerTestbed.service(List.of("acme"));
        UUID valid = connect(service, "acme", BrokerTestbed.STANDARD);
        UUID expired = connect(service, "acme", BrokerTestbed.STANDARD);
        String validToken = Http.json(fetch(service, valid)).path("access_token").asText();

        // Due for renewal but still valid: the fetch serves the old token.
        nearlyExpired(valid);
        provider.rateLimitNextTokenCalls(1, Duration.ofSeconds(30));
        HttpResponse<String> served = fetch(service, valid);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(Http.json(served).path("access_token").asText()).isEqualTo(validToken);
        assertThat(Http.json(served).path("version").asLong()).isEqualTo(1);
        // Expired: nothing to serve, so 503 and when to come back.
        BrokerTokenServingTest.expireNow(expired);
        provider.rateLimitNextTokenCalls(1, Duration.ofSeconds(30));
        HttpResponse<String> unavailable = fetch(service, expired);
        assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
        assertThat(Long.parseLong(unavailable.headers().firstValue("Retry-After").orElse("0"))).isBetween(28L, 30L);

        Instant now = Instant.now();
        for (UUID connection : List.of(valid, expired)) {
            JsonNode credential = status(service, connection).path("credential");
            assertThat(status(service, connection).path("status").asText()).isEqualTo("active");
            assertThat(credential.path("failureCount").asInt()).isEqualTo(1);
            assertThat(credential.path("lastError").asText()).isEqualTo("rate_limited");
            assertThat(instant(credential.path("nextRefreshAt"))).as("Retry-After honoured")
                    .isAfter(now.plusSeconds(25));
            assertThat(audited("connection.refresh_failed", connection)).singleElement().satisfies(details -> {
                assertThat(details.path("status").asInt()).isEqualTo(429);
                assertThat(details.path("category").asText()).isEqualTo("transient");
            });
        }
        assertThat(provider.tokenCalls("refresh_token")).isEqualTo(2);

        // Callers who come back early are answered from what is stored; the provider is not asked again.
        HttpResponse<String> again = fetch(service, valid);
        HttpResponse<String> stillUnavailable = fetch(service, expired);
        HttpResponse<String> forced = report(service, expired, null);

        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(Http.json(again).path("access_token").asText()).isEqualTo(validToken);
        assertThat(List.of(stillUnavailable, forced)).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElse("0"))).isBetween(20L, 30L);
        });
        assertThat(provider.tokenCalls("refresh_token")).as("the provider said wait 30 s").isEqualTo(2);
        assertThat(status(service, expired).path("credential").path("failureCount").asInt()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------- failing endpoints and webhooks

    @Test
    void whenTheTokenEndpointFailsAndRecoversThenBackoffGrowsAndWebhooksAreToldSigned() throws Exception {
        ScriptedProvider provider = testbed.provider(BrokerTestbed.STANDARD);
        String tenant = "odd-" + UUID.randomUUID().toString().substring(0, 8);
        var service = BrokerTestbed.service(List.of(tenant));
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            String secret = receiver.register(tenant, "connection.refreshed_after_failure", "connection.needs_reauth");
            UUID connection = connect(service, tenant, BrokerTestbed.STANDARD);
            String firstToken = Http.json(fetch(service, connection)).path("access_token").asText();
            provider.tokenDelay(Duration.ofMillis(300)).failNextTokenCalls(2, 503);

            dueNow(connection);

            JsonNode recovered = await("the engine recovers after two failures", () -> status(service, connection),
                    s -> s.path("credential").path("version").asLong() == 2);
            assertThat(recovered.path("status").asText()).isEqualTo("active");
            assertThat(recovered.path("credential").path("failureCount").asInt()).isZero();
            List<JsonNode> failures = audited("connection.refresh_failed", connection);
            assertThat(failures).hasSize(2);
            assertThat(failures).allSatisfy(details -> {
                assertThat(details.path("status").asInt()).isEqualTo(503);
                assertThat(details.path("error").asText()).isEqualTo("http_503");
                assertThat(details.path("trigger").asText()).isEqualTo("proactive");
            });
            // Backoff base 500 ms: the first retry waits 250-500 ms, the second 500-1000 ms.
            List<Long> delays = retryDelaysMillis(connection);
            assertThat(delays.get(0)).isBetween(200L, 500L);
            assertThat(delays.get(1)).isBetween(450L, 1_000L);
            assertThat(audited("connection.refreshed_after_failure", connection)).singleElement()
                    .satisfies(details -> assertThat(details.path("failures").asInt()).isEqualTo(2));
            String secondToken = Http.json(fetch(service, connection)).path("access_token").asText();
            assertThat(provider.isLive(secondToken)).isTrue();

            Delivery delivery = receiver.next(PATIENCE);
            assertThat(delivery.verifies(secret)).as("Standard Webhooks signature").isTrue();
            assertThat(delivery.verifies(WebhookSignatures.encodeSecret(new byte[32]))).isFalse();
            assertThat(WebhookSignatures.verify(secret, delivery.id(), delivery.timestamp(),
                    delivery.body().replace("\"failures\"", "\"Failures\""), delivery.signature(), Instant.now(),
                    WebhookSignatures.DEFAULT_TOLERANCE)).as("a changed body does not verify").isFalse();
            JsonNode event = Http.JSON.readTree(delivery.body());
            assertThat(event.path("type").asText()).isEqualTo("connection.refreshed_after_failure");
            assertThat(event.path("id").asText()).isEqualTo(delivery.id());
            assertThat(event.path("connectionId").asText()).isEqualTo(connection.toString());
            assertThat(event.path("tenant").asText()).isEqualTo(tenant);
            assertThat(event.path("provider").asText()).isEqualTo(BrokerTestbed.STANDARD);
            assertThat(event.path("data").path("failures").asText()).isEqualTo("2");
            assertThat(delivery.body()).doesNotContain(firstToken, secondToken, "sp_at_", "sp_rt_");

            // The other subscribed type, through the same endpoint.
            provider.tokenDelay(Duration.ZERO).answerNextTokenCallsWithOkFalse(1, "invalid_grant");
            assertThat(report(service, connection, null).statusCode()).isEqualTo(409);
            Delivery reauth = receiver.next(PATIENCE);
            assertThat(reauth.verifies(secret)).isTrue();
            JsonNode reauthEvent = Http.JSON.readTree(reauth.body());
            assertThat(reauthEvent.path("type").asText()).isEqualTo("connection.needs_reauth");
            assertThat(reauthEvent.path("connectionId").asText()).isEqualTo(connection.toString());
            assertThat(reauthEvent.path("data").path("reason").asText()).isEqualTo("invalid_grant");
            assertThat(reauth.body()).doesNotContain(firstToken, secondToken, "sp_at_", "sp_rt_");
            assertThat(receiver.received()).as("connection.created and connection.refreshed are not subscribed")
                    .extracting(d -> Http.JSON.readTree(d.body()).path("type").asText())
                    .containsExactly("connection.refreshed_after_failure", "connection.needs_reauth");
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private UUID connect(BrokerTestbed.Service service, String tenant, String providerId) {
        UUID connection = testbed.connect(service, tenant, "user-" + UUID.randomUUID(), providerId);
        cleanups.add(() -> Http.api().delete("/broker/v1/connections/" + connection, "Authorization", service.bearer()));
        return connection;
    }

    static JsonNode status(BrokerTestbed.Service service, UUID connection) {
        HttpResponse<String> response = Http.api().get("/broker/v1/connections/" + connection, "Authorization",
                service.bearer());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    /** The details of every audit event of this action on the connection, oldest first. */
    static List<JsonNode> audited(String action, UUID connection) {
        return TestServer.get().dsl().fetch(
                        "select details::text from audit_events where action = ? and target_id = ? order by id",
                        action, connection.toString())
                .map(row -> Http.JSON.readTree(row.get(0, String.class)));
    }

    /** For each failed refresh of the connection, how long the broker decided to wait before the next attempt. */
    private static List<Long> retryDelaysMillis(UUID connection) {
        return TestServer.get().dsl().fetch("""
                        select (extract(epoch from ((details->>'retry_at')::timestamptz - occurred_at)) * 1000)::bigint
                          from audit_events where action = 'connection.refresh_failed' and target_id = ? order by id""",
                connection.toString()).map(row -> row.get(0, Long.class));
    }

    /** Issued an hour ago, valid for ten more seconds: inside the fetch window, not expired. */
    private static void nearlyExpired(UUID connection) {
        TestServer.get().dsl().execute("""
                update credentials set issued_at = now() - interval '1 hour', expires_at = now() + interval '10 seconds',
                       next_refresh_at = null where connection_id = ?""", connection);
        BrokerTestbed.forgetCached(connection);
    }

    /** Due for the proactive engine now, still valid. */
    private static void dueNow(UUID connection) {
        TestServer.get().dsl().execute("update credentials set next_refresh_at = now() where connection_id = ?",
                connection);
    }

    /**
     * Stops proactive refreshes of connections earlier tests left at the scripted providers (a learned short lifetime
     * keeps one refreshing every second or so): at a shared provider, their refreshes would eat this test's scripted
     * answers. Waits for refreshes in flight, whose commit schedules the next one.
     */
    static void quiesceScriptedConnections() {
        await("no scripted connection is refreshing in the background", () -> TestServer.get().dsl().execute("""
                update credentials set next_refresh_at = null
                 where (next_refresh_at is not null or lease_until > now())
                   and connection_id in (select id from connections where provider_id like 'scripted%')"""),
                updated -> updated == 0);
    }

    static boolean absent(JsonNode node) {
        return node.isNull() || node.isMissingNode();
    }

    static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T value = probe.get();
        while (!done.test(value)) {
            assertThat(System.nanoTime() < deadline).as("timed out waiting: %s (last: %s)", what, value).isTrue();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            value = probe.get();
        }
        return value;
    }

    /** ISO-8601 text or epoch seconds, as Jackson may write an {@link Instant}. */
    static Instant instant(JsonNode node) {
        assertThat(absent(node)).as("an instant").isFalse();
        if (node.isNumber()) {
            BigDecimal seconds = node.decimalValue();
            return Instant.ofEpochSecond(seconds.longValue(),
                    seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        }
        return Instant.parse(node.asText());
    }

    // ---------------------------------------------------------------------------------------- webhook receiver

    /** One webhook request as it arrived: the Standard Webhooks headers and the raw body. */
    record Delivery(String id, String timestamp, String signature, String body) {

        boolean verifies(String secret) {
            return WebhookSignatures.verify(secret, id, timestamp, body.getBytes(StandardCharsets.UTF_8), signature,
                    Instant.now(), WebhookSignatures.DEFAULT_TOLERANCE);
        }
    }

    /** A local webhook endpoint on 127.0.0.1 that records what it receives and answers 204. */
    static final class WebhookReceiver implements AutoCloseable {

        private final HttpServer server;
        private final BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
        private final List<Delivery> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        private UUID endpointId;

        private WebhookReceiver(HttpServer server) {
            this.server = server;
        }

        static WebhookReceiver start() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
                WebhookReceiver receiver = new WebhookReceiver(server);
                server.createContext("/hooks", exchange -> {
                    try (exchange; InputStream in = exchange.getRequestBody()) {
                        var headers = exchange.getRequestHeaders();
                        Delivery delivery = new Delivery(headers.getFirst(WebhookSignatures.ID_HEADER),
                                headers.getFirst(WebhookSignatures.TIMESTAMP_HEADER),
                                headers.getFirst(WebhookSignatures.SIGNATURE_HEADER),
                                new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        receiver.received.add(delivery);
                        receiver.inbox.add(delivery);
                        exchange.sendResponseHeaders(204, -1);
                    }
                });
                server.start();
                return receiver;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Registers this receiver through the admin API; returns the signing secret, shown this once. */
        String register(String tenant, String... eventTypes) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks");
            body.put("tenant", tenant);
            body.put("eventTypes", List.of(eventTypes));
            HttpResponse<String> created = Http.api().postJson("/admin/v1/broker/webhooks", body,
                    "Authorization", TestOAuth.bearer(TestOAuth.adminToken()));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode json = Http.json(created);
            endpointId = UUID.fromString(json.path("id").asText());
            assertThat(json.path("secret").asText()).startsWith(WebhookSignatures.SECRET_PREFIX);
            return json.path("secret").asText();
        }

        Delivery next(Duration timeout) throws InterruptedException {
            Delivery delivery = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(delivery).as("a webhook delivery within " + timeout).isNotNull();
            return delivery;
        }

        List<Delivery> received() {
            return List.copyOf(received);
        }

        @Override
        public void close() {
            if (endpointId != null) {
                Http.api().delete("/admin/v1/broker/webhooks/" + endpointId, "Authorization",
                        TestOAuth.bearer(TestOAuth.adminToken()));
            }
            server.stop(0);
        }
    }
}
