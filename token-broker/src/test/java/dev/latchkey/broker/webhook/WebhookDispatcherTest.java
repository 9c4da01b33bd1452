package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.broker.webhook.TestReceiver.Answer;
import dev.latchkey.broker.webhook.TestReceiver.Received;
import dev.latchkey.db.tables.records.WebhookOutboxRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/** Delivery against a real PostgreSQL and a real HTTP receiver on 127.0.0.1. */
class WebhookDispatcherTest extends WebhookStoreTest {

    private static final Duration BASE = Duration.ofMillis(200);
    private static final Duration SLACK = Duration.ofSeconds(1);

    private static WebhookEndpoints endpoints;
    private static WebhookOutbox outbox;

    private TestReceiver receiver;
    private WebhookDispatcher dispatcher;

    @BeforeAll
    static void start() {
        endpoints = new WebhookEndpoints(db.node().dsl(), sealer, true);
        outbox = new WebhookOutbox(db.node().dsl());
    }

    @BeforeEach
    void setUp() {
        receiver = new TestReceiver();
        dispatcher = dispatcher(WebhookDispatchSettings.defaults().withBackoff(BASE, Duration.ofSeconds(10)));
    }

    @AfterEach
    void tearDown() {
        dispatcher.close();
        receiver.close();
    }

    @Test
    void whenDeliveredThenTheReceiverVerifiesTheSignatureWithTheEndpointSecret() {
        CreatedWebhookEndpoint endpoint = endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        assertThat(dispatcher.dispatchOnce()).isEqualTo(1);

        Received received = receiver.received().getFirst();
        assertThat(received.id()).isEqualTo(event.id().toString());
        assertThat(WebhookSignatures.verify(endpoint.secret(), received.id(), received.timestamp(), received.body(),
                received.signature(), Instant.now(), WebhookSignatures.DEFAULT_TOLERANCE)).isTrue();
        assertThat(JsonMapper.builder().build().readTree(received.bodyText()).get("type").asString())
                .isEqualTo("connection.needs_reauth");
        WebhookOutboxRecord row = row(event);
        assertThat(row.getDeliveredAt()).isNotNull();
        assertThat(row.getAttempts()).isEqualTo(1);
        assertThat(row.getFailedAt()).isNull();
        assertThat(dispatcher.dispatchOnce()).as("delivered rows are not sent again").isZero();
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void whenTheReceiverFailsTwiceThenTheThirdAttemptDeliversAfterGrowingBackoff() {
        dispatcher.close();
        dispatcher = new WebhookDispatcher(db.node().dsl(), sealer,
                WebhookDispatchSettings.defaults().withBackoff(BASE, Duration.ofSeconds(10)), largestJitter(),
                Clock.systemUTC());
        receiver.answer(new Answer(500, Map.of(), "boom"), Answer.status(502));
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        assertThat(dispatcher.dispatchOnce()).isEqualTo(1);
        WebhookOutboxRecord first = row(event);
        assertThat(first.getAttempts()).isEqualTo(1);
        assertThat(first.getLastError()).isEqualTo("HTTP 500: boom");
        assertThat(first.getDeliveredAt()).isNull();
        Duration firstWait = Duration.between(receiver.received().get(0).at(), first.getNextAttemptAt().toInstant());
        assertThat(dispatcher.dispatchOnce()).as("not due before the backoff ends").isZero();

        dispatchWhenDue();
        WebhookOutboxRecord second = row(event);
        assertThat(second.getAttempts()).isEqualTo(2);
        assertThat(second.getLastError()).isEqualTo("HTTP 502");
        Duration secondWait = Duration.between(receiver.received().get(1).at(), second.getNextAttemptAt().toInstant());

        dispatchWhenDue();
        WebhookOutboxRecord third = row(event);
        assertThat(third.getDeliveredAt()).isNotNull();
        assertThat(third.getAttempts()).isEqualTo(3);
        assertThat(receiver.received()).hasSize(3);
        assertThat(receiver.countsById()).containsEntry(event.id().toString(), 3);

        assertThat(firstWait).isBetween(BASE, BASE.plus(SLACK));
        assertThat(secondWait).isBetween(BASE.multipliedBy(2), BASE.multipliedBy(2).plus(SLACK));
        assertThat(secondWait).isGreaterThan(firstWait);
        assertThat(receiver.received().get(1).at()).isAfterOrEqualTo(first.getNextAttemptAt().toInstant());
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 503})
    void whenTheReceiverAsksToRetryAfterASecondThenTheNextAttemptWaitsThatLong(int status) {
        dispatcher.close();
        dispatcher = dispatcher(WebhookDispatchSettings.defaults().withBackoff(Duration.ofMillis(50),
                Duration.ofMillis(100)));
        receiver.answer(new Answer(status, Map.of("Retry-After", "1"), ""));
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        assertThat(dispatcher.dispatchOnce()).isEqualTo(1);
        WebhookOutboxRecord waiting = row(event);
        Duration wait = Duration.between(receiver.received().getFirst().at(), waiting.getNextAttemptAt().toInstant());
        assertThat(waiting.getLastError()).isEqualTo("HTTP " + status);
        assertThat(wait).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(1).plus(SLACK));
        assertThat(dispatcher.dispatchOnce()).isZero();

        dispatchWhenDue();
        assertThat(row(event).getDeliveredAt()).isNotNull();
        assertThat(receiver.received().get(1).at()).isAfterOrEqualTo(waiting.getNextAttemptAt().toInstant());
    }

    @Test
    void whenTheAttemptsRunOutThenTheDeliveryIsFailedAndNeverSentAgain() {
        dispatcher.close();
        dispatcher = dispatcher(WebhookDispatchSettings.defaults()
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .withMaxAttempts(3));
        for (int i = 0; i < 10; i++) {
            receiver.answer(Answer.status(500));
        }
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        await(() -> {
            dispatcher.dispatchOnce();
            return row(event).getFailedAt() != null;
        });

        WebhookOutboxRecord failed = row(event);
        assertThat(failed.getAttempts()).isEqualTo(3);
        assertThat(failed.getLastError()).isEqualTo("HTTP 500");
        assertThat(failed.getDeliveredAt()).isNull();
        db.node().dsl().execute("update webhook_outbox set next_attempt_at = now() - interval '1 hour'");
        assertThat(dispatcher.dispatchOnce()).isZero();
        assertThat(receiver.received()).hasSize(3);
    }

    @Test
    void whenTheReceiverIsUnreachableThenTheErrorNamesTheExceptionOnly() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        endpoints.create("http://127.0.0.1:" + closedPort + "/hooks", null, null);
        WebhookEvent event = enqueue();

        assertThat(dispatcher.dispatchOnce()).isEqualTo(1);

        WebhookOutboxRecord row = row(event);
        assertThat(row.getAttempts()).isEqualTo(1);
        assertThat(row.getLastError()).isEqualTo("ConnectException");
        assertThat(row.getNextAttemptAt().toInstant()).isBefore(Instant.now().plus(BASE).plus(SLACK));
    }

    @Test
    void whenTheErrorBodyIsLongThenAtMost200CharactersOfItAreKept() {
        receiver.answer(new Answer(500, Map.of(), "x".repeat(50_000)));
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        dispatcher.dispatchOnce();

        assertThat(row(event).getLastError()).isEqualTo("HTTP 500: " + "x".repeat(200));
    }

    @Test
    void whenTheErrorBodyHasControlCharactersThenTheyAreNotStored() {
        receiver.answer(new Answer(400, Map.of(), "bad\r\nsignature\u0000"));
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        dispatcher.dispatchOnce();

        assertThat(row(event).getLastError()).isEqualTo("HTTP 400: bad  signature");
    }

    @Test
    void whenTheReceiverRedirectsThenTheRedirectIsNotFollowedAndCountsAsAFailure() {
        receiver.answer(new Answer(307, Map.of("Location", receiver.url() + "/elsewhere"), ""));
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        dispatcher.dispatchOnce();

        assertThat(receiver.received()).hasSize(1);
        assertThat(row(event).getLastError()).isEqualTo("HTTP 307");
        assertThat(row(event).getDeliveredAt()).isNull();
    }

    @Test
    void whenTheSealedSecretBelongsToAnotherEndpointThenNothingIsSent() {
        UUID victim = endpoints.create(receiver.url(), null, List.of("connection.created")).endpoint().id();
        UUID copy = endpoints.create(receiver.url(), null, null).endpoint().id();
        db.node().dsl().execute("update webhook_endpoints set secret_sealed = (select secret_sealed from "
                + "webhook_endpoints where id = ?) where id = ?", victim, copy);
        WebhookEvent event = enqueue();

        dispatcher.dispatchOnce();

        assertThat(receiver.received()).isEmpty();
        assertThat(row(event).getLastError()).isEqualTo("SealedDataException");
    }

    @Test
    void whenARowIsNotDueYetThenItIsNotSent() {
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();
        db.node().dsl().execute("update webhook_outbox set next_attempt_at = now() + interval '1 minute'");

        assertThat(dispatcher.dispatchOnce()).isZero();
        assertThat(receiver.received()).isEmpty();
        assertThat(row(event).getAttempts()).isZero();
    }

    @Test
    void whenTheEndpointIsDisabledThenItsRowsWait() {
        UUID id = endpoints.create(receiver.url(), null, null).endpoint().id();
        WebhookEvent event = enqueue();
        db.node().dsl().execute("update webhook_endpoints set enabled = false where id = ?", id);

        assertThat(dispatcher.dispatchOnce()).isZero();
        assertThat(row(event).getDeliveredAt()).isNull();
    }

    @Test
    void whenDispatchIsCalledInsideATransactionThenItRefusesBeforeClaiming() {
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        assertThatThrownBy(() -> db.node().inTransaction(() -> dispatcher.dispatchOnce()))
                .isInstanceOf(IllegalStateException.class);
        assertThat(row(event).getAttempts()).isZero();
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void whenShutdownBeginsThenClaimedRowsNotYetSentAreGivenBackUncounted() {
        endpoints.create(receiver.url(), null, null);
        WebhookEvent event = enqueue();

        assertThat(dispatcher.dispatchOnce(() -> false)).isEqualTo(1);

        WebhookOutboxRecord row = row(event);
        assertThat(receiver.received()).isEmpty();
        assertThat(row.getAttempts()).isZero();
        assertThat(row.getNextAttemptAt().toInstant()).isBefore(Instant.now().plusSeconds(1));
        assertThat(dispatcher.dispatchOnce()).isEqualTo(1);
        assertThat(row(event).getDeliveredAt()).isNotNull();
    }

    private WebhookDispatcher dispatcher(WebhookDispatchSettings settings) {
        return new WebhookDispatcher(db.node().dsl(), sealer, settings);
    }

    private static WebhookEvent enqueue() {
        WebhookEvent event = WebhookOutboxTest.needsReauth("acme");
        db.node().inTransaction(() -> outbox.enqueue(event));
        return event;
    }

    private void dispatchWhenDue() {
        await(() -> dispatcher.dispatchOnce() > 0);
    }

    private static WebhookOutboxRecord row(WebhookEvent event) {
        return db.node().dsl().selectFrom(WEBHOOK_OUTBOX).where(WEBHOOK_OUTBOX.EVENT_ID.eq(event.id())).fetchSingle();
    }

    /** Jitter that always picks the top of the window, so the backoff ceilings are observable. */
    private static RandomGenerator largestJitter() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return Long.MAX_VALUE;
            }

            @Override
            public long nextLong(long origin, long bound) {
                return bound - 1;
            }
        };
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
