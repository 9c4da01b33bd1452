package dev.latchkey.authz.audit;

import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditCheckpointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Chains committed events every second, writes the introspection and grant-failure counts ({@link IntrospectionAudit},
 * {@link GrantFailureAudit}) every second,
 * and signs a checkpoint every minute, on every node. There is no pass at
 * shutdown: events left unchained are chained by whichever node runs next (the chain is built from committed rows),
 * and a shutdown pass would only wait on a database that may already be gone (embedded mode stops it first).
 */
public final class AuditJobs implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(AuditJobs.class);
    private static final int MAX_PASSES = 50;

    private final AuditChainer chainer;
    private final AuditCheckpointer checkpointer;
    private final IntrospectionAudit introspections;
    private final GrantFailureAudit grantFailures;

    AuditJobs(AuditChainer chainer, AuditCheckpointer checkpointer, IntrospectionAudit introspections,
            GrantFailureAudit grantFailures) {
        this.chainer = chainer;
        this.checkpointer = checkpointer;
        this.introspections = introspections;
        this.grantFailures = grantFailures;
    }

    /**
     * Chains until caught up (bounded, so one node never holds the lock for long): at thousands of issued tokens a
     * second, one batch a second would fall further behind every second.
     */
    @Scheduled(fixedDelayString = "PT1S", initialDelayString = "PT1S")
    void chain() {
        try {
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                if (chainer.chainPending().chained() < AuditChainer.DEFAULT_BATCH_SIZE) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            log.warn("audit chaining pass failed: {}", e.toString());
        }
    }

    @Scheduled(fixedDelayString = "PT1S", initialDelayString = "PT1S")
    void flushCounts() {
        introspections.flush();
        grantFailures.flush();
    }

    /** Best effort: the counts of the last interval, if the database is still there (it keeps them otherwise). */
    @Override
    public void destroy() {
        flushCounts();
    }

    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT30S")
    void checkpoint() {
        try {
            // Logged so that a copy of the head lives outside the database (see audit/README.md).
            checkpointer.checkpoint().ifPresent(c -> log.info("audit checkpoint seq={} hash={} key={} signedAt={}",
                    c.seq(), java.util.HexFormat.of().formatHex(c.hash()), c.keyId(), c.signedAt()));
        } catch (RuntimeException e) {
            log.warn("audit checkpoint failed: {}", e.toString());
        }
    }
}
