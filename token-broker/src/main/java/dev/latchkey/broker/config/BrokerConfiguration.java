package dev.latchkey.broker.config;

import dev.latchkey.audit.AuditLog;
import dev.latchkey.broker.access.BrokerCallers;
import dev.latchkey.broker.apps.ProviderApps;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.cluster.NodeRoster;
import dev.latchkey.broker.connect.ConnectSessions;
import dev.latchkey.broker.connection.ConnectionDirectory;
import dev.latchkey.broker.credential.CredentialCache;
import dev.latchkey.broker.credential.CredentialCacheMeterBinder;
import dev.latchkey.broker.credential.CredentialChangeListener;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.events.ConnectionEvents;
import dev.latchkey.broker.provider.ProviderClient;
import dev.latchkey.broker.provider.ProviderRateLimiter;
import dev.latchkey.broker.refresh.RefreshEngine;
import dev.latchkey.broker.refresh.RefreshPolicy;
import dev.latchkey.broker.refresh.Refresher;
import dev.latchkey.broker.token.CredentialReads;
import dev.latchkey.broker.token.TokenService;
import dev.latchkey.broker.webhook.WebhookOutbox;
import dev.latchkey.vault.Sealer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires the token broker from {@link BrokerProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BrokerProperties.class)
public class BrokerConfiguration {

    private final BrokerProperties properties;
    private final String nodeId;

    BrokerConfiguration(BrokerProperties properties) {
        this.properties = properties;
        this.nodeId = properties.nodeId() != null ? properties.nodeId() : defaultNodeId();
    }

    @Bean
    ProviderCatalog providerCatalog() {
        // An invalid entry fails start-up here, with the file, provider id and field in the message.
        return new ProviderCatalog(properties.catalogDir());
    }

    @Bean
    ProviderClient providerClient() {
        return new ProviderClient();
    }

    @Bean
    ProviderRateLimiter providerRateLimiter(ProviderCatalog catalog) {
        return ProviderRateLimiter.forCatalog(catalog, properties.rateLimits(), ProviderRateLimiter.DEFAULT_MAX_BURST,
                properties.rateLimitHeadroom());
    }

    /** Counts the nodes on this database, which share every provider's rate limit. */
    @Bean
    NodeRoster nodeRoster(DSLContext dsl, ProviderRateLimiter limiter) {
        Duration heartbeat = properties.nodeHeartbeat();
        return new NodeRoster(dsl, nodeId, heartbeat, heartbeat.multipliedBy(3), limiter::shareAmong);
    }

    @Bean
    ProviderApps providerApps(DSLContext dsl, Sealer sealer) {
        return new ProviderApps(dsl, sealer);
    }

    @Bean
    BrokerCallers brokerCallers(DSLContext dsl) {
        return new BrokerCallers(dsl, properties.callerCacheTtl());
    }

    @Bean
    CredentialCache credentialCache() {
        BrokerProperties.CredentialCacheSettings settings = properties.credentialCache();
        return settings.enabled() ? new CredentialCache(settings.maxSize(), settings.maxAge(), settings.liveness())
                : CredentialCache.disabled();
    }

    /** Without it the cache never goes live: every fetch reads the database. */
    @Bean
    @ConditionalOnBooleanProperty(name = "latchkey.broker.credential-cache.enabled", matchIfMissing = true)
    CredentialChangeListener credentialChangeListener(DataSource dataSource, CredentialCache cache) {
        return new CredentialChangeListener(dataSource, cache, properties.credentialCache().ping());
    }

    @Bean
    CredentialCacheMeterBinder credentialCacheMeterBinder(CredentialCache cache) {
        return new CredentialCacheMeterBinder(cache);
    }

    @Bean
    CredentialStore credentialStore(DSLContext dsl, CredentialCache cache) {
        return new CredentialStore(dsl, cache);
    }

    @Bean
    CredentialSealer credentialSealer(Sealer sealer) {
        return new CredentialSealer(sealer);
    }

    @Bean
    ConnectionEvents connectionEvents(AuditLog audit, WebhookOutbox outbox) {
        return new ConnectionEvents(audit, outbox, Clock.systemUTC());
    }

    @Bean
    RefreshPolicy refreshPolicy() {
        BrokerProperties.Refresh r = properties.refresh();
        return new RefreshPolicy(r.lifetimeShare(), r.jitterShare(), r.fetchWindow(), r.freshRejectionWindow(),
                r.maxFreshRejections(), r.backoffBase(), r.backoffCap(), r.minLearnedLifetime());
    }

    @Bean
    Refresher refresher(CredentialStore store, CredentialSealer sealer, ProviderCatalog catalog, ProviderApps apps,
            ProviderClient client, ProviderRateLimiter limiter, ConnectionEvents events,
            PlatformTransactionManager transactions, RefreshPolicy policy) {
        BrokerProperties.Refresh r = properties.refresh();
        return new Refresher(store, sealer, catalog, apps, client, limiter, events, new TransactionTemplate(transactions),
                policy, new Refresher.Settings(nodeId, r.lease(), r.waitForOthers(), r.rateWait()), Clock.systemUTC());
    }

    @Bean
    RefreshEngine refreshEngine(CredentialStore store, Refresher refresher) {
        BrokerProperties.Refresh r = properties.refresh();
        return new RefreshEngine(store, refresher,
                new RefreshEngine.Settings(r.workers(), r.pollInterval(), r.lease(), nodeId, r.enabled()));
    }

    @Bean
    CredentialReads credentialReads(AuditLog audit, PlatformTransactionManager transactions) {
        return new CredentialReads(audit, new TransactionTemplate(transactions));
    }

    /** Flushes counted credential reads to the audit trail on a schedule, and once more at shutdown. */
    @Bean
    SmartLifecycle credentialReadsFlusher(CredentialReads reads) {
        return new SmartLifecycle() {
            private ScheduledExecutorService scheduler;

            @Override
            public synchronized void start() {
                scheduler = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().name("latchkey-credential-reads").factory());
                long millis = properties.readAuditInterval().toMillis();
                scheduler.scheduleWithFixedDelay(reads::flush, millis, millis, TimeUnit.MILLISECONDS);
            }

            @Override
            public synchronized void stop() {
                scheduler.shutdown();
                try {
                    scheduler.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reads.flush();
                scheduler = null;
            }

            @Override
            public synchronized boolean isRunning() {
                return scheduler != null;
            }
        };
    }

    @Bean
    TokenService tokenService(CredentialStore store, CredentialSealer sealer, Refresher refresher, CredentialReads reads,
            AuditLog audit) {
        return new TokenService(store, sealer, refresher, reads, audit, Clock.systemUTC());
    }

    @Bean
    ConnectionDirectory connectionDirectory(DSLContext dsl, CredentialStore store, CredentialSealer sealer,
            ProviderCatalog catalog, ProviderApps apps, ProviderClient client, ConnectionEvents events,
            PlatformTransactionManager transactions) {
        return new ConnectionDirectory(dsl, store, sealer, catalog, apps, client, events,
                new TransactionTemplate(transactions));
    }

    @Bean
    ConnectSessions connectSessions(DSLContext dsl, ProviderCatalog catalog, ProviderApps apps, ProviderClient client,
            CredentialStore store, CredentialSealer credentials, Sealer sealer, ConnectionEvents events,
            RefreshPolicy policy, PlatformTransactionManager transactions,
            @Value("${latchkey.authz.issuer:http://localhost:8080}") String issuer) {
        URI publicUrl = properties.publicUrl() != null ? properties.publicUrl() : URI.create(issuer);
        return new ConnectSessions(dsl, catalog, apps, client, store, credentials, sealer, events, policy,
                new TransactionTemplate(transactions),
                new ConnectSessions.Settings(publicUrl, properties.connectSessionLifetime()), Clock.systemUTC());
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
