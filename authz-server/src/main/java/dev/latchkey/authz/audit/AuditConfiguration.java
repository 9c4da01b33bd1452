package dev.latchkey.authz.audit;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditCheckpointer;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.Signatures;
import dev.latchkey.audit.chain.SigningKey;
import dev.latchkey.audit.query.AuditExporter;
import dev.latchkey.audit.query.AuditSearch;
import dev.latchkey.authz.keys.SystemSecrets;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import org.jooq.DSLContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail in the running application (issue 5): recording in the caller's transaction, chaining every
 * second and signed checkpoints every minute on every node (both safe concurrently), verification, search, export.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

    /** Sealed system secret holding the 32-byte Ed25519 seed (the private half) of the checkpoint key. */
    public static final String CHECKPOINT_SEED_SECRET_NAME = "audit-checkpoint-ed25519-seed";

    @Bean
    AuditChainKey auditChainKey(DSLContext dsl, Sealer sealer) {
        try (SecretBytes key = new SystemSecrets(dsl, sealer).getOrCreate(AuditChainKey.SYSTEM_SECRET_NAME, 32)) {
            return AuditChainKey.of(key);
        }
    }

    /** Ed25519 checkpoint key: generated on first start, its seed stored sealed; the public half is derived. */
    @Bean
    SigningKey auditCheckpointKey(DSLContext dsl, Sealer sealer) {
        try (SecretBytes seed = new SystemSecrets(dsl, sealer).getOrCreate(CHECKPOINT_SEED_SECRET_NAME, 32)) {
            byte[] bytes = seed.revealBytes();
            try {
                KeyPair pair = ed25519FromSeed(bytes);
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(pair.getPublic().getEncoded());
                String keyId = "audit-ed25519-" + HexFormat.of().formatHex(digest, 0, 8);
                return Signatures.keyPair(keyId, pair.getPrivate(), pair.getPublic());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot derive the audit checkpoint key", e);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }

    /** RFC 8032: an Ed25519 private key is its 32-byte seed; the JDK generator reads exactly that from its random. */
    static KeyPair ed25519FromSeed(byte[] seed) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            @Override
            public void nextBytes(byte[] out) {
                if (out.length != seed.length) {
                    throw new IllegalStateException("unexpected seed request");
                }
                System.arraycopy(seed, 0, out, 0, seed.length);
            }
        });
        return generator.generateKeyPair();
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
    AuditJobs auditJobs(AuditChainer chainer, AuditCheckpointer checkpointer, IntrospectionAudit introspections) {
        return new AuditJobs(chainer, checkpointer, introspections);
    }

    @Bean
    LoginAuditListener loginAuditListener(AuditTrail trail) {
        return new LoginAuditListener(trail);
    }
}
