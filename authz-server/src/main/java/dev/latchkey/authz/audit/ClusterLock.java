package dev.latchkey.authz.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * A PostgreSQL session-level advisory lock, tried without waiting and held on a pooled connection of its own while
 * the work runs (the work may use other connections and transactions): at most one node runs it at a time, and a
 * node that dies releases the lock with its session.
 */
final class ClusterLock {

    private final DataSource dataSource;
    private final long key;

    ClusterLock(DataSource dataSource, long key) {
        this.dataSource = dataSource;
        this.key = key;
    }

    /** Runs {@code work} if no other session holds the lock; empty when another does (or the work returned null). */
    <T> Optional<T> ifFree(Supplier<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            DSLContext session = DSL.using(connection, SQLDialect.POSTGRES);
            if (!Boolean.TRUE.equals(session.fetchValue("select pg_try_advisory_lock({0})", DSL.val(key)))) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(work.get());
            } finally {
                // The connection goes back to the pool: the lock must not go with it.
                session.fetchValue("select pg_advisory_unlock({0})", DSL.val(key));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("advisory lock " + key + " could not be used", e);
        }
    }
}
