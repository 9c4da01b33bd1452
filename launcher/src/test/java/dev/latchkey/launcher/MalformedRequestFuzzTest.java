package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 10,000 randomized malformed requests across every OAuth endpoint, registration and the admin API: never a 5xx,
 * never a stack trace, and OAuth token-style endpoints answer with an RFC 6749 {@code error} body. The seed is
 * printed so a failure can be replayed.
 */
class MalformedRequestFuzzTest {

    private static final int REQUESTS = 10_000;
    private static final String[] PATHS = {"/oauth2/token", "/oauth2/authorize", "/oauth2/introspect", "/oauth2/revoke",
            "/userinfo", "/connect/register", "/connect/register/lk_ci_x", "/oauth2/jwks",
            "/.well-known/openid-configuration", "/admin/v1/apps", "/admin/v1/users", "/oauth2/consent", "/login",
            "/account/apps/x/revoke"};
    private static final String[] PARAMS = {"grant_type", "code", "redirect_uri", "client_id", "client_secret", "scope",
            "refresh_token", "code_verifier", "token", "token_type_hint", "response_type", "state", "code_challenge",
            "code_challenge_method", "nonce", "prompt", "request", "resource"};
    private static final String[] VALUES = {"", " ", "authorization_code", "client_credentials", "refresh_token", "password",
            "implicit", "code", "token", "S256", "plain", "lk_at_x", "lk_rt_" + "A".repeat(43), "%00", "\u0000", "'; drop table users;--",
            "<script>alert(1)</script>", "../../etc/passwd", "https://evil.example/cb", "☃".repeat(50), "a".repeat(10_000),
            "{\"a\":1}", "null", "-1", "99999999999999999999", TestServer.ADMIN_CLIENT_ID, "openid admin", "%ZZ"};
    private static final String[] CONTENT_TYPES = {"application/x-www-form-urlencoded", "application/json", "text/plain",
            "multipart/form-data; boundary=x", "application/xml", "", "application/x-www-form-urlencoded; charset=bogus"};

    @Test
    void whenTenThousandMalformedRequestsArriveThenNoneGetsA5xx() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("MalformedRequestFuzzTest seed=" + seed);
        Http http = Http.api();
        AtomicInteger serverErrors = new AtomicInteger();
        AtomicInteger stackTraces = new AtomicInteger();
        AtomicInteger oauthWithoutError = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> examples = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            long threadSeed = seed + t;
            futures.add(pool.submit(() -> {
                Random random = new Random(threadSeed);
                for (int i = 0; i < REQUESTS / 8; i++) {
                    HttpRequest request = randomRequest(http, random);
                    HttpResponse<String> response = sendOnce(http, request);
                    statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                    String body = response.body() == null ? "" : response.body();
                    if (response.statusCode() >= 500) {
                        serverErrors.incrementAndGet();
                        if (examples.size() < 5) {
                            examples.add(request.method() + " " + request.uri() + " -> " + response.statusCode() + " " + abbreviate(body));
                        }
                    }
                    if (body.contains("at org.") || body.contains("Exception")) {
                        stackTraces.incrementAndGet();
                        if (examples.size() < 5) {
                            examples.add("trace: " + request.method() + " " + request.uri() + " " + abbreviate(body));
                        }
                    }
                    String path = request.uri().getPath();
                    boolean tokenStyle = path.equals("/oauth2/token") || path.equals("/oauth2/introspect") || path.equals("/oauth2/revoke");
                    // Request lines and headers over Tomcat's 8 KiB limit are refused by the HTTP server before any
                    // endpoint sees them; everything that reaches an OAuth endpoint must carry an error code.
                    int headerBytes = request.uri().toString().length()
                            + request.headers().firstValue("Authorization").map(String::length).orElse(0);
                    boolean reachedEndpoint = headerBytes < 7_500;
                    if (tokenStyle && reachedEndpoint && request.method().equals("POST") && response.statusCode() == 400
                            && !body.contains("\"error\"")) {
                        oauthWithoutError.incrementAndGet();
                        if (examples.size() < 5) {
                            examples.add("no error body: " + request.uri() + " -> " + abbreviate(body));
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        System.out.println("MalformedRequestFuzzTest statuses=" + statuses);
        assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(REQUESTS);
        assertThat(examples).as("examples of failures").isEmpty();
        assertThat(serverErrors.get()).isZero();
        assertThat(stackTraces.get()).isZero();
        assertThat(oauthWithoutError.get()).isZero();
    }

    /**
     * Sends the request, retrying once when the connection was closed before any response arrived: Tomcat closes
     * the connection after some rejected requests, and the client may have reused it in that instant. A server that
     * crashed or hung would fail the retry too; an answer, whatever its status, is never retried.
     */
    private static HttpResponse<String> sendOnce(Http http, HttpRequest request) {
        try {
            return http.send(request);
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof java.io.IOException)) {
                throw e;
            }
            return http.send(request);
        }
    }

    private static HttpRequest randomRequest(Http http, Random random) {
        String path = PATHS[random.nextInt(PATHS.length)];
        StringBuilder query = new StringBuilder();
        StringBuilder form = new StringBuilder();
        int params = random.nextInt(6);
        for (int p = 0; p < params; p++) {
            boolean inQuery = random.nextInt(3) == 0;
            String value = pick(random, VALUES);
            // The query must still be a syntactically valid URI; the form body may carry raw junk.
            String pair = pick(random, PARAMS) + "=" + (inQuery ? java.net.URLEncoder.encode(value, StandardCharsets.UTF_8) : encodeMaybe(random, value));
            StringBuilder target = inQuery ? query : form;
            if (!target.isEmpty()) {
                target.append('&');
            }
            target.append(pair);
        }
        String uri = path + (query.isEmpty() ? "" : "?" + query);
        HttpRequest.Builder builder = http.request(uri);
        switch (random.nextInt(5)) {
            case 0 -> builder.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (pick(random, VALUES) + ":" + pick(random, VALUES)).getBytes(StandardCharsets.UTF_8)));
            case 1 -> builder.header("Authorization", "Bearer " + pick(random, VALUES).replaceAll("[^\\x20-\\x7e]", "?"));
            case 2 -> builder.header("Authorization", "Basic !!!notbase64");
            case 3 -> builder.header("Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
            default -> { }
        }
        String contentType = pick(random, CONTENT_TYPES);
        if (!contentType.isEmpty()) {
            builder.header("Content-Type", contentType);
        }
        String body = random.nextInt(4) == 0 ? randomBytes(random) : form.toString();
        return switch (random.nextInt(6)) {
            case 0 -> builder.GET().build();
            case 1 -> builder.PUT(HttpRequest.BodyPublishers.ofString(body)).build();
            case 2 -> builder.DELETE().build();
            default -> builder.POST(HttpRequest.BodyPublishers.ofString(body)).build();
        };
    }

    private static String encodeMaybe(Random random, String value) {
        return random.nextBoolean() ? java.net.URLEncoder.encode(value, StandardCharsets.UTF_8) : value.replaceAll("[\\s\\x00-\\x1f&]", "");
    }

    private static String randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(300)];
        random.nextBytes(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String abbreviate(String body) {
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
