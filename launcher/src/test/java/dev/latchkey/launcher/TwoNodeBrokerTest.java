package dev.latchkey.launcher;

import static dev.latchkey.launcher.BrokerTokenServingTest.expireNow;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.provider.ProviderRateLimiter;
import dev.latchkey.broker.provider.ScriptedProvider;
import dev.latchkey.broker.refresh.RefreshEngine;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The broker as a cluster: {@link TestServer} (node 1) and a {@link SecondNode} on the same PostgreSQL and keyring,
 * both serving tokens over real HTTP and both running the proactive engine, against a real scripted OAuth provider.
 * Node 1 keeps the default 60-second refresh lease; each test starts its own second node and stops it at the end.
 */
class TwoNodeBrokerTest {

    private static final Logger log = LoggerFactory.getLogger(TwoNodeBrokerTest.class);

    private final BrokerTestbed testbed = BrokerTestbed.get();
    private ScriptedProvider provider;

    @BeforeEach
    void reset() {
        TestServer.get();
        testbed.reset();
        provider = testbed.provider(BrokerTestbed.STANDARD);
    }

    /**
     * 400 requests for one just-expired credential, at once: fetches and 401 reports of version 1, half on each node.
     * Within a node they share one in-flight refresh; across nodes the one holding the database lease calls the
     * provider and everyone else waits for the version to move. The provider sees one refresh, and every caller
     * gets the same new token.
     */
    @Test
    void whenFetchesAndRejectionReportsHitBothNodesAtOnceThenOneUpstreamRefreshServesThemAll() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "two-node-burst", BrokerTestbed.STANDARD);
        try (SecondNode node2 = SecondNode.start("node-2")) {
            Http api = Http.api();
            List<String> nodes = List.of(TestServer.get().baseUrl(), node2.baseUrl());
            JsonNode onNode1 = Http.json(fetch(api, nodes.get(0), service, connection));
            JsonNode onNode2 = Http.json(fetch(api, nodes.get(1), service, connection));
            assertThat(onNode2.path("access_token").asText()).as("node 2 opens what node 1 sealed")
                    .isEqualTo(onNode1.path("access_token").asText());
            String grant = provider.grantOf(onNode1.path("access_token").asText());
            provider.tokenDelay(Duration.ofMillis(500));
            expireNow(connection);
            BrokerTestbed.forgetCached(connection, node2);

            List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String node = nodes.get(i % 2);
                calls.add(i / 2 % 2 == 0
                        ? () -> fetch(api, node, service, connection)
                        : () -> report(api, node, service, connection, 1L));
            }
            long started = System.nanoTime();
            List<HttpResponse<String>> responses = together(calls);
            log.info("400 requests on two nodes answered in {} ms", (System.nanoTime() - started) / 1_000_000);

            assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
            assertThat(provider.refreshesOfGrant(grant)).isEqualTo(1);
            assertThat(provider.maxConcurrentRefreshesOfOneGrant()).isEqualTo(1);
            assertThat(responses.stream().map(r -> Http.json(r).path("version").asLong()).distinct())
                    .containsExactly(2L);
            assertThat(responses.stream().map(r -> Http.json(r).path("access_token").asText()).distinct())
                    .hasSize(1).allSatisfy(token -> assertThat(provider.isLive(token)).isTrue());
            assertThat(refreshEvents(connection)).isEqualTo(1);
            // "refreshed": true only where the winning flight was shared, i.e. on the node that held the lease.
            long[] refreshedPerNode = new long[2];
            for (int i = 0; i < responses.size(); i++) {
                refreshedPerNode[i % 2] += Http.json(responses.get(i)).path("refreshed").asBoolean() ? 1 : 0;
            }
            log.info("responses saying refreshed: node 1 {}, node 2 {}", refreshedPerNode[0], refreshedPerNode[1]);
            assertThat(refreshedPerNode).as("one node refreshed, the other waited for its commit")
                    .satisfiesAnyOf(r -> assertThat(r[0]).isPositive().isEqualTo(r[0] + r[1]),
                            r -> assertThat(r[1]).isPositive().isEqualTo(r[0] + r[1]));
        }
        // Node 2 wrote audit rows too (reads, perhaps the refresh); they carry the cluster's audit key.
        JsonNode audit = Http.json(Http.api().get("/admin/v1/audit/verify", "Authorization",
                TestOAuth.bearer(TestOAuth.adminToken())));
        assertThat(audit.path("ok").asBoolean()).as(audit.toString()).isTrue();
    }

    /**
     * Provider rate limits hold for the cluster, not per node. Calendly's catalog limit is 8 token requests per user
     * per minute, 7 after the default headroom; alone, node 1 may send all 7. A second node writes its row before it
     * serves anything and takes one call per window until node 1 has counted it (3 s); node 1 learns of it at its
     * next heartbeat (2 s) and drops to 3, then node 2 takes its 3 as well. When node 2 shuts down it leaves the
     * roster, and node 1 takes the whole limit again.
     */
    @Test
    void whenASecondNodeJoinsAndLeavesThenEachNodeTakesItsShareOfAProvidersRateLimit() throws Exception {
        ProviderRateLimiter limiter1 = TestServer.get().bean(ProviderRateLimiter.class);
        // A node killed by another test stays in the roster until its 6 s liveness window runs out.
        await("node 1 to be alone", Duration.ofSeconds(15), () -> calendlyLimit(limiter1) == 7);

        try (SecondNode node2 = SecondNode.start("node-2")) {
            // Right after start node 2 is still joining (one call per window); NodeRosterTest times that step.
            ProviderRateLimiter limiter2 = node2.bean(ProviderRateLimiter.class);
            await("node 1 to share with node 2", Duration.ofSeconds(10), () -> calendlyLimit(limiter1) == 3);
            await("node 2 to take its share", Duration.ofSeconds(10), () -> calendlyLimit(limiter2) == 3);
        }
        await("node 1 to take the whole limit again", Duration.ofSeconds(10), () -> calendlyLimit(limiter1) == 7);
    }

    private static int calendlyLimit(ProviderRateLimiter limiter) {
        return limiter.limitOf("calendly").orElseThrow().requests();
    }

    /**
     * A node dies while its provider call is in flight. "Dies", in one JVM: its connection pool is closed first, so
     * it can neither commit the new token nor release its lease, then its context is shut down
     * ({@link SecondNode#kill}; stopping its Tomcat also interrupts the request thread, abandoning the call); the
     * provider still receives, and answers, the call the node had sent. The dead node's lease (3 s here, shorter
     * than the 10 s provider timeout only to keep the test short) stays in the database; once it runs out, node 1's
     * proactive engine claims the credential with no caller asking, refreshes it, and the connection is active with
     * a working token and a working refresh token. The provider is the non-rotating one: the dead node's call
     * costs an extra upstream refresh but spends nothing (with rotation it would have spent the stored refresh
     * token: a known residual risk of rotating providers, not covered here).
     */
    @Test
    void whenANodeDiesMidRefreshThenItsLeaseRunsOutAndTheOtherNodeRefreshesTheCredential() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "two-node-crash", BrokerTestbed.STANDARD);
        Http api = Http.api();
        String grant = provider.grantOf(Http.json(fetch(api, TestServer.get().baseUrl(), service, connection))
                .path("access_token").asText());
        RefreshEngine engine1 = TestServer.get().bean(RefreshEngine.class);
        try (SecondNode doomed = SecondNode.start("node-2", "--latchkey.broker.refresh.lease=3s",
                "--server.shutdown=immediate");
                ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            assertThat(fetch(api, doomed.baseUrl(), service, connection).statusCode()).isEqualTo(200);
            expireNow(connection);
            BrokerTestbed.forgetCached(connection, doomed);
            provider.tokenDelay(Duration.ofSeconds(8));

            Future<HttpResponse<String>> stranded = background.submit(
                    () -> fetch(api, doomed.baseUrl(), service, connection));
            await("node 2's refresh call to reach the provider", Duration.ofSeconds(30),
                    () -> provider.refreshesInFlightOfGrant(grant) == 1);
            long killStarted = System.nanoTime();
            doomed.kill();
            log.info("node 2 killed in {} ms", (System.nanoTime() - killStarted) / 1_000_000);
            provider.tokenDelay(Duration.ZERO);

            assertThat(String.valueOf(column(connection, "lease_owner"))).as("the dead node's lease outlives it").startsWith("node-2/");
            assertThat(version(connection)).isEqualTo(1);
            Object leaseUntil = column(connection, "lease_until");
            long engineBefore = engine1.refreshedCount();
            // The credential is due, so only the surviving engine (not a caller) can rescue it.
            TestServer.get().dsl().execute(
                    "update credentials set next_refresh_at = now() where connection_id = ?", connection);

            await("node 1's engine to refresh the orphaned credential", Duration.ofSeconds(60),
                    () -> version(connection) == 2);
            log.info("node 1 took over {} ms after the kill", (System.nanoTime() - killStarted) / 1_000_000);
            assertThat(BrokerTestbed.count("select count(*)::int from credentials where connection_id = ?"
                    + " and last_refreshed_at >= ?::timestamptz", connection, leaseUntil))
                    .as("not before the lease ran out").isEqualTo(1);
            assertThat(engine1.refreshedCount()).isGreaterThan(engineBefore);
            assertThat(BrokerTestbed.count("select count(*)::int from audit_events"
                    + " where action = 'connection.refreshed' and target_id = ? and actor_type = 'system'"
                    + " and details->>'trigger' = 'proactive'",
                    connection.toString())).as("refreshed by the surviving engine").isEqualTo(1);
            assertThat(column(connection, "lease_owner")).isNull();

            JsonNode token = Http.json(fetch(api, TestServer.get().baseUrl(), service, connection));
            assertThat(token.path("version").asLong()).isEqualTo(2);
            assertThat(token.path("refreshed").asBoolean()).isFalse();
            assertThat(provider.isLive(token.path("access_token").asText())).isTrue();
            JsonNode status = Http.json(api.get("/broker/v1/connections/" + connection, "Authorization",
                    service.bearer()));
            assertThat(status.path("status").asText()).isEqualTo("active");
            HttpResponse<String> forced = report(api, TestServer.get().baseUrl(), service, connection, null);
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            assertThat(Http.json(forced).path("version").asLong()).as("the refresh token still works").isEqualTo(3);

            // The provider answers the dead node's call in the end; the token it issued was never stored.
            await("the provider to answer node 2's orphaned call", Duration.ofSeconds(30),
                    () -> provider.refreshesOfGrant(grant) == 3);
            log.info("node 2's caller got {}", outcome(stranded));
            assertThat(outcome(stranded)).isNotEqualTo("200");
            assertThat(version(connection)).isEqualTo(3);
            assertThat(refreshEvents(connection)).isEqualTo(2);
            assertThat(provider.isLive(Http.json(forced).path("access_token").asText())).isTrue();
        }
    }

    /**
     * Thirty credentials fall due while both nodes' engines poll, twice: first spread over two seconds (as the
     * policy's jitter spreads them in production), then all at the same instant, committed together. {@code FOR
     * UPDATE SKIP LOCKED} plus the lease give each credential to one engine: after each round every credential has
     * moved exactly one version, with exactly one upstream refresh. How the work split is logged, not asserted: it
     * depends on scheduling.
     */
    @Test
    void whenCredentialsFallDueThenBothEnginesShareTheWorkAndEachIsRefreshedOnce() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        Http api = Http.api();
        Map<UUID, String> grants = new LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            UUID connection = testbed.connect(service, "acme", "two-node-due-" + i, BrokerTestbed.STANDARD);
            grants.put(connection, provider.grantOf(Http.json(fetch(api, TestServer.get().baseUrl(), service,
                    connection)).path("access_token").asText()));
        }
        try (SecondNode node2 = SecondNode.start("node-2")) {
            List<RefreshEngine> engines = List.of(TestServer.get().bean(RefreshEngine.class),
                    node2.bean(RefreshEngine.class));
            provider.tokenDelay(Duration.ofMillis(200));

            long[] before = refreshedCounts(engines);
            int ordinal = 0;
            for (UUID connection : grants.keySet()) {
                TestServer.get().dsl().execute("update credentials set next_refresh_at = now() + ? * interval '1 ms'"
                        + " where connection_id = ?", 60 * ordinal++, connection);
            }
            assertEachRefreshedOnceMore(grants, 2);
            logShare("spread", engines, before);

            before = refreshedCounts(engines);
            TestServer.get().dsl().transaction(tx -> grants.keySet().forEach(connection -> tx.dsl().execute(
                    "update credentials set next_refresh_at = now() where connection_id = ?", connection)));
            assertEachRefreshedOnceMore(grants, 3);
            logShare("burst", engines, before);
            assertThat(provider.maxConcurrentRefreshesOfOneGrant()).isEqualTo(1);
        }
    }

    /** Waits until every credential reaches {@code version}, then checks none went further or was refreshed twice. */
    private void assertEachRefreshedOnceMore(Map<UUID, String> grants, long version) throws InterruptedException {
        await("every credential to reach version " + version, Duration.ofSeconds(90),
                () -> grants.keySet().stream().allMatch(c -> version(c) >= version));
        Thread.sleep(1_000); // a double refresh would show by now
        assertThat(grants.keySet()).allSatisfy(connection -> {
            assertThat(version(connection)).isEqualTo(version);
            assertThat(refreshEvents(connection)).isEqualTo(version - 1);
            assertThat(provider.refreshesOfGrant(grants.get(connection))).isEqualTo(version - 1);
        });
    }

    private static long[] refreshedCounts(List<RefreshEngine> engines) {
        return engines.stream().mapToLong(RefreshEngine::refreshedCount).toArray();
    }

    /** Logs each engine's share; the counts may include other due credentials the JVM's earlier tests left. */
    private static void logShare(String round, List<RefreshEngine> engines, long[] before) {
        long[] after = refreshedCounts(engines);
        log.info("{} round: node 1 refreshed {}, node 2 refreshed {}", round, after[0] - before[0],
                after[1] - before[1]);
        assertThat(after[0] - before[0] + after[1] - before[1]).isGreaterThanOrEqualTo(30);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static HttpResponse<String> fetch(Http api, String node, BrokerTestbed.Service service, UUID connection) {
        return api.get(node + "/broker/v1/connections/" + connection + "/token", "Authorization", service.bearer());
    }

    private static HttpResponse<String> report(Http api, String node, BrokerTestbed.Service service, UUID connection,
            Long version) {
        Map<String, Object> body = version == null ? Map.of() : Map.of("version", version);
        return api.postJson(node + "/broker/v1/connections/" + connection + "/token/refresh", body,
                "Authorization", service.bearer());
    }

    private static long version(UUID connection) {
        return ((Number) TestServer.get().dsl().fetchValue(
                "select version from credentials where connection_id = ?", connection)).longValue();
    }

    private static Object column(UUID connection, String column) {
        return TestServer.get().dsl().fetchValue(
                "select " + column + " from credentials where connection_id = ?", connection);
    }

    private static int refreshEvents(UUID connection) {
        return BrokerTestbed.count("select count(*)::int from audit_events where action = 'connection.refreshed'"
                + " and target_id = ?", connection.toString());
    }

    /** What a background request came to: its status code, or the exception that ended it. */
    private static String outcome(Future<HttpResponse<String>> request) {
        try {
            return String.valueOf(request.get(30, TimeUnit.SECONDS).statusCode());
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Runs every call on its own virtual thread, all released at once; results in call order. */
    private static <T> List<T> together(List<Callable<T>> calls) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> call : calls) {
                futures.add(pool.submit(() -> {
                    gate.await();
                    return call.call();
                }));
            }
            gate.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(120, TimeUnit.SECONDS));
            }
            return results;
        }
    }

    /**
     * Each node serves fetches from its own memory ({@code CredentialCache}); what the other node commits reaches it
     * through the database (V5 triggers, LISTEN): a refreshed credential, then the connection's deletion.
     */
    @Test
    void whatOneNodeCommitsTheOtherServesWithinMilliseconds() throws Exception {
        var service = BrokerTestbed.service(List.of("acme"));
        UUID connection = testbed.connect(service, "acme", "two-node-cache", BrokerTestbed.STANDARD);
        try (SecondNode node2 = SecondNode.start("node-2")) {
            Http api = Http.api();
            String node1 = TestServer.get().baseUrl();
            JsonNode first = Http.json(fetch(api, node2.baseUrl(), service, connection));
            assertThat(Http.json(fetch(api, node2.baseUrl(), service, connection)).path("version").asLong())
                    .isEqualTo(first.path("version").asLong());

            HttpResponse<String> forced = report(api, node1, service, connection, null);
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            long refreshedAt = System.nanoTime();
            await("node 2 serves the credential node 1 refreshed", Duration.ofSeconds(2), () -> Http.json(
                    fetch(api, node2.baseUrl(), service, connection)).path("access_token").asText()
                    .equals(Http.json(forced).path("access_token").asText()));
            long refreshSeen = System.nanoTime() - refreshedAt;

            assertThat(api.delete(node1 + "/broker/v1/connections/" + connection, "Authorization", service.bearer())
                    .statusCode()).isEqualTo(200);
            long deletedAt = System.nanoTime();
            await("node 2 stops serving the connection node 1 deleted", Duration.ofSeconds(2),
                    () -> fetch(api, node2.baseUrl(), service, connection).statusCode() == 404);
            log.info("node 2 served node 1's refresh after {} ms and its deletion after {} ms",
                    refreshSeen / 1_000_000, (System.nanoTime() - deletedAt) / 1_000_000);
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
