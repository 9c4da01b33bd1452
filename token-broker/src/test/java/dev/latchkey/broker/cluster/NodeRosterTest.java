package dev.latchkey.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.TestDatabase;
import dev.latchkey.broker.provider.ProviderRateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Broker nodes counting each other through a real PostgreSQL, as separate processes would. */
class NodeRosterTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(2);
    private static final Duration LIVENESS = Duration.ofSeconds(6);

    private static TestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.start();
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyRoster() {
        db.clear("broker_nodes");
    }

    private static NodeRoster roster(String nodeId, List<Integer> counts) {
        return new NodeRoster(db.newNode(2).dsl(), nodeId, HEARTBEAT, LIVENESS, counts::add);
    }

    private static long rows() {
        return db.node().dsl().fetchCount(db.node().dsl().selectFrom("broker_nodes"));
    }

    @Test
    void whenNodesJoinAndLeaveThenEachCountsTheLiveOnesAndTellsItsLimiter() {
        ProviderRateLimiter limiter = new ProviderRateLimiter(Map.of(), Map.of("acme", 90), 10, System::nanoTime);
        NodeRoster one = new NodeRoster(db.node().dsl(), "node-1", HEARTBEAT, LIVENESS, limiter::shareAmong);
        List<Integer> seenByTwo = new ArrayList<>();
        NodeRoster two = roster("node-2", seenByTwo);

        assertThat(one.beat()).isEqualTo(1);
        assertThat(limiter.limitOf("acme")).map(ProviderRateLimiter.Limit::requests).contains(90);
        assertThat(two.beat()).as("a joining node counts its peers at once").isEqualTo(2);
        assertThat(one.beat()).isEqualTo(2);
        assertThat(limiter.limitOf("acme")).map(ProviderRateLimiter.Limit::requests).contains(45);

        two.leave();
        assertThat(one.beat()).isEqualTo(1);
        assertThat(limiter.limitOf("acme")).map(ProviderRateLimiter.Limit::requests).contains(90);
        assertThat(seenByTwo).containsExactly(2);
    }

    @Test
    void whenTwoNodesAreConfiguredWithTheSameNameThenTheyStillCountAsTwo() {
        NodeRoster first = roster("same-name", new ArrayList<>());
        NodeRoster second = roster("same-name", new ArrayList<>());

        assertThat(first.memberId()).isNotEqualTo(second.memberId()).startsWith("same-name/");
        first.beat();
        assertThat(second.beat()).isEqualTo(2);
    }

    @Test
    void whenANodeStopsWritingThenItDropsOutAfterTheLivenessWindowAndLongDeadRowsAreDeleted() {
        NodeRoster survivor = roster("node-1", new ArrayList<>());
        NodeRoster dead = roster("node-2", new ArrayList<>());
        NodeRoster longDead = roster("node-3", new ArrayList<>());
        dead.beat();
        longDead.beat();
        // Their last heartbeats, moved back on the database's clock (the only clock the roster reads).
        db.tamperWith("update broker_nodes set seen_at = now() - interval '5 seconds' where node_id = ?",
                dead.memberId());
        db.tamperWith("update broker_nodes set seen_at = now() - interval '11 minutes' where node_id = ?",
                longDead.memberId());

        assertThat(survivor.beat()).as("5 s without a heartbeat is within the 6 s window").isEqualTo(2);
        assertThat(rows()).as("a row 100 windows old is deleted").isEqualTo(2);
        db.tamperWith("update broker_nodes set seen_at = now() - interval '7 seconds' where node_id = ?",
                dead.memberId());
        assertThat(survivor.beat()).isEqualTo(1);
        assertThat(rows()).as("a recently dead node's row stays until it is long dead").isEqualTo(2);
    }

    @Test
    void whenARosterStartsThenItTakesTheSmallestShareUntilItsPeersHaveCountedItAndWhenItStopsItsRowIsGone()
            throws InterruptedException {
        roster("node-1", new ArrayList<>()).beat();
        List<Integer> counts = new CopyOnWriteArrayList<>();
        Duration heartbeat = Duration.ofMillis(200);
        NodeRoster roster = new NodeRoster(db.newNode(2).dsl(), "node-2", heartbeat, Duration.ofMillis(700),
                counts::add);

        long started = System.nanoTime();
        roster.start();
        try {
            assertThat(roster.isRunning()).isTrue();
            assertThat(rows()).as("its row is written before start returns").isEqualTo(2);
            assertThat(counts).containsExactly(NodeRoster.JOINING);
            while (counts.size() < 2 && System.nanoTime() - started < 5_000_000_000L) {
                Thread.sleep(5);
            }
            long firstRealCount = System.nanoTime() - started;
            assertThat(counts).startsWith(NodeRoster.JOINING, 2);
            assertThat(firstRealCount).as("its peers beat within a heartbeat; it waits one and a half")
                    .isGreaterThanOrEqualTo(heartbeat.toNanos() * 3 / 2);
        } finally {
            roster.stop();
        }
        assertThat(roster.isRunning()).isFalse();
        assertThat(rows()).isEqualTo(1);
        assertThat(roster.getPhase()).as("before the web server (DEFAULT_PHASE - 1024) and the refresh engine")
                .isLessThan(Integer.MAX_VALUE - 1024);
    }

    @Test
    void whenTheLivenessWindowIsNotLongerThanTwoHeartbeatsThenTheRosterIsRefused() {
        assertThatThrownBy(() -> new NodeRoster(db.node().dsl(), "n", HEARTBEAT, Duration.ofSeconds(4), n -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("liveness");
        assertThatThrownBy(() -> new NodeRoster(db.node().dsl(), "n", Duration.ZERO, LIVENESS, n -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
