package dev.latchkey.broker.cluster;

import static dev.latchkey.db.Tables.BROKER_NODES;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The broker nodes sharing one database, counted so that each can take its share of a deployment-wide budget (the
 * providers' rate limits): every node writes its row in {@code broker_nodes} each heartbeat and counts the rows
 * written within the liveness window, on the database's clock.
 *
 * <p>It starts before the web server and the refresh engine (its first heartbeat is part of start-up, so a node
 * never calls a provider before it has written its row) and stops after them, deleting its row, so the others take
 * over its share at their next heartbeat. A node that dies stops writing and drops out after the liveness window;
 * until then the others keep the smaller share, which errs on the side of the provider. Its peers learn of a
 * joining node only at their next heartbeat, so until then they still use their old, larger shares: the joining
 * node takes the smallest share ({@link #JOINING}: one call per window) until one and a half heartbeats have passed,
 * by when every live peer has counted it, and only then its real one.
 *
 * <p>When the database cannot be reached the last count stands: nothing else a node does works then either.
 */
public final class NodeRoster implements SmartLifecycle {

    /** Before the web server (and so before any request can refresh a credential), and the engine, which follow. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** What a joining node tells its limiter until its peers have counted it: as many nodes as there can be. */
    public static final int JOINING = Integer.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(NodeRoster.class);
    /** Rows this much older than the liveness window are a dead node's, and are deleted. */
    private static final int FORGET_AFTER_WINDOWS = 100;

    private final DSLContext dsl;
    private final String memberId;
    private final Duration heartbeat;
    private final Duration liveness;
    private final IntConsumer onCount;
    private ScheduledExecutorService scheduler;
    private int lastCount;

    /**
     * @param nodeId    this node's name; a random suffix makes the member id unique per process, so two nodes
     *                  configured with the same name still count as two
     * @param heartbeat how often this node writes its row and counts
     * @param liveness  a node not heard from for this long is gone; must exceed twice the heartbeat
     * @param onCount   told the number of live nodes (this one included) at every heartbeat
     */
    public NodeRoster(DSLContext dsl, String nodeId, Duration heartbeat, Duration liveness, IntConsumer onCount) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.memberId = Objects.requireNonNull(nodeId, "nodeId") + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        this.onCount = Objects.requireNonNull(onCount, "onCount");
        if (heartbeat.isNegative() || heartbeat.isZero() || !liveness.minus(heartbeat.multipliedBy(2)).isPositive()) {
            throw new IllegalArgumentException("the node liveness window must be more than twice a positive heartbeat");
        }
    }

    /** This process's row in {@code broker_nodes}. */
    public String memberId() {
        return memberId;
    }

    /**
     * Writes this node's row and counts the live nodes, this one included; tells {@code onCount}.
     *
     * @return the count
     */
    public synchronized int beat() {
        int count = record();
        if (count != lastCount) {
            log.info("{} broker node(s) share the provider rate limits", count);
            lastCount = count;
        }
        onCount.accept(count);
        return count;
    }

    /** Writes this node's row; answers the live nodes, this one included. */
    private int record() {
        dsl.insertInto(BROKER_NODES)
                .set(BROKER_NODES.NODE_ID, memberId)
                .set(BROKER_NODES.SEEN_AT, DSL.currentOffsetDateTime())
                .onConflict(BROKER_NODES.NODE_ID).doUpdate()
                .set(BROKER_NODES.SEEN_AT, DSL.currentOffsetDateTime())
                .execute();
        int others = dsl.fetchCount(BROKER_NODES, BROKER_NODES.NODE_ID.ne(memberId)
                .and(BROKER_NODES.SEEN_AT.gt(nowMinus(liveness))));
        dsl.deleteFrom(BROKER_NODES)
                .where(BROKER_NODES.SEEN_AT.lt(nowMinus(liveness.multipliedBy(FORGET_AFTER_WINDOWS))))
                .execute();
        return others + 1;
    }

    /** Deletes this node's row: the others take its share at their next heartbeat. */
    public synchronized void leave() {
        dsl.deleteFrom(BROKER_NODES).where(BROKER_NODES.NODE_ID.eq(memberId)).execute();
    }

    @Override
    public synchronized void start() {
        record();
        onCount.accept(JOINING);
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("latchkey-node-roster").factory());
        long millis = heartbeat.toMillis();
        // The peers beat once per heartbeat (plus the time a beat takes): half a heartbeat more covers that.
        scheduler.scheduleWithFixedDelay(this::beatQuietly, millis + millis / 2, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = scheduler;
            scheduler = null;
        }
        if (running == null) {
            return;
        }
        running.shutdownNow();
        try {
            running.awaitTermination(5, TimeUnit.SECONDS);
            leave();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Could not remove this node from broker_nodes ({}); it drops out after {}",
                    e.getClass().getSimpleName(), liveness);
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void beatQuietly() {
        try {
            beat();
        } catch (RuntimeException e) {
            log.warn("Broker node heartbeat failed ({}); keeping the last count", e.getClass().getSimpleName());
        }
    }

    /** {@code now() - span} on the database's clock, the one every node's row is timed by. */
    private static Field<OffsetDateTime> nowMinus(Duration span) {
        return DSL.field("now() - make_interval(secs => {0})", SQLDataType.TIMESTAMPWITHTIMEZONE,
                DSL.val(span.toMillis() / 1000.0));
    }
}
