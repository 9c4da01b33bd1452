package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_ENDPOINTS;
import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;

import dev.latchkey.broker.catalog.RetryAfter;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The read side of the outbox: sends due rows to their endpoints, signed (see {@link WebhookSignatures}), and
 * records the outcome. Safe to run on every node at once.
 *
 * <p>One round ({@link #dispatchOnce}): a single statement claims up to {@code batchSize} due rows
 * ({@code delivered_at is null and failed_at is null and next_attempt_at <= now()}) with
 * {@code FOR UPDATE SKIP LOCKED} and pushes their {@code next_attempt_at} forward by the lease, and commits; other
 * nodes neither wait for nor see those rows until the lease ends. Only then are they sent, {@code concurrency} at a
 * time, with no database transaction open. Each outcome is written at once, fenced by the leased
 * {@code next_attempt_at}, so a node whose lease ran out cannot overwrite another node's result:
 * <ul>
 *   <li>2xx: {@code delivered_at} is set ({@code last_error} keeps the previous failure, if any);
 *   <li>anything else (including redirects, which are never followed) or a transport error: {@code attempts} grows,
 *       {@code last_error} says why (status and at most 200 characters of the body, or the exception class), and the
 *       row is due again after exponential backoff with full jitter, or after {@code Retry-After} on 429 and 503
 *       if that is longer; after {@code maxAttempts} attempts {@code failed_at} is set and the row is never sent again.
 * </ul>
 * {@code attempts} counts every attempt made, the successful one included.
 *
 * <p>Delivery is at least once: a node that dies between sending and recording leaves the row to be sent again when
 * its lease ends, so receivers deduplicate by {@code webhook-id} (the event id). Ordering per endpoint is best effort
 * only: rows are claimed oldest first, but are sent concurrently and retried independently, so a receiver that
 * cares orders by {@code occurredAt} or reads the connection's current status.
 */
public final class WebhookDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final String USER_AGENT = "Latchkey-Webhooks/1";
    // "HTTP 503: " and a body excerpt of at most ResponseExcerpt.MAX_CHARS; the cap only guards the column.
    private static final int MAX_ERROR_LENGTH = 255;

    private final DSLContext dsl;
    private final Sealer sealer;
    private final WebhookDispatchSettings settings;
    private final Backoff backoff;
    private final RandomGenerator jitter;
    private final Clock clock;
    private final HttpClient http;
    private final ExecutorService senders;

    public WebhookDispatcher(DSLContext dsl, Sealer sealer, WebhookDispatchSettings settings) {
        this(dsl, sealer, settings, new Random(), Clock.systemUTC());
    }

    /** With the jitter source and clock (for the signature timestamp) given, for tests. */
    WebhookDispatcher(DSLContext dsl, Sealer sealer, WebhookDispatchSettings settings, RandomGenerator jitter,
            Clock clock) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.backoff = settings.backoff();
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.senders = Executors.newFixedThreadPool(settings.concurrency(), daemonThreads("webhook-sender-"));
        // HTTP/1.1: simple receivers mishandle the h2c upgrade; redirects are never followed (a moved endpoint is
        // reconfigured, not chased).
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                .build();
    }

    /**
     * Claims one batch of due deliveries, sends them and records the outcomes. Must run outside any transaction (the
     * claim has to commit before anything is sent).
     *
     * @return how many rows were claimed; {@code batchSize} means more may be due
     */
    public int dispatchOnce() {
        return dispatchOnce(() -> true);
    }

    /**
     * {@link #dispatchOnce()}, starting each delivery only while {@code keepSending} says so: on shutdown the rows
     * not yet started are given back at once, and only deliveries in flight are waited for.
     */
    public int dispatchOnce(BooleanSupplier keepSending) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("dispatchOnce must run outside a transaction: claims commit before anything is sent");
        }
        long claimedAt = System.nanoTime();
        List<Delivery> claimed = claim();
        if (claimed.isEmpty()) {
            return 0;
        }
        // A delivery started after this point could still be running when the lease ends; it is released instead.
        long startBy = claimedAt + settings.lease().minus(settings.deliveryTimeout())
                .minus(WebhookDispatchSettings.LEASE_MARGIN).toNanos();
        List<Callable<Void>> work = new ArrayList<>(claimed.size());
        for (Delivery delivery : claimed) {
            work.add(() -> {
                process(delivery, () -> keepSending.getAsBoolean() && System.nanoTime() - startBy < 0);
                return null;
            });
        }
        try {
            senders.invokeAll(work);
        } catch (InterruptedException e) {
            // Unfinished rows keep their lease and become due again when it ends.
            Thread.currentThread().interrupt();
        }
        return claimed.size();
    }

    /** Stops sending at once; claimed rows not yet recorded become due again when their lease ends. */
    @Override
    public void close() {
        senders.shutdownNow();
        http.shutdownNow();
    }

    private List<Delivery> claim() {
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        CommonTableExpression<Record1<Long>> due = DSL.name("due").fields("id").as(
                DSL.select(o.ID)
                        .from(o)
                        .join(e).on(e.ID.eq(o.ENDPOINT_ID))
                        .where(o.DELIVERED_AT.isNull())
                        .and(o.FAILED_AT.isNull())
                        .and(o.NEXT_ATTEMPT_AT.le(DSL.currentOffsetDateTime()))
                        .and(e.ENABLED.isTrue())
                        .orderBy(o.NEXT_ATTEMPT_AT, o.ID)
                        .limit(settings.batchSize())
                        .forUpdate().of(o).skipLocked());
        Field<Long> dueId = due.field("id", Long.class);
        return dsl.with(due)
                .update(o)
                .set(o.NEXT_ATTEMPT_AT, nowPlus(settings.lease()))
                .from(due, e)
                .where(o.ID.eq(dueId))
                .and(e.ID.eq(o.ENDPOINT_ID))
                .returningResult(o.ID, o.EVENT_ID, o.PAYLOAD, o.ATTEMPTS, o.NEXT_ATTEMPT_AT, e.ID, e.URL,
                        e.SECRET_SEALED)
                .fetch(row -> new Delivery(row.value1(), row.value2(), row.value3().data(), row.value4(),
                        row.value5(), row.value6(), row.value7(), row.value8()))
                .stream()
                .sorted(Comparator.comparingLong(Delivery::outboxId))
                .toList();
    }

    private void process(Delivery delivery, BooleanSupplier mayStart) {
        try {
            if (!mayStart.getAsBoolean()) {
                release(delivery);
                return;
            }
            Outcome outcome = send(delivery);
            if (outcome != null) {
                record(delivery, outcome);
            }
        } catch (KeyProviderException e) {
            // The key service is down: not the receiver's fault, so no attempt is counted; the lease retries it.
            log.warn("Webhook {} for endpoint {} not sent: the key provider is unavailable", delivery.eventId(),
                    delivery.endpointId());
        } catch (RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) { // interrupted: shutting down, the lease retries it
                log.warn("Webhook {} for endpoint {} could not be processed", delivery.eventId(),
                        delivery.endpointId(), e);
            }
        }
    }

    /** Sends one delivery; null when interrupted (the lease will retry it). */
    private Outcome send(Delivery delivery) {
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        String id = delivery.eventId().toString();
        long timestamp = clock.instant().getEpochSecond();
        String signature;
        try (SecretBytes secret = sealer.open(delivery.secretSealed(),
                WebhookEndpoints.sealContext(delivery.endpointId()))) {
            byte[] key = secret.revealBytes();
            try {
                signature = WebhookSignatures.sign(key, id, timestamp, body);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } catch (KeyProviderException e) {
            throw e;
        } catch (RuntimeException e) {
            // SealedDataException and the like: this key will not open on retry either, so the attempts run out.
            return Outcome.failure(e.getClass().getSimpleName(), null);
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(delivery.url()))
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", USER_AGENT)
                    .header(WebhookSignatures.ID_HEADER, id)
                    .header(WebhookSignatures.TIMESTAMP_HEADER, Long.toString(timestamp))
                    .header(WebhookSignatures.SIGNATURE_HEADER, signature)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            return Outcome.failure("invalid endpoint URL", null);
        }
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(request, ResponseExcerpt.handler());
        try {
            // The request timeout ends at the response headers; this bounds the body as well.
            HttpResponse<String> answer = response.get(settings.deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return classify(answer);
        } catch (TimeoutException e) {
            response.cancel(true);
            return Outcome.failure("HttpTimeoutException", null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Outcome.failure(cause.getClass().getSimpleName(), null);
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Outcome classify(HttpResponse<String> answer) {
        int status = answer.statusCode();
        if (status >= 200 && status < 300) {
            return Outcome.DELIVERED;
        }
        String error = answer.body().isEmpty() ? "HTTP " + status : "HTTP " + status + ": " + answer.body();
        Duration retryAfter = null;
        if (status == 429 || status == 503) {
            retryAfter = RetryAfter.parse(answer.headers().firstValue("Retry-After").orElse(null), clock.instant());
        }
        return Outcome.failure(error, retryAfter);
    }

    private void record(Delivery delivery, Outcome outcome) {
        var o = WEBHOOK_OUTBOX;
        int attempts = delivery.attempts() + 1;
        var update = dsl.update(o).set(o.ATTEMPTS, attempts);
        int changed;
        if (outcome.delivered()) {
            changed = update.set(o.DELIVERED_AT, DSL.currentOffsetDateTime())
                    .where(stillLeased(delivery))
                    .execute();
        } else if (attempts >= settings.maxAttempts()) {
            changed = update.set(o.LAST_ERROR, truncate(outcome.error()))
                    .set(o.FAILED_AT, DSL.currentOffsetDateTime())
                    .where(stillLeased(delivery))
                    .execute();
            if (changed == 1) {
                log.warn("Webhook {} for endpoint {} failed for good after {} attempts (last: {})",
                        delivery.eventId(), delivery.endpointId(), attempts, statusOnly(outcome.error()));
            }
        } else {
            Duration wait = backoff.delay(attempts, jitter);
            if (outcome.retryAfter() != null && outcome.retryAfter().compareTo(wait) > 0) {
                wait = outcome.retryAfter();
            }
            changed = update.set(o.LAST_ERROR, truncate(outcome.error()))
                    .set(o.NEXT_ATTEMPT_AT, nowPlus(wait))
                    .where(stillLeased(delivery))
                    .execute();
        }
        if (changed == 0) {
            log.warn("Webhook {} for endpoint {}: outcome not recorded, the lease had ended or the endpoint is gone",
                    delivery.eventId(), delivery.endpointId());
        }
    }

    /** Gives an unsent row back: due now, no attempt counted. */
    private void release(Delivery delivery) {
        dsl.update(WEBHOOK_OUTBOX)
                .set(WEBHOOK_OUTBOX.NEXT_ATTEMPT_AT, DSL.currentOffsetDateTime())
                .where(stillLeased(delivery))
                .execute();
    }

    private static Condition stillLeased(Delivery delivery) {
        var o = WEBHOOK_OUTBOX;
        return o.ID.eq(delivery.outboxId())
                .and(o.NEXT_ATTEMPT_AT.eq(delivery.leasedUntil()))
                .and(o.DELIVERED_AT.isNull())
                .and(o.FAILED_AT.isNull());
    }

    /** {@code now() + wait}, on the database's clock (the one every node compares {@code next_attempt_at} with). */
    private static Field<OffsetDateTime> nowPlus(Duration wait) {
        return DSL.field("now() + make_interval(secs => {0})", SQLDataType.TIMESTAMPWITHTIMEZONE,
                DSL.val(wait.toMillis() / 1000.0));
    }

    private static String truncate(String error) {
        return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH);
    }

    private static String statusOnly(String error) {
        int colon = error.indexOf(':');
        return colon < 0 ? error : error.substring(0, colon);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A claimed row with what sending it needs. {@code leasedUntil} fences the outcome update. */
    private record Delivery(long outboxId, UUID eventId, String payload, int attempts, OffsetDateTime leasedUntil,
            UUID endpointId, String url, byte[] secretSealed) {
    }

    private record Outcome(boolean delivered, String error, Duration retryAfter) {

        static final Outcome DELIVERED = new Outcome(true, null, null);

        static Outcome failure(String error, Duration retryAfter) {
            return new Outcome(false, error, retryAfter);
        }
    }
}
