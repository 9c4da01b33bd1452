package dev.latchkey.broker.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.vault.Sealer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DefaultConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jooq.autoconfigure.SpringTransactionProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The Spring wiring: beans, properties, the scheduled dispatcher, and a clean stop before the pool closes. */
@ExtendWith(OutputCaptureExtension.class)
class WebhookConfigurationTest {

    private static TestDatabase db;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withUserConfiguration(DatabaseAndKeys.class, WebhookConfiguration.class)
                .withPropertyValues("test.jdbc-url=" + db.jdbcUrl());
    }

    @Test
    void whenTheContextRunsThenEnqueuedEventsAreDeliveredByTheScheduledDispatcher(CapturedOutput output) {
        try (TestReceiver receiver = new TestReceiver()) {
            runner().withPropertyValues("latchkey.broker.webhooks.poll-interval=50ms",
                            "latchkey.broker.webhooks.allow-insecure-loopback=true")
                    .run(context -> {
                        assertThat(context).hasSingleBean(WebhookOutbox.class).hasSingleBean(WebhookEndpoints.class)
                                .hasSingleBean(WebhookDispatcher.class).hasSingleBean(WebhookDispatchScheduler.class);
                        assertThat(context.getBean(WebhookDispatchScheduler.class).isRunning()).isTrue();
                        String secret = context.getBean(WebhookEndpoints.class).create(receiver.url(), "acme", null)
                                .secret();
                        WebhookEvent event = WebhookEvent.of(WebhookEventType.CONNECTION_CREATED, "acme",
                                UUID.randomUUID(), "github", Map.of("status", "active"));
                        new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
                                .executeWithoutResult(status -> context.getBean(WebhookOutbox.class).enqueue(event));

                        WebhookDispatcherTest.await(() -> !receiver.received().isEmpty());
                        TestReceiver.Received received = receiver.received().getFirst();
                        assertThat(received.id()).isEqualTo(event.id().toString());
                        assertThat(WebhookSignatures.verify(secret, received.id(), received.timestamp(),
                                received.body(), received.signature(), Instant.now(),
                                WebhookSignatures.DEFAULT_TOLERANCE)).isTrue();
                    });
            // The context closed its pool after stopping the dispatcher; a few more poll intervals pass quietly.
            sleep(Duration.ofMillis(300));
            assertThat(output.getAll()).doesNotContain("ERROR").doesNotContain("WARN  d.l.b.w");
        }
    }

    @Test
    void whenTheOutboxIsEnqueuedInARolledBackSpringTransactionThenNothingIsSent() {
        try (TestReceiver receiver = new TestReceiver()) {
            runner().withPropertyValues("latchkey.broker.webhooks.poll-interval=50ms",
                            "latchkey.broker.webhooks.allow-insecure-loopback=true")
                    .run(context -> {
                        context.getBean(WebhookEndpoints.class).create(receiver.url(), null, null);
                        WebhookEvent event = WebhookEvent.of(WebhookEventType.CONNECTION_DELETED, "acme",
                                UUID.randomUUID(), "github", null);
                        new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
                                .executeWithoutResult(status -> {
                                    context.getBean(WebhookOutbox.class).enqueue(event);
                                    status.setRollbackOnly();
                                });
                        sleep(Duration.ofMillis(300));
                        assertThat(receiver.received()).isEmpty();
                    });
        }
        db.clear("webhook_outbox", "webhook_endpoints");
    }

    @Test
    void whenDispatchIsDisabledThenNoDispatcherRunsButTheServicesExist() {
        runner().withPropertyValues("latchkey.broker.webhooks.dispatch-enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(WebhookDispatchScheduler.class).doesNotHaveBean(WebhookDispatcher.class)
                    .hasSingleBean(WebhookOutbox.class).hasSingleBean(WebhookEndpoints.class);
        });
    }

    @Test
    void whenPropertiesAreSetThenTheyBindAndInsecureLoopbackDefaultsToOff() {
        runner().withPropertyValues("latchkey.broker.webhooks.max-attempts=3",
                "latchkey.broker.webhooks.base-backoff=250ms", "latchkey.broker.webhooks.dispatch-enabled=false")
                .run(context -> {
                    WebhookProperties properties = context.getBean(WebhookProperties.class);
                    assertThat(properties.toSettings().maxAttempts()).isEqualTo(3);
                    assertThat(properties.toSettings().baseBackoff()).isEqualTo(Duration.ofMillis(250));
                    assertThat(properties.isAllowInsecureLoopback()).isFalse();
                    assertThat(properties.getPollInterval()).isEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void whenTheSettingsAreInconsistentThenTheContextFailsToStart() {
        runner().withPropertyValues("latchkey.broker.webhooks.lease=10s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("lease");
        });
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the application gets from Spring Boot's DataSource and jOOQ auto-configuration and the vault adapter. */
    @Configuration(proxyBeanMethods = false)
    static class DatabaseAndKeys {

        @Bean
        HikariDataSource dataSource(@Value("${test.jdbc-url}") String url) {
            HikariDataSource pool = new HikariDataSource();
            pool.setJdbcUrl(url);
            pool.setUsername("postgres");
            pool.setPassword("");
            pool.setMaximumPoolSize(4);
            return pool;
        }

        @Bean
        DataSourceTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        DSLContext dslContext(DataSource dataSource, DataSourceTransactionManager transactionManager) {
            return DSL.using(new DefaultConfiguration()
                    .set(new DataSourceConnectionProvider(new TransactionAwareDataSourceProxy(dataSource)))
                    .set(new SpringTransactionProvider(transactionManager))
                    .set(SQLDialect.POSTGRES));
        }

        @Bean
        Sealer sealer() {
            return TestSealers.sealer();
        }
    }
}
