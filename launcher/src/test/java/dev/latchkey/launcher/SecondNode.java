package dev.latchkey.launcher;

import com.zaxxer.hikari.HikariDataSource;
import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another Latchkey node in the test JVM, clustered with {@link TestServer}: the production launcher on its own free
 * ports, sharing node 1's database and everything node 1 keeps there.
 *
 * <p>What makes it the same cluster and not a second installation:
 * <ul>
 *   <li>{@code spring.datasource.url} is node 1's embedded PostgreSQL, so the embedded database configuration stays
 *       off and Spring Boot's own Hikari pool is used;</li>
 *   <li>{@code latchkey.keys.local.keyring-file} is node 1's keyring (never created here). The token-hashing key, the
 *       audit chain key, provider app secrets and credentials are all sealed in the database under that keyring's
 *       key-encryption key, so a node with another keyring could open none of them;</li>
 *   <li>the issuer is node 1's (one issuer for the cluster, as behind a load balancer), the broker catalog is the
 *       testbed's, and the bootstrap settings are node 1's, which a second start leaves alone;</li>
 *   <li>its own {@code latchkey.broker.node-id}, the name its refresh leases carry.</li>
 * </ul>
 *
 * <p>Its own {@code latchkey.data-dir} holds nothing: with a datasource URL no embedded database is started, and
 * the keyring comes from node 1's directory.
 */
public final class SecondNode implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;
    private final String nodeId;

    private SecondNode(ConfigurableApplicationContext context, int port, String nodeId) {
        this.context = context;
        this.port = port;
        this.nodeId = nodeId;
    }

    /**
     * Starts a node named {@code nodeId}; {@code extraArguments} come last and so win (e.g. a shorter lease).
     */
    public static SecondNode start(String nodeId, String... extraArguments) {
        return start(nodeId, "postgres", extraArguments);
    }

    /**
     * Starts the first node of another installation, named {@code name}: the same kind of node, but on a database
     * of its own (created in node 1's PostgreSQL server, migrated and bootstrapped on start), so it has its own
     * audit chain, keys and data. For tests that must own a whole chain, e.g. to archive it from its first row.
     */
    public static SecondNode startInstallation(String name, String... extraArguments) {
        TestServer.get().dsl().execute("create database " + DSL.name(name).toString());
        return start(name, name, extraArguments);
    }

    /** The JDBC URL of {@code database} in node 1's PostgreSQL server. */
    public static String jdbcUrl(String database) {
        return TestServer.get().bean(EmbeddedDatabase.class).jdbcUrl(database);
    }

    private static SecondNode start(String nodeId, String databaseName, String... extraArguments) {
        TestServer first = TestServer.get();
        EmbeddedDatabase database = first.bean(EmbeddedDatabase.class);
        try {
            int port = freePort();
            Path dataDir = Files.createTempDirectory("latchkey-" + nodeId + "-");
            List<String> arguments = new ArrayList<>(List.of(
                    "--server.port=" + port,
                    "--management.server.port=" + freePort(),
                    "--latchkey.data-dir=" + dataDir,
                    "--spring.datasource.url=" + database.jdbcUrl(databaseName),
                    "--spring.datasource.username=" + database.username(),
                    "--spring.datasource.hikari.pool-name=latchkey-" + nodeId,
                    "--spring.datasource.hikari.maximum-pool-size=20",
                    "--latchkey.keys.provider=local",
                    "--latchkey.keys.local.keyring-file=" + first.dataDir().resolve("keyring.json"),
                    "--latchkey.keys.local.create-if-missing=false",
                    "--latchkey.authz.issuer=" + first.baseUrl(),
                    "--latchkey.bootstrap.admin-username=" + TestServer.ADMIN_USERNAME,
                    "--latchkey.bootstrap.admin-password=" + TestServer.ADMIN_PASSWORD,
                    "--latchkey.bootstrap.admin-client-id=" + TestServer.ADMIN_CLIENT_ID,
                    "--latchkey.bootstrap.admin-client-secret=" + TestServer.ADMIN_CLIENT_SECRET,
                    "--latchkey.throttle.exempt-sources=127.0.0.1,0:0:0:0:0:0:0:1"));
            arguments.addAll(BrokerTestbed.get().serverArguments());
            arguments.add("--latchkey.broker.node-id=" + nodeId);
            arguments.addAll(List.of(extraArguments));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(LatchkeyApplication.class)
                    .registerShutdownHook(false)
                    .run(arguments.toArray(String[]::new));
            return new SecondNode(context, port, nodeId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public String nodeId() {
        return nodeId;
    }

    public String managementUrl() {
        return "http://localhost:" + context.getEnvironment().getProperty("management.server.port");
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public boolean isRunning() {
        return context.isActive();
    }

    /**
     * The closest an in-process node gets to {@code kill -9}: its connection pool is closed first, so from that
     * moment the node cannot write anything to the database (no commit, no lease release, no "failed" mark), and
     * only then is its context shut down. Whatever its threads were doing (a provider call, a wait for a lease)
     * ends in an exception at their next database access at the latest; what the database holds is exactly what a
     * crash would leave. Not a crash: the JVM lives on, and a request the node had already sent to a provider is
     * still received and answered there.
     */
    public void kill() {
        DataSource dataSource = context.getBean(DataSource.class);
        if (dataSource instanceof HikariDataSource hikari) {
            hikari.close();
        } else {
            throw new IllegalStateException("expected Spring Boot's Hikari pool, found " + dataSource.getClass());
        }
        context.close();
    }

    /** Shuts the node down gracefully (it releases nothing it does not hold; idempotent). */
    @Override
    public void close() {
        if (context.isActive()) {
            context.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
