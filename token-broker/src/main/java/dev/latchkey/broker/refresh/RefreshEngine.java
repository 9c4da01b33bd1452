package dev.latchkey.broker.refresh;

import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.StoredCredential;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The proactive refresh engine. Every node runs one: it leases due credentials in batches
 * ({@code FOR UPDATE SKIP LOCKED}, so nodes share the work without coordination) and renews them on virtual threads.
 * It never leases more than it has workers for, so a lease does not run out while it waits in a queue; a lease
 * left by a node that died simply expires and the credential is claimed again.
 */
public final class RefreshEngine implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RefreshEngine.class);

    /**
     * @param workers      concurrent refreshes per node
     * @param pollInterval how often an idle engine looks for due credentials
     * @param autoStart    start with the application (off on nodes that only serve tokens)
     */
    public record Settings(int workers, Duration pollInterval, Duration lease, String nodeId, boolean autoStart) {
    }

    private final CredentialStore store;
    private final Refresher refresher;
    private final Settings settings;
    private final Semaphore slots;
    private final AtomicLong refreshed = new AtomicLong();
    private volatile boolean running;
    private Thread poller;
    private ExecutorService workers;

    public RefreshEngine(CredentialStore store, Refresher refresher, Settings settings) {
        this.store = store;
        this.refresher = refresher;
        this.settings = settings;
        this.slots = new Semaphore(settings.workers());
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        workers = Executors.newVirtualThreadPerTaskExecutor();
        poller = Thread.ofPlatform().daemon().name("latchkey-refresh-engine").start(this::poll);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        poller.interrupt();
        workers.shutdown();
        try {
            poller.join(5_000);
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isAutoStartup() {
        return settings.autoStart();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Refreshes completed by this node's engine since start. */
    public long refreshedCount() {
        return refreshed.get();
    }

    private void poll() {
        while (running) {
            try {
                int claimed = claimOnce();
                if (claimed == 0) {
                    Thread.sleep(settings.pollInterval());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Refresh engine poll failed ({}); retrying", e.getClass().getSimpleName());
                try {
                    Thread.sleep(settings.pollInterval());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private int claimOnce() throws InterruptedException {
        slots.acquire();
        int free = 1 + slots.drainPermits();
        List<StoredCredential> due;
        try {
            due = store.claimDue(Refresher.leaseOwner(settings.nodeId()), free, settings.lease());
        } catch (RuntimeException e) {
            slots.release(free);
            throw e;
        }
        slots.release(free - due.size());
        for (StoredCredential credential : due) {
            workers.execute(() -> {
                try {
                    if (refresher.refreshLeased(credential).kind() == RefreshResult.Kind.REFRESHED) {
                        refreshed.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    log.warn("Proactive refresh of connection {} failed ({})", credential.connectionId(),
                            e.getClass().getSimpleName());
                } finally {
                    slots.release();
                }
            });
        }
        return due.size();
    }
}
