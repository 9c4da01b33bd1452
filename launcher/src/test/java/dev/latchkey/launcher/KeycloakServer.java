package dev.latchkey.launcher;

import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A real Keycloak as the third-party OAuth provider of the token broker's end-to-end tests: one per test JVM, started
 * on first use by {@code tools/keycloak/keycloak.sh} on a free 127.0.0.1 port with the {@value #REALM} realm of
 * {@code src/test/resources/keycloak/broker-test-realm.json}, stopped by a shutdown hook.
 *
 * <p>The realm: confidential client {@value #CLIENT_ID} (client_secret_basic or post, authorization code only, PKCE
 * S256 required, redirect URIs {@code http://127.0.0.1/connect/callback} and {@code http://localhost/connect/callback}
 * on any port), 20-second access tokens, refresh tokens that rotate with no reuse, 30-minute SSO sessions, and users
 * {@link #ALICE} and {@link #BOB} who land straight on the redirect after signing in (no required actions).
 * {@link #catalogYaml} describes it as a broker catalog entry; the admin helpers change it over Keycloak's admin REST
 * API, as an operator or a user revoking access would.
 *
 * <p>Keycloak's own log stays in {@code target/keycloak/<port>/keycloak.log}.
 */
public final class KeycloakServer {

    public static final String REALM = "broker-test";
    public static final String CLIENT_ID = "latchkey-broker";
    public static final String CLIENT_SECRET = "latchkey-broker-secret-7Qm2xV9pK4";
    public static final User ALICE = new User("alice", "alice-Passw0rd-broker");
    public static final User BOB = new User("bob", "bob-Passw0rd-broker");

    /** The realm's SSO session idle and maximum lifetimes, which bound its (non-offline) refresh tokens. */
    public static final Duration SESSION_IDLE = Duration.ofMinutes(30);
    public static final Duration SESSION_MAX = Duration.ofMinutes(60);

    /** Keycloak needs {@code <realm>-realm.json} as the file name when it imports a directory. */
    private static final String REALM_RESOURCE = "keycloak/" + REALM + "-realm.json";
    private static final String SCRIPT = "tools/keycloak/keycloak.sh";
    private static final String ADMIN_USERNAME = "admin";
    private static final String ADMIN_PASSWORD = "admin";
    private static final int START_TIMEOUT_SECONDS = 240;
    private static final int LOG_TAIL_LINES = 40;

    private static KeycloakServer instance;
    private static RuntimeException startFailure;
    private static int reservedPort;
    private static Thread background;

    private final Path runDir;
    private final int port;
    private final String version;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A user of the realm, with the password that signs them in. */
    public record User(String username, String password) {
    }

    private KeycloakServer(Path runDir, int port, String version) {
        this.runDir = runDir;
        this.port = port;
        this.version = version;
    }

    /**
     * The JVM's Keycloak, started on first call (15-30 s on a 2-core machine; the time is printed once). A failed start is not
     * retried: every later call throws the same exception, whose message ends with Keycloak's log.
     */
    public static synchronized int reservedPort() {
        if (reservedPort == 0) {
            reservedPort = freePort();
        }
        return reservedPort;
    }

    /** Starts the JVM's Keycloak on a background thread (on {@link #reservedPort()}), for {@link #shared()} to await. */
    public static synchronized void startInBackground() {
        if (background == null && instance == null) {
            background = Thread.ofPlatform().daemon().name("keycloak-start").start(() -> {
                try {
                    shared();
                } catch (RuntimeException e) {
                    // remembered in startFailure; shared() re-throws it to the test that needs Keycloak
                }
            });
        }
    }

    public static synchronized KeycloakServer shared() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (instance == null) {
            try {
                instance = start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
        }
        return instance;
    }

    /** {@code http://127.0.0.1:<port>}: the host and port every URL of this Keycloak uses. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The realm URL, which is also the {@code iss} of its tokens and authorization responses. */
    public String issuer() {
        return baseUrl() + "/realms/" + REALM;
    }

    public int port() {
        return port;
    }

    /** The Keycloak version that announced itself in the log. */
    public String version() {
        return version;
    }

    public String clientId() {
        return CLIENT_ID;
    }

    public String clientSecret() {
        return CLIENT_SECRET;
    }

    /** The broker's registration at this Keycloak. */
    public ClientCredentials clientCredentials() {
        return new ClientCredentials(CLIENT_ID, Secret.of(CLIENT_SECRET));
    }

    /** Keycloak's log file, for a failing test to point at. */
    public Path logFile() {
        return runDir.resolve("keycloak.log");
    }

    /**
     * A deployment catalog file (for {@code new ProviderCatalog(dir)}) with one provider, {@code providerId}, that is
     * this realm. Without {@code offline_access} Keycloak still issues refresh tokens, bound to the SSO session; a
     * connection may request {@code offline_access} as an extra scope.
     */
    public String catalogYaml(String providerId) {
        return catalogYaml(providerId, port, version);
    }

    /**
     * The same catalog file for a Keycloak that will listen on {@link #reservedPort()}: the broker under test loads its
     * catalog at start-up, before Keycloak is up (they start side by side).
     */
    public static String catalogYaml(String providerId, int port, String version) {
        String issuer = "http://127.0.0.1:" + port + "/realms/" + REALM;
        String endpoints = issuer + "/protocol/openid-connect";
        return """
                # Keycloak %s, realm %s on 127.0.0.1:%d: written by KeycloakServer for tests.
                catalogVersion: "1.0.0"
                providers:
                  %s:
                    displayName: Keycloak (%s realm)
                    authMode: oauth2
                    docs: https://www.keycloak.org/docs/latest/securing_apps/index.html#_oidc
                    allowInsecureForTesting: true
                    # The realm URL; Keycloak puts it in every authorization response as iss (RFC 9207) and says so
                    # in its metadata (authorization_response_iss_parameter_supported).
                    issuer: %s
                    urls:
                      authorize: %s/auth
                      token: %s/token
                      revoke: %s/revoke
                      api: %s
                    authorize:
                      scopeSeparator: " "
                      defaultScopes: [openid]
                      pkce: S256
                      issParameterSupported: true
                    tokenRequest: { clientAuth: client_secret_basic }
                    tokenResponse: { refreshTokenExpiresIn: /refresh_expires_in }
                    # 20-second access tokens: the default 60-second skew would halve them.
                    expiry: { policy: provider, skewSeconds: 5 }
                    # revokeRefreshToken with refreshTokenMaxReuse 0: presenting a replaced refresh token fails and
                    # ends the client's session, so the newest refresh token dies with it.
                    refreshToken: { rotates: true, idleLifetimeSeconds: %d, absoluteLifetimeSeconds: %d }
                    # RFC 7009; Keycloak also accepts client_secret_post here.
                    revocation: { method: POST, token: refresh, placement: form, param: token, tokenTypeHint: true, clientAuth: client_secret_basic }
                    errors:
                      # Keycloak sends these with invalid_grant, which already means reauth; listed so the meaning
                      # survives should a version pair them with another code.
                      reauthDescriptionPatterns:
                        - '^Session not active$'
                        - '^Token is not active$'
                        - '^Stale token$'
                        - '^Maximum allowed refresh token reuse exceeded$'
                        - '^Session doesn''t have required client$'
                        - '^Offline (user )?session not (active|found)$'
                """.formatted(version, REALM, port, providerId, REALM, issuer, endpoints, endpoints, endpoints, endpoints,
                SESSION_IDLE.toSeconds(), SESSION_MAX.toSeconds());
    }

    /**
     * Ends every session of {@code username}, as an administrator's "sign out everywhere" (admin API
     * {@code POST /users/{id}/logout}, which also sets the user's not-before time), and revokes the broker client's
     * offline tokens for them. Afterwards their refresh tokens fail with {@code invalid_grant}.
     */
    public void logoutAllSessions(String username) {
        String user = "/users/" + userId(username);
        expect(admin("POST", user + "/logout", null), 204);
        // Offline tokens outlive sessions; this endpoint revokes them, and answers 404 when there are none.
        int status = admin("DELETE", user + "/consents/" + CLIENT_ID, null).statusCode();
        if (status != 204 && status != 404) {
            throw new IllegalStateException("Keycloak answered " + status + " to revoking " + username
                    + "'s offline tokens");
        }
    }

    /** How many (online) sessions {@code username} has. */
    public int sessionCount(String username) {
        HttpResponse<String> response = admin("GET", "/users/" + userId(username) + "/sessions", null);
        expect(response, 200);
        return Http.JSON.readTree(response.body()).size();
    }

    /**
     * Sets the realm's access token lifespan for tokens issued from now on (Keycloak has no lower bound; 1 s works).
     * The realm is shared by the JVM's tests: restore the returned previous value in a {@code finally}.
     *
     * @return the lifespan before this call
     */
    public Duration setAccessTokenLifespan(Duration lifespan) {
        if (lifespan.toSeconds() < 1) {
            throw new IllegalArgumentException("an access token lifespan is at least one second");
        }
        HttpResponse<String> current = admin("GET", "", null);
        expect(current, 200);
        Duration previous = Duration.ofSeconds(Http.JSON.readTree(current.body()).path("accessTokenLifespan").asLong());
        // The realm endpoint applies only the fields present.
        expect(admin("PUT", "", Map.of("accessTokenLifespan", lifespan.toSeconds())), 204);
        return previous;
    }

    private String userId(String username) {
        HttpResponse<String> response = admin("GET", "/users?exact=true&username="
                + URLEncoder.encode(username, StandardCharsets.UTF_8), null);
        expect(response, 200);
        JsonNode users = Http.JSON.readTree(response.body());
        if (users.size() != 1) {
            throw new IllegalArgumentException("realm " + REALM + " has no user '" + username + "'");
        }
        return users.get(0).path("id").asString();
    }

    /** One admin REST call on this realm, with a fresh master-realm token (they live 60 s). */
    private HttpResponse<String> admin(String method, String realmPath, Object jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + "/admin/realms/" + REALM + realmPath))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminToken())
                .header("Accept", "application/json");
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(Http.JSON.writeValueAsString(jsonBody)));
        }
        return send(request.build());
    }

    private String adminToken() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(baseUrl() + "/realms/master/protocol/openid-connect/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Http.form(Map.of("grant_type", "password",
                        "client_id", "admin-cli", "username", ADMIN_USERNAME, "password", ADMIN_PASSWORD))))
                .build());
        expect(response, 200);
        return Http.JSON.readTree(response.body()).path("access_token").asString();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException("Keycloak admin API: " + response.request().method() + " "
                    + response.request().uri().getPath() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    // --- start and stop -----------------------------------------------------------------------------------------

    private static KeycloakServer start() {
        Path repoRoot = repoRoot();
        long started = System.nanoTime();
        IllegalStateException lastFailure = null;
        // The free port is only free when probed; another process may take it before Keycloak binds. Try again then.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = attempt == 0 ? reservedPort() : freePort();
            Path runDir = Path.of("target", "keycloak", String.valueOf(port)).toAbsolutePath();
            StartResult result = runScript(repoRoot, runDir, port);
            if (result.exitCode() == 0) {
                String version = versionIn(runDir.resolve("keycloak.log"));
                KeycloakServer server = new KeycloakServer(runDir, port, version);
                System.out.printf("KeycloakServer: Keycloak %s ready on %s in %.1f s (log: %s)%n", version,
                        server.baseUrl(), (System.nanoTime() - started) / 1e9, server.logFile());
                return server;
            }
            lastFailure = new IllegalStateException("Keycloak did not start on 127.0.0.1:" + port + " ("
                    + result.outcome() + ").\n" + SCRIPT + " said:\n" + result.scriptMessages()
                    + "\nlast " + LOG_TAIL_LINES + " lines of " + runDir.resolve("keycloak.log") + ":\n"
                    + tail(runDir.resolve("keycloak.log"), LOG_TAIL_LINES));
            // The script refuses a taken port; Quarkus fails with a BindException when it loses the race.
            if (!(result.scriptMessages() + tail(runDir.resolve("keycloak.log"), LOG_TAIL_LINES))
                    .contains("in use")) {
                break;
            }
        }
        throw lastFailure;
    }

    private record StartResult(int exitCode, String outcome, String scriptMessages) {
    }

    private static StartResult runScript(Path repoRoot, Path runDir, int port) {
        try {
            Path importDir = runDir.resolve("import");
            Files.createDirectories(importDir);
            try (InputStream realm = KeycloakServer.class.getClassLoader().getResourceAsStream(REALM_RESOURCE)) {
                if (realm == null) {
                    throw new IllegalStateException("test resource " + REALM_RESOURCE + " is missing");
                }
                Files.copy(realm, importDir.resolve(REALM + "-realm.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            Path scriptLog = runDir.resolve("keycloak-sh.log");
            // Registered before the start, not after it succeeds: a test JVM that ends while Keycloak is still
            // starting in the background must not leave it running.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopScript(repoRoot, runDir, port),
                    "keycloak-stop-" + port));
            Process process = script(repoRoot, runDir, "start", importDir.toString(), String.valueOf(port))
                    .redirectOutput(scriptLog.toFile())
                    .start();
            if (!process.waitFor(START_TIMEOUT_SECONDS + 60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                stopScript(repoRoot, runDir, port);
                return new StartResult(-1, "no answer from " + SCRIPT + " in " + (START_TIMEOUT_SECONDS + 60) + " s",
                        scriptMessages(scriptLog));
            }
            int exit = process.exitValue();
            return new StartResult(exit, "exit code " + exit, scriptMessages(scriptLog));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while Keycloak was starting", e);
        }
    }

    private static void stopScript(Path repoRoot, Path runDir, int port) {
        try {
            Process process = script(repoRoot, runDir, "stop", String.valueOf(port))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("keycloak-sh.log").toFile()))
                    .start();
            if (!process.waitFor(45, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            System.err.println("KeycloakServer: could not stop Keycloak on port " + port + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ProcessBuilder script(Path repoRoot, Path runDir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", repoRoot.resolve(SCRIPT).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        // Keycloak runs on the JDK running the tests (21+ is what the script needs; the build's is 25).
        env.put("KC_JAVA_HOME", System.getProperty("java.home"));
        env.put("KC_RUN_DIR", runDir.toString());
        env.put("KC_START_TIMEOUT", String.valueOf(START_TIMEOUT_SECONDS));
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USERNAME);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.remove("KC_KEEP_DATA");
        env.remove("KC_WAIT_REALMS");
        return builder;
    }

    /** The nearest directory, from the working directory up, that holds the Keycloak script. */
    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve(SCRIPT))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no " + SCRIPT + " in " + dir + " or any parent directory");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script's own lines ({@code [keycloak.sh] ...}); the log tail it also prints is added once, separately. */
    private static String scriptMessages(Path scriptLog) {
        return String.join("\n", read(scriptLog).lines().filter(line -> line.startsWith("[keycloak.sh]")).toList());
    }

    private static String tail(Path file, int lines) {
        List<String> all = read(file).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String versionIn(Path log) {
        Matcher matcher = Pattern.compile("Keycloak ([0-9][0-9.]*) on JVM").matcher(read(log));
        return matcher.find() ? matcher.group(1) : "(unknown version)";
    }

    /** The file as text; undecodable bytes become replacement characters rather than a failure. */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
