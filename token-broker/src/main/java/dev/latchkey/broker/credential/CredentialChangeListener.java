package dev.latchkey.broker.credential;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps one database connection subscribed to {@code latchkey_credentials} and evicts every connection id it hears
 * from the {@link CredentialCache}. It pings the database every {@code ping} so that a silently dead connection
 * (no error, just no more notifications) is noticed: the cache turns itself off when the pings stop succeeding.
 * After any failure it reconnects with backoff, and the cache starts empty again.
 */
public final class CredentialChangeListener implements SmartLifecycle, AutoCloseable {

    /** The channel the {@code V5} triggers notify. */
    public static final String CHANNEL = "latchkey_credentials";
    /** The listener's session name in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "latchkey-credential-changes";

    private static final Logger log = LoggerFactory.getLogger(CredentialChangeListener.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final CredentialCache cache;
    private final Duration ping;
    private volatile boolean running;
    private Thread thread;

    public CredentialChangeListener(DataSource dataSource, CredentialCache cache, Duration ping) {
        this.dataSource = dataSource;
        this.cache = cache;
        this.ping = ping;
    }

    @Override
    public synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().daemon().name("latchkey-credential-changes").start(this::run);
        }
    }

    /** Stopped before the database goes away at shutdown; fetches read the database from then on. */
    @Override
    public void stop() {
        close();
    }

    @Override
    public synchronized boolean isRunning() {
        return thread != null;
    }

    @Override
    public synchronized void close() {
        if (thread == null) {
            return;
        }
        running = false;
        cache.suspend();
        try {
            // The loop wakes at least every ping and closes its own connection (closing a pooled connection from
            // here could hand it to another borrower while the loop still reads from it).
            thread.join(ping.toMillis() * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    private void run() {
        long backoffMillis = 100;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try {
                    listen(connection);
                } finally {
                    retire(connection);
                }
                backoffMillis = 100;
            } catch (SQLException | RuntimeException e) {
                cache.suspend();
                if (running) {
                    log.warn("Credential change listener lost its database connection ({}); fetches read the "
                            + "database until it is back", e.getClass().getSimpleName());
                    sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
                }
            }
        }
        cache.suspend();
    }

    private void listen(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        PGConnection postgres = connection.unwrap(PGConnection.class);
        try (Statement statement = connection.createStatement()) {
            // Named so that operators (and tests) can find it in pg_stat_activity.
            statement.execute("set application_name = '" + APPLICATION_NAME + "'");
            statement.execute("listen " + CHANNEL);
            cache.resume();
            int waitMillis = (int) Math.max(1, ping.toMillis());
            long pingNanos = ping.toNanos();
            long pingedAt = System.nanoTime();
            while (running) {
                evict(postgres.getNotifications(waitMillis));
                if (System.nanoTime() - pingedAt >= pingNanos) {
                    // A round trip proves the connection is alive; notifications that came in with its answer are
                    // queued by the driver and returned by the next call.
                    statement.execute("select 1");
                    evict(postgres.getNotifications());
                    pingedAt = System.nanoTime();
                    cache.heard();
                }
            }
        }
    }

    /**
     * A session that has LISTENed must not go back to the pool: the driver would buffer every later notification
     * for whoever borrows it next, unread, for ever.
     */
    private void retire(Connection connection) throws SQLException {
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
            dataSource.unwrap(HikariDataSource.class).evictConnection(connection);
        } else if (!connection.isClosed()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("unlisten *");
            }
        }
    }

    private void evict(PGNotification[] notifications) {
        if (notifications == null) {
            return;
        }
        for (PGNotification notification : notifications) {
            try {
                cache.evict(UUID.fromString(notification.getParameter()));
            } catch (IllegalArgumentException e) {
                // Not ours to interpret: forget everything rather than risk serving a changed row.
                cache.clear();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
