package dev.latchkey.broker.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on 127.0.0.1: records every request (headers, raw body, arrival time), counts deliveries per
 * {@code webhook-id}, and answers from a script of responses (then 200 once the script is used up).
 */
final class TestReceiver implements AutoCloseable {

    /** One scripted answer. */
    record Answer(int status, Map<String, String> headers, String body) {

        static Answer status(int status) {
            return new Answer(status, Map.of(), "");
        }
    }

    /** One request as it arrived. */
    record Received(String id, String timestamp, String signature, byte[] body, Instant at) {

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new ArrayList<>();
    private final Map<String, AtomicInteger> countsById = new ConcurrentHashMap<>();
    private volatile long latencyMillis;

    TestReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** The next requests get these answers, in order. */
    TestReceiver answer(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /** Every answer takes this long (a receiver doing some work). */
    TestReceiver latency(long millis) {
        this.latencyMillis = millis;
        return this;
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    Map<String, Integer> countsById() {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        countsById.forEach((id, count) -> counts.put(id, count.get()));
        return counts;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String id = exchange.getRequestHeaders().getFirst(WebhookSignatures.ID_HEADER);
        synchronized (this) {
            received.add(new Received(id, exchange.getRequestHeaders().getFirst(WebhookSignatures.TIMESTAMP_HEADER),
                    exchange.getRequestHeaders().getFirst(WebhookSignatures.SIGNATURE_HEADER), body, Instant.now()));
        }
        if (id != null) {
            countsById.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
        }
        if (latencyMillis > 0) {
            try {
                Thread.sleep(latencyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Answer answer = script.poll();
        if (answer == null) {
            answer = Answer.status(200);
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(out);
            }
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
