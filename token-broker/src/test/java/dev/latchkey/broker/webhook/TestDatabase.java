package dev.latchkey.broker.webhook;

import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;

/**
 * A real PostgreSQL for one test class: embedded, migrated with the project's Flyway migrations. {@link #node()} is
 * the application's wiring; {@link #newNode} another Latchkey instance on the same database.
 */
final class TestDatabase implements AutoCloseable {

    private final EmbeddedDatabase db;
    private final List<TestNode> nodes = new ArrayList<>();
    private final TestNode node;

    private TestDatabase(EmbeddedDatabase db) {
        this.db = db;
        Flyway.configure().dataSource(jdbcUrl(), db.username(), "").locations("classpath:db/migration").load().migrate();
        this.node = newNode(8);
    }

    static TestDatabase start() {
        return new TestDatabase(EmbeddedDatabase.startTemporary());
    }

    String jdbcUrl() {
        return db.jdbcUrl("postgres");
    }

    TestNode node() {
        return node;
    }

    /** Another node: its own connection pool, transaction manager and DSLContext. */
    TestNode newNode(int poolSize) {
        TestNode created = new TestNode(jdbcUrl(), db.username(), poolSize);
        nodes.add(created);
        return created;
    }

    /** Empties the webhook tables between tests. */
    void reset() {
        node.dsl().execute("delete from webhook_outbox");
        node.dsl().execute("delete from webhook_endpoints");
    }

    @Override
    public void close() {
        nodes.forEach(TestNode::close);
        db.close();
    }
}
