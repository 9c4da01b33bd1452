package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.TestNode;
import java.sql.Connection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One chain across nodes: gap-free, in commit-visible order, every committed event exactly once. */
class AuditChainerTest {

    private static final AuditChainKey KEY = TestKeys.chainKey();
    private static TestDatabase db;
    private static DSLContext dsl;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        dsl = db.node().dsl();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void reset() {
        db.reset();
    }

    @Test
    void whenManyWritersAndTwoNodesChainConcurrentlyThenOneGapFreeChainHoldsEveryCommittedEventExactlyOnce()
            throws Exception {
        try (TestNode second = db.newNode(4)) {
            List<TestNode> nodes = List.of(db.node(), second);
            Set<UUID> committed = ConcurrentHashMap.newKeySet();
            Set<UUID> rolledBack = ConcurrentHashMap.newKeySet();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong chainedByPasses = new AtomicLong();
            AtomicLong skippedPasses = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> writers = new java.util.ArrayList<>();
                for (int w = 0; w < 6; w++) {
                    TestNode node = nodes.get(w % 2);
                    AuditLog log = new JooqAuditLog(node.dsl(), KEY);
                    writers.add(pool.submit(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        for (int i = 0; i < 120; i++) {
                            AuditEvent event = TestEvents.any();
                            boolean rollback = random.nextInt(5) == 0;
                            try {
                                node.inTransaction(() -> {
                                    log.record(event);
                                    sleepMillis(random.nextInt(3)); // commits interleave: ids commit out of order
                                    if (rollback) {
                                        throw new IllegalStateException("action failed");
                                    }
                                });
                                committed.add(event.eventId());
                            } catch (IllegalStateException expected) {
                                rolledBack.add(event.eventId());
                            }
                        }
                    }));
                }
                List<Future<?>> chainers = nodes.stream().map(node -> pool.submit(() -> {
                    AuditChainer chainer = new AuditChainer(node.dsl(), KEY, 7);
                    while (writing.get()) {
                        ChainResult r = chainer.chainPending();
                        chainedByPasses.addAndGet(r.chained());
                        if (!r.lockAcquired()) {
                            skippedPasses.incrementAndGet();
                        }
                    }
                    chainedByPasses.addAndGet(chainer.chainAll());
                })).<Future<?>>map(f -> f).toList();
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                writing.set(false);
                for (Future<?> f : chainers) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            Record3<Integer, Long, Long> stats = dsl.select(DSL.count(), DSL.min(AUDIT_EVENTS.SEQ),
                    DSL.max(AUDIT_EVENTS.SEQ)).from(AUDIT_EVENTS).fetchSingle();
            int n = committed.size();
            System.out.printf("chain: %d committed, %d rolled back, %d chained by passes, %d passes skipped (lock held"
                    + " by the other node)%n", n, rolledBack.size(), chainedByPasses.get(), skippedPasses.get());
            assertThat(stats.value1()).isEqualTo(n);
            assertThat(stats.value2()).isEqualTo(1L);
            assertThat(stats.value3()).isEqualTo((long) n);
            assertThat(dsl.fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.SEQ.isNull())).isZero();
            assertThat(new HashSet<>(dsl.select(AUDIT_EVENTS.EVENT_ID).from(AUDIT_EVENTS).fetch(AUDIT_EVENTS.EVENT_ID)))
                    .isEqualTo(committed)
                    .doesNotContainAnyElementsOf(rolledBack);
            assertThat(chainedByPasses.get()).isEqualTo(n);
            VerificationReport report = new AuditVerifier(dsl, KEY, TestKeys.checkpointKey()).verify();
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.rowsChecked()).isEqualTo(n);
        }
    }

    @Test
    void whenALowerIdCommitsLateThenItIsChainedAfterTheOthersWithoutAGap() throws Exception {
        AuditChainer chainer = new AuditChainer(dsl, KEY);
        AuditEvent late = TestEvents.any();
        AuditEvent early = TestEvents.any();
        try (Connection slow = db.connect()) {
            slow.setAutoCommit(false);
            new JooqAuditLog(DSL.using(slow, SQLDialect.POSTGRES), KEY).record(late); // takes id 1, commits last
            new JooqAuditLog(dsl, KEY).record(early); // id 2, committed at once

            assertThat(chainer.chainPending().chained()).isEqualTo(1);
            slow.commit();
        }
        assertThat(chainer.chainPending().chained()).isEqualTo(1);

        assertThat(seqOf(early)).isEqualTo(1L);
        assertThat(seqOf(late)).isEqualTo(2L);
        assertThat(idOf(late)).isLessThan(idOf(early));
        assertThat(new AuditVerifier(dsl, KEY, TestKeys.checkpointKey()).verify().ok()).isTrue();
    }

    @Test
    void whenAnotherNodeHoldsTheChainLockThenAPassSkipsAndChainsNothing() throws Exception {
        new JooqAuditLog(dsl, KEY).record(TestEvents.any());
        AuditChainer chainer = new AuditChainer(dsl, KEY);
        try (Connection otherNode = db.connect()) {
            otherNode.createStatement().execute("select pg_advisory_lock(" + ChainStore.LOCK_KEY + ")");

            ChainResult skipped = chainer.chainPending();

            assertThat(skipped.lockAcquired()).isFalse();
            assertThat(skipped.chained()).isZero();
            assertThat(dsl.fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.SEQ.isNotNull())).isZero();
            otherNode.createStatement().execute("select pg_advisory_unlock(" + ChainStore.LOCK_KEY + ")");
        }
        assertThat(chainer.chainPending()).isEqualTo(new ChainResult(true, 1, 1));
    }

    @Test
    void whenNothingIsPendingThenAPassChangesNothing() {
        AuditChainer chainer = new AuditChainer(dsl, KEY);
        assertThat(chainer.chainPending()).isEqualTo(new ChainResult(true, 0, 0));
        new JooqAuditLog(dsl, KEY).record(TestEvents.any());
        assertThat(chainer.chainAll()).isEqualTo(1);
        assertThat(chainer.chainPending()).isEqualTo(new ChainResult(true, 0, 1));
    }

    private static Long seqOf(AuditEvent e) {
        return dsl.select(AUDIT_EVENTS.SEQ).from(AUDIT_EVENTS).where(AUDIT_EVENTS.EVENT_ID.eq(e.eventId()))
                .fetchSingle(AUDIT_EVENTS.SEQ);
    }

    private static Long idOf(AuditEvent e) {
        return dsl.select(AUDIT_EVENTS.ID).from(AUDIT_EVENTS).where(AUDIT_EVENTS.EVENT_ID.eq(e.eventId()))
                .fetchSingle(AUDIT_EVENTS.ID);
    }

    private static void sleepMillis(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
