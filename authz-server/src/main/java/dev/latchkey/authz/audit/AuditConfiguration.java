package dev.latchkey.authz.audit;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.chain.ArchiveDirectory;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditCheckpointer;
import dev.latchkey.audit.chain.AuditRetention;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.Signatures;
import dev.latchkey.audit.chain.SigningKey;
import dev.latchkey.audit.query.AuditExporter;
import dev.latchkey.audit.query.AuditSearch;
import dev.latchkey.authz.keys.SystemSecrets;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail in the running application (issue 5): recording in the caller's transaction, chaining every
 * second and signed checkpoints every minute on every node (both safe concurrently), verification (on demand, and
 * periodically by one node, reported to health and metrics), search, export, and retention when enabled
 * ({@link AuditProperties}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

    /** Advisory lock of the periodic verification: one node verifies at a time ("LKAUDVRF"). */
    private static final long VERIFY_LOCK_KEY = 0x4C4B_4155_4456_5246L;
    /** Advisory lock of scheduled retention: one node archives at a time ("LKAUDRET"). */
    private static final long RETENTION_LOCK_KEY = 0x4C4B_4155_4452_4554L;

    @Bean
    AuditChainKey auditChainKey(DSLContext dsl, Sealer sealer) {
        try (SecretBytes key = new SystemSecrets(dsl, sealer).getOrCreate(AuditChainKey.SYSTEM_SECRET_NAME, 32)) {
            return AuditChainKey.of(key);
        }
    }

    /** Ed25519 checkpoint key: generated on first start, its seed stored sealed; the public half is derived. */
    @Bean
    SigningKey auditCheckpointKey(DSLContext dsl, Sealer sealer) {
        try (SecretBytes seed = new SystemSecrets(dsl, sealer).getOrCreate(Signatures.ED25519_SEED_SYSTEM_SECRET_NAME, 32)) {
            return Signatures.ed25519FromSeed(seed);
        }
    }

    @Bean
    JooqAuditLog auditLog(DSLContext dsl, AuditChainKey key) {
        return new JooqAuditLog(dsl, key);
    }

    @Bean
    AuditChainer auditChainer(DSLContext dsl, AuditChainKey key) {
        return new AuditChainer(dsl, key);
    }

    @Bean
    AuditCheckpointer auditCheckpointer(DSLContext dsl, SigningKey auditCheckpointKey) {
        return new AuditCheckpointer(dsl, auditCheckpointKey, Clock.systemUTC());
    }

    @Bean
    AuditVerifier auditVerifier(DSLContext dsl, AuditChainKey key, SigningKey auditCheckpointKey) {
        return new AuditVerifier(dsl, key, auditCheckpointKey);
    }

    @Bean
    AuditSearch auditSearch(DSLContext dsl) {
        return new AuditSearch(dsl);
    }

    @Bean
    AuditExporter auditExporter(DSLContext dsl) {
        return new AuditExporter(dsl);
    }

    @Bean
    AuditTrail auditTrail(JooqAuditLog auditLog, PlatformTransactionManager transactions) {
        return new AuditTrail(auditLog, new TransactionTemplate(transactions));
    }

    @Bean
    IntrospectionAudit introspectionAudit(AuditTrail auditTrail) {
        return new IntrospectionAudit(auditTrail, Clock.systemUTC());
    }

    @Bean
    GrantFailureAudit grantFailureAudit(AuditTrail auditTrail) {
        return new GrantFailureAudit(auditTrail, Clock.systemUTC());
    }

    @Bean
    AuditJobs auditJobs(AuditChainer chainer, AuditCheckpointer checkpointer, IntrospectionAudit introspections,
            GrantFailureAudit grantFailures) {
        return new AuditJobs(chainer, checkpointer, introspections, grantFailures);
    }

    @Bean
    LoginAuditListener loginAuditListener(AuditTrail trail) {
        return new LoginAuditListener(trail);
    }

    @Bean
    AuditVerifyJob auditVerifyJob(AuditVerifier verifier, AuditSearch search, AuditChainKey key, AuditTrail trail,
            DataSource dataSource, AuditProperties properties) {
        return new AuditVerifyJob(verifier, search, key, trail, new ClusterLock(dataSource, VERIFY_LOCK_KEY),
                properties.verify().interval(), Clock.systemUTC());
    }

    @Bean
    AuditChainHealthIndicator auditChainHealthIndicator(AuditVerifyJob verification) {
        return new AuditChainHealthIndicator(verification);
    }

    @Bean
    AuditChainMetrics auditChainMetrics(AuditVerifyJob verification) {
        return new AuditChainMetrics(verification);
    }

    /** Retention, only when {@code latchkey.audit.retention.enabled} is true. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "latchkey.audit.retention.enabled", havingValue = "true")
    static class RetentionConfiguration {

        /** Fails start-up, naming the property, when the directory cannot hold archive files. */
        @Bean
        ArchiveDirectory auditArchiveDirectory(AuditProperties properties) {
            Path dir = properties.retention().archiveDir();
            try {
                return ArchiveDirectory.open(dir);
            } catch (IOException e) {
                throw new IllegalStateException("latchkey.audit.retention.archive-dir (" + dir
                        + ") must be a directory Latchkey can write to: " + e, e);
            }
        }

        @Bean
        AuditRetentionJob auditRetentionJob(DSLContext dsl, AuditChainKey key, SigningKey auditCheckpointKey,
                AuditChainer chainer, DataSource dataSource, ArchiveDirectory auditArchiveDirectory,
                AuditProperties properties, AuditTrail trail) {
            return new AuditRetentionJob(new AuditRetention(dsl, key, auditCheckpointKey, Clock.systemUTC()), chainer,
                    new ClusterLock(dataSource, RETENTION_LOCK_KEY), auditArchiveDirectory, properties.retention(),
                    trail, Clock.systemUTC());
        }
    }
}
