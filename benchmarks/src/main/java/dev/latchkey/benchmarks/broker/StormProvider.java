package dev.latchkey.benchmarks.broker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider's token endpoint for the refresh-storm benchmark: answers RFC 6749 §6 refresh requests with a new access
 * token and a rotated refresh token, holds a hard limit of {@code limit} token requests in any one-second window
 * (answering 429 beyond it, as providers do, and counting each such answer as a violation by the broker), and
 * detects double refreshes: every refresh token it ever saw presented is counted, and a token presented twice, or a
 * refresh token that was already rotated away, is answered {@code invalid_grant} and counted.
 *
 * <p>It accepts the refresh tokens {@link SeedConnections} seeds ({@code bench_rt_<connection id>_1}) without having
 * issued them, so 10,000 connections need no connect flow. {@code GET /stats} reports the counters as JSON.
 *
 * <pre>
 * java -cp benchmarks.jar dev.latchkey.benchmarks.broker.StormProvider port-file=… [port=0] [limit=200]
 *      [delay-ms=50] [expires-in=3600] [client-id=bench-storm-client] [client-secret=bench-storm-secret]
 * </pre>
 */
public final class StormProvider {

    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int limit;
    private final long delayMillis;
    private final long expiresIn;
    private final String expectedAuthorization;
    private final SecureRandom random = new SecureRandom();

    /** Arrival times of the admitted requests of the last second; guarded by itself. */
    private final ArrayDeque<Long> window = new ArrayDeque<>();
    private int maxInWindow;
    /** Arrival times of all requests of the last second, admitted or not: what the broker really sent. */
    private final ArrayDeque<Long> arrivals = new ArrayDeque<>();
    private int maxArrivalsInWindow;

    /** Connection id → generation of its one valid refresh token (absent: the seeded generation 1). */
    private final ConcurrentHashMap<UUID, Integer> generations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> presentations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, AtomicInteger> refreshesByConnection = new ConcurrentHashMap<>();

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong doublePresentations = new AtomicLong();
    private final AtomicLong staleTokens = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Instant firstRefresh;
    private volatile Instant lastRefresh;

    private StormProvider(int limit, long delayMillis, long expiresIn, String clientId, String clientSecret) {
        this.limit = limit;
        this.delayMillis = delayMillis;
        this.expiresIn = expiresIn;
        this.expectedAuthorization = "Basic " + Base64.getEncoder().encodeToString(
                (form(clientId) + ":" + form(clientSecret)).getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> settings = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        StormProvider provider = new StormProvider(
                Integer.parseInt(settings.getOrDefault("limit", "200")),
                Long.parseLong(settings.getOrDefault("delay-ms", "50")),
                Long.parseLong(settings.getOrDefault("expires-in", "3600")),
                settings.getOrDefault("client-id", "bench-storm-client"),
                settings.getOrDefault("client-secret", "bench-storm-secret"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(settings.getOrDefault("port", "0"))), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", provider::token);
        server.createContext("/stats", provider::stats);
        server.start();
        int port = server.getAddress().getPort();
        String portFile = settings.get("port-file");
        if (portFile != null) {
            Files.writeString(Path.of(portFile), port + "\n");
        }
        System.out.println("storm provider on http://127.0.0.1:" + port + " (limit " + provider.limit + "/s, delay "
                + provider.delayMillis + " ms)");
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            long arrived = System.nanoTime();
            requests.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                Map<String, String> body = parse(readBody(exchange));
                if (!admit(arrived)) {
                    violations.incrementAndGet();
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    send(exchange, 429, "{\"error\":\"rate_limit_exceeded\"}");
                    return;
                }
                if (!"POST".equals(exchange.getRequestMethod())
                        || !expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    badRequests.incrementAndGet();
                    send(exchange, 401, "{\"error\":\"invalid_client\"}");
                    return;
                }
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                String presented = body.get("refresh_token");
                if (!"refresh_token".equals(body.get("grant_type")) || presented == null) {
                    badRequests.incrementAndGet();
                    send(exchange, 400, "{\"error\":\"unsupported_grant_type\"}");
                    return;
                }
                send(exchange, refresh(presented));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    /** At most {@code limit} admitted requests in any window of one second, counted by arrival. */
    private boolean admit(long arrived) {
        synchronized (window) {
            while (!arrivals.isEmpty() && arrived - arrivals.peekFirst() >= WINDOW_NANOS) {
                arrivals.pollFirst();
            }
            arrivals.addLast(arrived);
            maxArrivalsInWindow = Math.max(maxArrivalsInWindow, arrivals.size());
            while (!window.isEmpty() && arrived - window.peekFirst() >= WINDOW_NANOS) {
                window.pollFirst();
            }
            if (window.size() >= limit) {
                return false;
            }
            window.addLast(arrived);
            maxInWindow = Math.max(maxInWindow, window.size());
            return true;
        }
    }

    private Answer refresh(String presented) {
        if (presentations.computeIfAbsent(presented, t -> new AtomicInteger()).incrementAndGet() > 1) {
            doublePresentations.incrementAndGet();
            return new Answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token reused\"}");
        }
        // bench_rt_<uuid>_<generation>[_<random>]
        String[] parts = presented.split("_");
        UUID connection;
        int generation;
        try {
            connection = UUID.fromString(parts[2]);
            generation = Integer.parseInt(parts[3]);
        } catch (RuntimeException e) {
            badRequests.incrementAndGet();
            return new Answer(400, "{\"error\":\"invalid_grant\"}");
        }
        int next = generation + 1;
        // Rotation: only the current generation is valid, and only once.
        if (!generations.replace(connection, generation, next)
                && !(generation == 1 && generations.putIfAbsent(connection, next) == null)) {
            staleTokens.incrementAndGet();
            return new Answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token rotated\"}");
        }
        refreshesByConnection.computeIfAbsent(connection, c -> new AtomicInteger()).incrementAndGet();
        refreshes.incrementAndGet();
        Instant at = Instant.now();
        if (firstRefresh == null) {
            firstRefresh = at;
        }
        lastRefresh = at;
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        String suffix = HexFormat.of().formatHex(nonce);
        return new Answer(200, "{\"access_token\":\"bench_at_" + connection + "_" + next + "_" + suffix
                + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + ",\"refresh_token\":\"bench_rt_"
                + connection + "_" + next + "_" + suffix + "\",\"scope\":\"read\"}");
    }

    private void stats(HttpExchange exchange) throws IOException {
        try (exchange) {
            readBody(exchange);
            int maxWindow;
            int maxArrivals;
            synchronized (window) {
                maxWindow = maxInWindow;
                maxArrivals = maxArrivalsInWindow;
            }
            long refreshedTwice = refreshesByConnection.values().stream().filter(n -> n.get() > 1).count();
            String json = "{\"requests\":" + requests.get() + ",\"refreshes\":" + refreshes.get()
                    + ",\"connections_refreshed\":" + refreshesByConnection.size()
                    + ",\"connections_refreshed_more_than_once\":" + refreshedTwice
                    + ",\"violations_429\":" + violations.get()
                    + ",\"double_presentations\":" + doublePresentations.get()
                    + ",\"stale_refresh_tokens\":" + staleTokens.get()
                    + ",\"bad_requests\":" + badRequests.get()
                    + ",\"max_admitted_in_1s\":" + maxWindow
                    + ",\"max_arrivals_in_1s\":" + maxArrivals
                    + ",\"max_in_flight\":" + maxInFlight.get()
                    + ",\"limit_per_s\":" + limit
                    + ",\"first_refresh\":" + quoted(firstRefresh) + ",\"last_refresh\":" + quoted(lastRefresh) + "}";
            send(exchange, new Answer(200, json));
        }
    }

    private record Answer(int status, String json) {
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        send(exchange, new Answer(status, json));
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.json().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> parse(String form) {
        Map<String, String> values = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static String form(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String quoted(Instant instant) {
        return instant == null ? "null" : "\"" + instant + "\"";
    }
}
