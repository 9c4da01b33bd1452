package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.TestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two Latchkey nodes (own pools, own DSLContexts, own dispatchers) draining one outbox at the same time. */
class WebhookConcurrentDispatchTest extends WebhookStoreTest {

    private static final int EVENTS = 200;


    @Test
    void whenTwoNodesDrainTheOutboxConcurrentlyThenEveryEventIsDeliveredExactlyOnce() throws Exception {
        TestNode first = db.newNode(6);
        TestNode second = db.newNode(6);
        WebhookDispatchSettings settings = WebhookDispatchSettings.defaults().withBatch(10, 4);
        List<String> ids = new ArrayList<>();
        try (TestReceiver receiver = new TestReceiver().latency(3);
                WebhookDispatcher one = new WebhookDispatcher(first.dsl(), sealer, settings);
                WebhookDispatcher two = new WebhookDispatcher(second.dsl(), sealer, settings)) {
            new WebhookEndpoints(db.node().dsl(), sealer, true).create(receiver.url(), null, null);
            WebhookOutbox outbox = new WebhookOutbox(db.node().dsl());
            db.node().inTransaction(() -> {
                for (int i = 0; i < EVENTS; i++) {
                    WebhookEvent event = WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "acme", UUID.randomUUID(),
                            "github", null);
                    outbox.enqueue(event);
                    ids.add(event.id().toString());
                }
            });

            ExecutorService nodes = Executors.newFixedThreadPool(2);
            CountDownLatch go = new CountDownLatch(1);
            Future<Integer> claimedByOne = nodes.submit(() -> drain(one, go));
            Future<Integer> claimedByTwo = nodes.submit(() -> drain(two, go));
            go.countDown();
            int byOne = claimedByOne.get(60, TimeUnit.SECONDS);
            int byTwo = claimedByTwo.get(60, TimeUnit.SECONDS);
            nodes.shutdown();

            assertThat(receiver.countsById()).hasSize(EVENTS).containsOnlyKeys(ids)
                    .allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
            assertThat(byOne + byTwo).isEqualTo(EVENTS);
            assertThat(byOne).as("the first node took part").isPositive();
            assertThat(byTwo).as("the second node took part").isPositive();
            assertThat(db.node().dsl().fetchCount(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.DELIVERED_AT.isNotNull()
                    .and(WEBHOOK_OUTBOX.ATTEMPTS.eq(1)))).isEqualTo(EVENTS);
        }
    }

    /** Dispatches until a round finds nothing due; returns how many rows this node claimed. */
    private static int drain(WebhookDispatcher dispatcher, CountDownLatch go) throws InterruptedException {
        go.await();
        int total = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(50).toNanos();
        int claimed;
        do {
            claimed = dispatcher.dispatchOnce();
            total += claimed;
        } while (claimed > 0 && System.nanoTime() < deadline);
        return total;
    }
}
