package dev.latchkey.broker.webhook;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs {@link WebhookDispatcher} on one background thread: every poll interval it dispatches batches until fewer
 * than a full batch were due. Started when the application context has started and stopped before the context
 * closes the connection pool: {@link #stop()} lets deliveries in flight finish (claimed rows not yet started are
 * given back) and waits for them, so nothing runs (or logs) afterwards.
 */
public final class WebhookDispatchScheduler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatchScheduler.class);

    private final WebhookDispatcher dispatcher;
    private final Duration pollInterval;
    private final int batchSize;
    private final Duration stopTimeout;
    private ScheduledExecutorService executor;
    private volatile boolean running;
    private boolean failing; // only touched by the dispatcher thread

    /**
     * @param batchSize   the dispatcher's batch size: a full batch means more rows may be due right away
     * @param stopTimeout how long {@link #stop()} waits for deliveries in flight before aborting them
     */
    public WebhookDispatchScheduler(WebhookDispatcher dispatcher, Duration pollInterval, int batchSize,
            Duration stopTimeout) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.batchSize = batchSize;
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive");
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "webhook-dispatcher");
            thread.setDaemon(true);
            return thread;
        });
        running = true;
        executor.scheduleWithFixedDelay(this::round, pollInterval.toMillis(), pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
                dispatcher.close(); // aborts sends in flight; their rows are retried when the lease ends
                if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("Webhook dispatcher thread did not stop");
                }
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void round() {
        try {
            while (running && dispatcher.dispatchOnce(this::isRunning) >= batchSize) {
                // a full batch: more may be due already
            }
            if (failing) {
                failing = false;
                log.info("Webhook dispatch works again");
            }
        } catch (RuntimeException e) {
            if (!running) {
                return;
            }
            if (!failing) {
                // Once per outage (e.g. the database is down), not once per poll.
                failing = true;
                log.warn("Webhook dispatch failed; retrying every {}", pollInterval, e);
            } else {
                log.debug("Webhook dispatch still failing", e);
            }
        }
    }
}
