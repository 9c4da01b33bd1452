package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_OUTBOX;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.TestNode;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class WebhookDispatchSchedulerTest extends WebhookStoreTest {

    private static final Duration POLL = Duration.ofMillis(20);


    @Test
    void whenStoppedThenNoFurtherRoundRuns() throws InterruptedException {
        try (TestReceiver receiver = new TestReceiver();
                WebhookDispatcher dispatcher = new WebhookDispatcher(db.node().dsl(), sealer,
                        WebhookDispatchSettings.defaults())) {
            new WebhookEndpoints(db.node().dsl(), sealer, true).create(receiver.url(), null, null);
            WebhookOutbox outbox = new WebhookOutbox(db.node().dsl());
            var scheduler = new WebhookDispatchScheduler(dispatcher, POLL, 32, Duration.ofSeconds(20));
            scheduler.start();
            outbox.enqueue(event());
            WebhookDispatcherTest.await(() -> receiver.received().size() == 1);

            scheduler.stop();
            outbox.enqueue(event());
            Thread.sleep(POLL.multipliedBy(10));

            assertThat(scheduler.isRunning()).isFalse();
            assertThat(receiver.received()).hasSize(1);
            assertThat(db.node().dsl().fetchCount(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.DELIVERED_AT.isNull())).isEqualTo(1);
        }
    }

    @Test
    void whenTheDatabaseIsDownThenOneWarningIsLoggedPerOutageNotPerPoll(CapturedOutput output)
            throws InterruptedException {
        TestNode node = db.newNode(1);
        node.close();
        try (WebhookDispatcher dispatcher = new WebhookDispatcher(node.dsl(), sealer,
                WebhookDispatchSettings.defaults())) {
            var scheduler = new WebhookDispatchScheduler(dispatcher, POLL, 32, Duration.ofSeconds(20));
            scheduler.start();
            WebhookDispatcherTest.await(() -> output.getAll().contains("Webhook dispatch failed"));
            Thread.sleep(POLL.multipliedBy(15));
            scheduler.stop();
        }

        assertThat(output.getAll().split("Webhook dispatch failed", -1)).as("one warning").hasSize(2);
    }

    private static WebhookEvent event() {
        return WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "acme", UUID.randomUUID(), "github", null);
    }
}
