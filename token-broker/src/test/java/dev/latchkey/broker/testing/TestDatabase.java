package dev.latchkey.broker.testing;

import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;

/**
 * A real PostgreSQL for one test class: embedded, migrated with the project's Flyway migrations. {@link #node()} is
 * the application's wiring; {@link #newNode} another Latchkey instance on the same database.
 */
public final class TestDatabase implements AutoCloseable {

    private final EmbeddedDatabase db;
    private final List<TestNode> nodes = new ArrayList<>();
    private final TestNode node;

    private TestDatabase(EmbeddedDatabase db) {
        this.db = db;
        Flyway.configure().dataSource(jdbcUrl(), db.username(), "").locations("classpath:db/migration").load().migrate();
        this.node = newNode(8);
    }

    public static TestDatabase start() {
        return new TestDatabase(EmbeddedDatabase.startTemporary());
    }

    public String jdbcUrl() {
        return db.jdbcUrl("postgres");
    }

    public TestNode node() {
        return node;
    }

    /** Another node: its own connection pool, transaction manager and DSLContext. */
    public TestNode newNode(int poolSize) {
        TestNode created = new TestNode(jdbcUrl(), db.username(), poolSize);
        nodes.add(created);
        return created;
    }

    /** Empties these tables between tests (children first). */
    public void clear(String... tables) {
        for (String table : tables) {
            node.dsl().execute("delete from " + table);
        }
    }

    @Override
    public void close() {
        nodes.forEach(TestNode::close);
        db.close();
    }
}
