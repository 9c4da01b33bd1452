package dev.latchkey.audit;

import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;

/**
 * A real PostgreSQL for one test class: embedded, migrated with the project's Flyway migrations, with a
 * {@link TestNode} wired like the application. {@link #tamper} plays the attacker with full database access.
 */
public final class TestDatabase implements AutoCloseable {

    private final EmbeddedDatabase db;
    private final TestNode node;
    private final List<TestNode> otherNodes = new ArrayList<>();

    private TestDatabase(EmbeddedDatabase db) {
        this.db = db;
        Flyway.configure().dataSource(jdbcUrl(), username(), "").locations("classpath:db/migration").load().migrate();
        this.node = new TestNode(jdbcUrl(), username(), 8);
    }

    public static TestDatabase start() {
        return new TestDatabase(EmbeddedDatabase.startTemporary());
    }

    public String jdbcUrl() {
        return db.jdbcUrl("postgres");
    }

    public String username() {
        return db.username();
    }

    /** The application's node. */
    public TestNode node() {
        return node;
    }

    /** Another node on the same database (as a second Latchkey instance would be). */
    public TestNode newNode(int poolSize) {
        TestNode created = new TestNode(jdbcUrl(), username(), poolSize);
        otherNodes.add(created);
        return created;
    }

    /** Empties these tables (children first) between tests. */
    public void clear(String... tables) {
        for (String table : tables) {
            node.dsl().execute("delete from " + table);
        }
    }

    /**
     * Runs statements as a database superuser with the append-only triggers switched off: what an attacker with full
     * database access (or a stolen superuser password) can do.
     */
    public void tamper(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("set session_replication_role = replica");
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Like {@link #tamper(String...)} with one statement and bind values. */
    public void tamperWith(String sql, Object... binds) {
        try (Connection c = connect()) {
            c.createStatement().execute("set session_replication_role = replica");
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < binds.length; i++) {
                    s.setObject(i + 1, binds[i]);
                }
                s.execute();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empties the audit tables (past the triggers) and restarts their ids, for the next test. */
    public void reset() {
        tamper("delete from audit_events", "delete from audit_checkpoints", "delete from audit_archives",
                "alter sequence audit_events_id_seq restart", "alter sequence audit_checkpoints_id_seq restart",
                "alter sequence audit_archives_id_seq restart");
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), username(), "");
    }

    @Override
    public void close() {
        otherNodes.forEach(TestNode::close);
        node.close();
        db.close();
    }
}
