package dev.latchkey.broker.webhook;

import dev.latchkey.vault.Sealer;
import java.time.Duration;
import org.jooq.DSLContext;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connection status webhooks in the running application: the outbox (written in the caller's transaction through
 * Spring Boot's transaction-aware {@link DSLContext}), the endpoint service behind {@link WebhookAdminController},
 * and the dispatcher (with its HTTP client and scheduler) polling on every node unless
 * {@code latchkey.broker.webhooks.dispatch-enabled=false}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebhookProperties.class)
public class WebhookConfiguration {

    @Bean
    WebhookOutbox webhookOutbox(DSLContext dsl) {
        return new WebhookOutbox(dsl);
    }

    @Bean
    WebhookEndpoints webhookEndpoints(DSLContext dsl, Sealer sealer, WebhookProperties properties) {
        return new WebhookEndpoints(dsl, sealer, properties.isAllowInsecureLoopback());
    }

    @Bean
    @ConditionalOnProperty(prefix = "latchkey.broker.webhooks", name = "dispatch-enabled", matchIfMissing = true)
    WebhookDispatcher webhookDispatcher(DSLContext dsl, Sealer sealer, WebhookProperties properties) {
        return new WebhookDispatcher(dsl, sealer, properties.toSettings());
    }

    @Bean
    @ConditionalOnProperty(prefix = "latchkey.broker.webhooks", name = "dispatch-enabled", matchIfMissing = true)
    WebhookDispatchScheduler webhookDispatchScheduler(WebhookDispatcher webhookDispatcher,
            WebhookProperties properties) {
        WebhookDispatchSettings settings = properties.toSettings();
        // Long enough for deliveries in flight to finish; claimed rows not yet started are given back at once.
        Duration stopTimeout = settings.deliveryTimeout().plus(Duration.ofSeconds(5));
        return new WebhookDispatchScheduler(webhookDispatcher, properties.getPollInterval(), settings.batchSize(),
                stopTimeout);
    }
}
