package dev.latchkey.broker.webhook;

import dev.latchkey.audit.TestDatabase;
import dev.latchkey.vault.EnvelopeSealer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the webhook tests stand on: a real PostgreSQL with the migrations applied and a sealer over an ephemeral
 * key, started once per test class, and both webhook tables emptied before each test.
 */
abstract class WebhookStoreTest {

    static TestDatabase db;
    static EnvelopeSealer sealer;

    @BeforeAll
    static void startStore() {
        db = TestDatabase.start();
        sealer = TestSealers.sealer();
    }

    @AfterAll
    static void stopStore() {
        sealer.close();
        db.close();
    }

    @BeforeEach
    void emptyWebhookTables() {
        db.clear("webhook_outbox", "webhook_endpoints");
    }
}
