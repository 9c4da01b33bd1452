package dev.latchkey.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.jooq.DSLContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One real Latchkey per test JVM: the production launcher on an embedded PostgreSQL in a temporary directory, on
 * free ports, bootstrapped with an admin user and admin client. Tests talk to it over real HTTP.
 */
public final class TestServer {

    public static final String ADMIN_USERNAME = "root-admin";
    public static final String ADMIN_PASSWORD = "correct-horse-battery-staple";
    public static final String ADMIN_CLIENT_ID = "automation";
    public static final String ADMIN_CLIENT_SECRET = "automation-secret-0123456789";

    private static TestServer instance;

    private final ConfigurableApplicationContext context;
    private final int port;
    private final Path dataDir;

    private TestServer(ConfigurableApplicationContext context, int port, Path dataDir) {
        this.context = context;
        this.port = port;
        this.dataDir = dataDir;
    }

    public static synchronized TestServer get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance.context::close));
        }
        return instance;
    }

    private static TestServer start() {
        try {
            int port = freePort();
            int managementPort = freePort();
            Path dataDir = Files.createTempDirectory("latchkey-test-");
            // Command-line arguments outrank application.yaml, as an operator's settings would.
            java.util.List<String> arguments = new java.util.ArrayList<>(java.util.List.of(
                    "--server.port=" + port,
                    "--management.server.port=" + managementPort,
                    "--latchkey.data-dir=" + dataDir,
                    "--latchkey.authz.issuer=http://localhost:" + port,
                    "--latchkey.bootstrap.admin-username=" + ADMIN_USERNAME,
                    "--latchkey.bootstrap.admin-password=" + ADMIN_PASSWORD,
                    "--latchkey.bootstrap.admin-client-id=" + ADMIN_CLIENT_ID,
                    "--latchkey.bootstrap.admin-client-secret=" + ADMIN_CLIENT_SECRET,
                    // The suite's own traffic (and its 10,000 fuzzed requests) comes from loopback; brute-force limits
                    // keep their production defaults for every other source (BruteForceProtectionTest uses 127.0.0.x).
                    "--latchkey.throttle.exempt-sources=127.0.0.1,0:0:0:0:0:0:0:1",
                    // Tests tamper with the chain and put it back; the periodic verification runs only when a test
                    // calls it (AuditJobsTest), so it never records a tampered moment by chance.
                    "--latchkey.audit.verify.initial-delay=P1D"));
            // The broker's scripted providers and Keycloak are declared in its catalog, read at start-up.
            arguments.addAll(BrokerTestbed.get().serverArguments());
            ConfigurableApplicationContext context = new SpringApplicationBuilder(LatchkeyApplication.class)
                    .run(arguments.toArray(String[]::new));
            return new TestServer(context, port, dataDir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public int managementPort() {
        return Integer.parseInt(context.getEnvironment().getProperty("management.server.port"));
    }

    public DSLContext dsl() {
        return context.getBean(DSLContext.class);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** Registers a listener for application events (e.g. authentication events) for the rest of the JVM. */
    public void addListener(org.springframework.context.ApplicationListener<?> listener) {
        context.addApplicationListener(listener);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How many HTTP sessions the main port's Tomcat holds right now. */
    public int activeSessions() {
        TomcatWebServer server = (TomcatWebServer) ((WebServerApplicationContext) context).getWebServer();
        return ((Context) server.getTomcat().getHost().findChildren()[0]).getManager().getActiveSessions();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
