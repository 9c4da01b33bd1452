package dev.latchkey.broker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.latchkey.broker.catalog.BodyFormat;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.ErrorCategory;
import dev.latchkey.broker.catalog.HttpMethod;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.ProviderRequest;
import dev.latchkey.broker.catalog.ProviderResponse;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenGrant;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.catalog.TokenResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ProviderClient} against a real local HTTP server whose every answer the test writes. */
class ProviderClientTest {

    private static final Instant NOW = Instant.parse("2026-08-21T10:00:00Z");
    private static final ClientCredentials CLIENT = new ClientCredentials("client-1", Secret.of("client secret"));
    private static final Secret REFRESH_TOKEN = Secret.of("rt-very-secret-value");

    @TempDir
    Path catalogDir;

    private ExecutorService executor;
    private HttpServer server;
    private volatile HttpHandler handler;
    private Provider provider;
    private ProviderClient client;

    @BeforeEach
    void startServer() throws IOException {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                handler.handle(exchange);
            }
        });
        server.start();
        provider = provider(server.getAddress().getPort());
        client = new ProviderClient(ProviderClient.defaultHttpClient(Duration.ofSeconds(2)), Duration.ofSeconds(2));
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** A local provider at {@code port}: Slack-style {@code ok: false} errors, {@code invalid_auth} means reconnect. */
    private Provider provider(int port) throws IOException {
        String base = "http://127.0.0.1:" + port;
        Files.writeString(catalogDir.resolve("local.yaml"), """
                providers:
                  local:
                    displayName: Local
                    authMode: oauth2
                    allowInsecureForTesting: true
                    urls:
                      authorize: %1$s/authorize
                      token: %1$s/token
                    authorize: { pkce: S256 }
                    tokenRequest: { clientAuth: client_secret_basic, headers: { X-Api-Version: "7" } }
                    errors:
                      errorWhen: { pointer: /ok, equals: false }
                      reauthCodes: [invalid_auth]
                """.formatted(base));
        return new ProviderCatalog(catalogDir).get("local");
    }

    private ProviderRequest refreshRequest() {
        return TokenRequests.refresh(provider, provider.resolveUrls(Map.of()), CLIENT, REFRESH_TOKEN, List.of());
    }

    private TokenResult exchange() {
        return client.exchange(provider, refreshRequest(), Map.of(), NOW);
    }

    private void answer(int status, String body, Map<String, String> headers) {
        handler = exchange -> {
            exchange.getRequestBody().readAllBytes();
            headers.forEach(exchange.getResponseHeaders()::add);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        };
    }

    private static ProviderError error(TokenResult result) {
        assertThat(result).isInstanceOf(ProviderError.class);
        return (ProviderError) result;
    }

    // ------------------------------------------------------------------------------------------- what is sent

    @Test
    void whenARefreshIsSentThenTheServerReceivesExactlyTheBuiltMethodHeadersAndBody() throws Exception {
        AtomicReference<String> method = new AtomicReference<>();
        AtomicReference<String> path = new AtomicReference<>();
        Map<String, String> headers = new LinkedHashMap<>();
        AtomicReference<byte[]> body = new AtomicReference<>();
        handler = exchange -> {
            method.set(exchange.getRequestMethod());
            path.set(exchange.getRequestURI().getRawPath());
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
            body.set(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(204, -1);
        };
        ProviderRequest request = refreshRequest();

        ProviderResponse response = client.send(request);

        assertThat(response.status()).isEqualTo(204);
        assertThat(method.get()).isEqualTo("POST");
        assertThat(path.get()).isEqualTo("/token");
        assertThat(headers).containsEntry("authorization", request.header("Authorization"))
                .containsEntry("content-type", "application/x-www-form-urlencoded")
                .containsEntry("accept", "application/json")
                .containsEntry("x-api-version", "7");
        assertThat(new String(body.get(), StandardCharsets.UTF_8))
                .isEqualTo(request.encodedBody())
                .isEqualTo("grant_type=refresh_token&refresh_token=rt-very-secret-value");
    }

    @Test
    void whenTheBodyIsJsonWithNonAsciiTextThenItArrivesAsUtf8() throws Exception {
        AtomicReference<byte[]> body = new AtomicReference<>();
        AtomicReference<String> contentType = new AtomicReference<>();
        handler = exchange -> {
            contentType.set(exchange.getRequestHeaders().getFirst("Content-Type"));
            body.set(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(200, -1);
        };
        ProviderRequest request = new ProviderRequest(HttpMethod.POST, base().resolve("/revoke"),
                Map.of("Content-Type", "application/json"), BodyFormat.JSON, Map.of("note", "grüße \"quoted\""));

        client.send(request);

        assertThat(contentType.get()).isEqualTo("application/json");
        assertThat(new String(body.get(), StandardCharsets.UTF_8)).isEqualTo("{\"note\":\"grüße \\\"quoted\\\"\"}");
    }

    @Test
    void whenTheRequestIsADeleteWithTheTokenInTheQueryThenMethodAndQueryAreSentAsBuilt() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicInteger bodyBytes = new AtomicInteger(-1);
        handler = exchange -> {
            seen.set(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + "?"
                    + exchange.getRequestURI().getRawQuery());
            bodyBytes.set(exchange.getRequestBody().readAllBytes().length);
            exchange.sendResponseHeaders(200, -1);
        };

        client.send(new ProviderRequest(HttpMethod.DELETE, base().resolve("/revoke?token=a%2Bb"), Map.of(),
                null, Map.of()));

        assertThat(seen.get()).isEqualTo("DELETE /revoke?token=a%2Bb");
        assertThat(bodyBytes.get()).isZero();
    }

    @Test
    void whenTheProviderRedirectsThenTheRedirectIsNotFollowedAndTheAnswerIsAnInvalidRequest() {
        AtomicInteger elsewhere = new AtomicInteger();
        handler = exchange -> {
            if (exchange.getRequestURI().getPath().equals("/elsewhere")) {
                elsewhere.incrementAndGet();
            }
            exchange.getResponseHeaders().add("Location", base().resolve("/elsewhere").toString());
            exchange.sendResponseHeaders(307, -1);
        };

        ProviderError error = error(exchange());

        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
        assertThat(error.status()).isEqualTo(307);
        assertThat(elsewhere).hasValue(0);
    }

    // ---------------------------------------------------------------------------------------- network failures

    @Test
    void whenTheConnectionIsRefusedThenTheExchangeIsATransientNetworkErrorWithoutSecrets() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Provider unreachable = provider(closedPort);
        ProviderRequest request = TokenRequests.refresh(unreachable, unreachable.resolveUrls(Map.of()), CLIENT,
                REFRESH_TOKEN, List.of());

        ProviderError error = error(client.exchange(unreachable, request, Map.of(), NOW));

        assertThat(error.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error.status()).isZero();
        assertThat(error.code()).isEqualTo("network_error");
        assertThat(error.retryAfter()).isNull();
        assertThat(error.toString()).doesNotContain(REFRESH_TOKEN.reveal(), "client secret");
    }

    @Test
    void whenTheServerDoesNotAnswerInTimeThenTheExchangeIsATransientTimeout() {
        CountDownLatch release = new CountDownLatch(1);
        handler = exchange -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ProviderClient impatient = new ProviderClient(ProviderClient.defaultHttpClient(Duration.ofSeconds(1)),
                Duration.ofMillis(200));

        long start = System.nanoTime();
        ProviderError error = error(impatient.exchange(provider, refreshRequest(), Map.of(), NOW));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        release.countDown();

        assertThat(error.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error.code()).isEqualTo("timeout");
        assertThat(error.status()).isZero();
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void whenTheServerSendsHeadersAndThenTricklesTheBodyThenTheTimeoutStillEndsTheExchange() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket connection = socket.accept()) {
                    connection.getInputStream().read(new byte[4096]);
                    OutputStream out = connection.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                            + "{\"access_token\":").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(5000);
                } catch (IOException | InterruptedException e) {
                    // the client gave up, as it should
                }
            });
            ProviderClient impatient = new ProviderClient(ProviderClient.defaultHttpClient(Duration.ofSeconds(1)),
                    Duration.ofMillis(300));
            ProviderRequest request = new ProviderRequest(HttpMethod.POST,
                    URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/token"),
                    Map.of("Content-Type", "application/x-www-form-urlencoded"), BodyFormat.FORM,
                    Map.of("grant_type", "refresh_token"));

            long start = System.nanoTime();
            assertThatThrownBy(() -> impatient.send(request)).isInstanceOf(HttpTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void whenTheCallingThreadIsInterruptedThenTheExchangeIsTransientAndTheInterruptIsKept() {
        answer(200, "{\"access_token\":\"at\"}", Map.of("Content-Type", "application/json"));

        Thread.currentThread().interrupt();
        TokenResult result;
        boolean stillInterrupted;
        try {
            result = exchange();
        } finally {
            stillInterrupted = Thread.interrupted();
        }

        assertThat(error(result).category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error(result).code()).isEqualTo("network_error");
        assertThat(stillInterrupted).isTrue();
    }

    // ---------------------------------------------------------------------------------------- provider errors

    @ParameterizedTest(name = "HTTP {0} {1} -> {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "503 | <html><body>Service Unavailable</body></html>                  | -  | TRANSIENT       | -",
            "500 | {\"error\":\"server_error\"}                                    | -  | TRANSIENT       | server_error",
            "502 | ''                                                             | 12 | TRANSIENT       | -",
            "429 | {\"error\":\"rate_limited\"}                                   | 30 | TRANSIENT       | rate_limited",
            "400 | {\"error\":\"invalid_grant\",\"error_description\":\"revoked\"} | 30 | REAUTH_REQUIRED | invalid_grant",
            "401 | {\"error\":\"invalid_client\"}                                 | -  | INVALID_REQUEST | invalid_client",
            "200 | {\"ok\":false,\"error\":\"invalid_auth\"}                        | -  | REAUTH_REQUIRED | invalid_auth",
            "200 | <html><form>Sign in</form></html>                              | -  | INVALID_REQUEST | invalid_token_response"})
    void whenTheProviderAnswersAnErrorThenTheExchangeClassifiesItWithItsRetryAfter(int status, String body,
            Integer retryAfterSeconds, ErrorCategory category, String code) {
        answer(status, body,
                retryAfterSeconds == null ? Map.of() : Map.of("Retry-After", retryAfterSeconds.toString()));

        ProviderError error = error(exchange());

        assertThat(error.category()).isEqualTo(category);
        assertThat(error.status()).isEqualTo(status);
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.retryAfter()).as("Retry-After counts for transient errors only")
                .isEqualTo(category == ErrorCategory.TRANSIENT && retryAfterSeconds != null
                        ? Duration.ofSeconds(retryAfterSeconds) : null);
    }

    @Test
    void whenTheProviderAnswers429WithARetryAfterDateThenTheDelayIsMeasuredFromNow() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(120).atOffset(ZoneOffset.UTC));
        answer(429, "", Map.of("Retry-After", date));

        assertThat(error(exchange()).retryAfter()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void whenTheProviderAnswersATokenResponseThenItIsAGrant() {
        answer(200, "{\"ok\":true,\"access_token\":\"at-1\",\"expires_in\":3600,\"token_type\":\"Bearer\"}",
                Map.of("Content-Type", "application/json; charset=utf-8"));

        TokenResult result = exchange();

        assertThat(result).isInstanceOf(TokenGrant.class);
        TokenGrant grant = (TokenGrant) result;
        assertThat(grant.accessToken().reveal()).isEqualTo("at-1");
        assertThat(grant.refreshToken()).as("none sent: keep the stored one").isNull();
        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(3600 - 60));
    }

    @Test
    void whenTheResponseNamesALatin1CharsetThenTheBodyIsDecodedWithIt() throws Exception {
        handler = exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = "{\"error_description\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=ISO-8859-1");
            exchange.sendResponseHeaders(400, bytes.length);
            exchange.getResponseBody().write(bytes);
        };

        assertThat(client.send(refreshRequest()).body()).isEqualTo("{\"error_description\":\"café\"}");
    }

    // ------------------------------------------------------------------------------------------- body size cap

    @Test
    void whenA2xxBodyIsLargerThanTheCapThenItIsAnInvalidTokenResponseAndIsNotReadToTheEnd() {
        AtomicReference<Boolean> serverWroteEverything = new AtomicReference<>(false);
        handler = streaming(200, 64L * ProviderClient.MAX_BODY_BYTES, serverWroteEverything);

        ProviderError error = error(exchange());

        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
        assertThat(error.code()).isEqualTo("invalid_token_response");
        assertThat(error.status()).isEqualTo(200);
        assertThat(serverWroteEverything.get()).as("the client hung up instead of reading 64 MiB").isFalse();
    }

    @Test
    void whenA503BodyIsLargerThanTheCapThenItIsStillTransientWithItsRetryAfter() {
        handler = exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "5");
            streaming(503, 2L * ProviderClient.MAX_BODY_BYTES, new AtomicReference<>(false)).handle(exchange);
        };

        ProviderError error = error(exchange());

        assertThat(error.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void whenABodyIsLargerThanTheCapThenSendThrowsWithTheStatusAndNoBody() {
        handler = streaming(502, ProviderClient.MAX_BODY_BYTES + 1L, new AtomicReference<>(false));

        assertThatThrownBy(() -> client.send(refreshRequest()))
                .isInstanceOfSatisfying(ResponseTooLargeException.class, e -> assertThat(e.status()).isEqualTo(502))
                .hasMessageContaining(Integer.toString(ProviderClient.MAX_BODY_BYTES));
    }

    @Test
    void whenABodyIsExactlyAtTheCapThenItIsReadWhole() throws Exception {
        answer(400, "x".repeat(ProviderClient.MAX_BODY_BYTES), Map.of());

        assertThat(client.send(refreshRequest()).body()).hasSize(ProviderClient.MAX_BODY_BYTES);
    }

    /** Answers {@code status} with a chunked body of {@code length} bytes, written 64 KiB at a time. */
    private static HttpHandler streaming(int status, long length, AtomicReference<Boolean> wroteEverything) {
        return exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, 0);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'a');
            try (OutputStream out = exchange.getResponseBody()) {
                for (long written = 0; written < length; written += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, length - written));
                }
                wroteEverything.set(true);
            } catch (IOException e) {
                // the client closed the connection
            }
        };
    }

    @Test
    void whenTheRequestTimeoutIsNotPositiveThenTheClientIsRefused() {
        assertThatThrownBy(() -> new ProviderClient(ProviderClient.defaultHttpClient(Duration.ofSeconds(1)),
                Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }
}
