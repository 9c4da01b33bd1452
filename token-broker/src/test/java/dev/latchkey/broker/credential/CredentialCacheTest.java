package dev.latchkey.broker.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestNode;
import dev.latchkey.broker.catalog.ExpirySource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The token fetch's per-node cache of sealed credentials against a real PostgreSQL: node A serves from memory and
 * hears every change made by node B, by plain SQL, or while its listener was gone, through the V5 triggers.
 */
class CredentialCacheTest {

    private static final Duration PING = Duration.ofMillis(100);
    private static final Duration HEARD_WITHIN = Duration.ofSeconds(5);

    private static TestDatabase db;
    private static TestNode nodeA;
    private static CredentialCache cacheA;
    private static CredentialChangeListener listenerA;
    private static CredentialStore storeA;
    private static CredentialStore storeB;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        nodeA = db.newNode(4);
        cacheA = new CredentialCache(1_000, Duration.ofMinutes(5), Duration.ofSeconds(1));
        listenerA = new CredentialChangeListener(nodeA.dataSource(), cacheA, PING);
        listenerA.start();
        storeA = new CredentialStore(nodeA.dsl(), cacheA);
        storeB = new CredentialStore(db.node().dsl(), CredentialCache.disabled());
        await("listener subscribed", cacheA::live);
    }

    @AfterAll
    static void stop() {
        listenerA.close();
        db.close();
    }

    @Test
    void repeatedFetchesAreServedFromMemoryUntilTheRowChanges() {
        UUID id = connect();
        assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(1L);

        // The same change with the trigger off: node A must not notice, proving it no longer reads the database.
        db.node().dsl().execute("alter table credentials disable trigger credentials_changed");
        try {
            sql("update credentials set version = 7 where connection_id = ?", id);
            assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(1L);
        } finally {
            db.node().dsl().execute("alter table credentials enable trigger credentials_changed");
        }
        assertThat(storeA.find(id)).map(StoredCredential::version).contains(7L);
    }

    @Test
    void aRefreshCommittedByAnotherNodeReachesThisNodeWithinMilliseconds() {
        UUID id = connect();
        assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(1L);

        StoredCredential leased = storeB.lease(id, 1L, "node-b", Duration.ofSeconds(30)).orElseThrow();
        assertThat(db.node().inTransaction(() -> storeB.complete(id, "node-b", leased.version(), renewed()))).isTrue();
        long committed = System.nanoTime();

        awaitServed(id, c -> c.version() == 2L);
        System.out.printf("credential change seen by the other node after %.1f ms%n",
                (System.nanoTime() - committed) / 1e6);
    }

    @Test
    void changesMadeOutsideTheApplicationAreHeardToo() {
        UUID id = connect();
        assertThat(storeA.findForServing(id)).map(StoredCredential::status).contains(ConnectionStatus.ACTIVE);

        sql("update connections set status = 'needs_reauth' where id = ?", id);
        awaitServed(id, c -> c.status() == ConnectionStatus.NEEDS_REAUTH);

        sql("delete from connections where id = ?", id);
        await("deleted connection no longer served", () -> storeA.findForServing(id).isEmpty());
    }

    @Test
    void leaseAndScheduleUpdatesDoNotEvict() {
        UUID id = connect();
        storeA.findForServing(id);
        AtomicInteger loads = new AtomicInteger();
        storeB.lease(id, null, "node-b", Duration.ofSeconds(30)).orElseThrow();
        storeB.postpone(id, "node-b", Instant.now().plus(1, ChronoUnit.HOURS));
        sleep(PING.multipliedBy(5));
        cacheA.get(id, counting(loads));
        assertThat(loads).as("a refresh storm's lease traffic must not empty the cache").hasValue(0);
    }

    @Test
    void changesMissedWhileTheListenerWasAwayAreNeverServedAfterItReconnects() {
        UUID id = connect();
        assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(1L);
        Object before = listenerPid();

        db.node().dsl().execute("alter table credentials disable trigger credentials_changed");
        try {
            // Unheard, because the trigger is off: the kind of change a listener misses while it is disconnected.
            sql("update credentials set version = 9 where connection_id = ?", id);
            assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(1L);
            db.node().dsl().fetch("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                    CredentialChangeListener.APPLICATION_NAME);
        } finally {
            db.node().dsl().execute("alter table credentials enable trigger credentials_changed");
        }
        await("listener reconnected", () -> listenerPid() != null && !listenerPid().equals(before) && cacheA.live());
        assertThat(storeA.findForServing(id)).map(StoredCredential::version).contains(9L);
    }

    @Test
    void aClosedListenerTurnsTheCacheOff() {
        CredentialCache cache = new CredentialCache(10, Duration.ofMinutes(5), Duration.ofSeconds(1));
        CredentialChangeListener listener = new CredentialChangeListener(nodeA.dataSource(), cache, PING);
        listener.start();
        await("second listener subscribed", cache::live);
        listener.close();
        assertThat(cache.live()).isFalse();
        UUID id = connect();
        AtomicInteger loads = new AtomicInteger();
        cache.get(id, counting(loads));
        cache.get(id, counting(loads));
        assertThat(loads).hasValue(2);
    }

    @Test
    void aListenerThatStopsProvingItselfTurnsTheCacheOff() {
        CredentialCache cache = new CredentialCache(10, Duration.ofMinutes(5), Duration.ofMillis(200));
        cache.resume();
        UUID id = UUID.randomUUID();
        AtomicInteger loads = new AtomicInteger();
        cache.get(id, counting(loads));
        cache.get(id, counting(loads));
        assertThat(loads).hasValue(1);

        sleep(Duration.ofMillis(300));
        assertThat(cache.live()).isFalse();
        cache.get(id, counting(loads));
        cache.get(id, counting(loads));
        assertThat(loads).as("no heartbeat: every read goes to the database").hasValue(3);
    }

    @Test
    void aChangeHeardDuringALoadIsNotCached() {
        CredentialCache cache = new CredentialCache(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
        cache.resume();
        UUID id = UUID.randomUUID();
        AtomicInteger loads = new AtomicInteger();
        cache.get(id, key -> {
            cache.evict(key);
            return counting(loads).apply(key);
        });
        cache.get(id, counting(loads));
        assertThat(loads).as("the row read while a change was heard may be the old one").hasValue(2);
    }

    @Test
    void evictionAfterCommitDropsACopyLoadedBeforeTheCommit() {
        CredentialCache cache = new CredentialCache(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
        cache.resume();
        UUID id = UUID.randomUUID();
        AtomicInteger loads = new AtomicInteger();
        nodeA.inTransaction(() -> {
            cache.evictAfterCommit(id);
            // Another request reads the not yet committed (old) row and caches it.
            cache.get(id, counting(loads));
        });
        cache.get(id, counting(loads));
        assertThat(loads).hasValue(2);
    }

    private static Object listenerPid() {
        return db.node().dsl().fetchValue("select max(pid) from pg_stat_activity where application_name = ?",
                CredentialChangeListener.APPLICATION_NAME);
    }

    private static Function<UUID, Optional<StoredCredential>> counting(AtomicInteger loads) {
        return key -> {
            loads.incrementAndGet();
            return storeB.find(key).or(() -> Optional.of(placeholder(key)));
        };
    }

    private static StoredCredential placeholder(UUID id) {
        return new StoredCredential(id, "t", "u", "p", ConnectionStatus.ACTIVE, CredentialKind.API_KEY, new byte[] {1},
                null, null, 1, Instant.now(), null, ExpirySource.NEVER, null, null, null, null, null, 0, 0, List.of(),
                "{}", "{}");
    }

    private static UUID connect() {
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        db.node().inTransaction(() -> storeB.create(new NewCredential(id, "tenant-a", "user-1", "scripted",
                CredentialKind.OAUTH2, List.of("read"), "{}", "{}", "test", new byte[] {1, 2, 3}, new byte[] {4, 5},
                "Bearer", now, now.plus(1, ChronoUnit.HOURS), ExpirySource.PROVIDER, 3600L,
                now.plus(50, ChronoUnit.MINUTES))));
        return id;
    }

    private static RenewedCredential renewed() {
        Instant now = Instant.now();
        return new RenewedCredential(new byte[] {9, 9, 9}, null, "Bearer", now, now.plus(1, ChronoUnit.HOURS),
                ExpirySource.PROVIDER, 3600L, null, now.plus(50, ChronoUnit.MINUTES), 0, null, null);
    }

    private static void sql(String statement, UUID id) {
        db.node().dsl().execute(statement, id);
    }

    private static void awaitServed(UUID id, Predicate<StoredCredential> condition) {
        await("change served on node A", () -> storeA.findForServing(id).filter(condition).isPresent());
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + HEARD_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            sleep(Duration.ofMillis(2));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
