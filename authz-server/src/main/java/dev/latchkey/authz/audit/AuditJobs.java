package dev.latchkey.authz.audit;

import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditCheckpointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Chains committed events every second and signs a checkpoint every minute, on every node. There is no pass at
 * shutdown: events left unchained are chained by whichever node runs next (the chain is built from committed rows),
 * and a shutdown pass would only wait on a database that may already be gone (embedded mode stops it first).
 */
public final class AuditJobs {

    private static final Logger log = LoggerFactory.getLogger(AuditJobs.class);

    private final AuditChainer chainer;
    private final AuditCheckpointer checkpointer;

    AuditJobs(AuditChainer chainer, AuditCheckpointer checkpointer) {
        this.chainer = chainer;
        this.checkpointer = checkpointer;
    }

    @Scheduled(fixedDelayString = "PT1S", initialDelayString = "PT1S")
    void chain() {
        try {
            chainer.chainPending();
        } catch (RuntimeException e) {
            log.warn("audit chaining pass failed: {}", e.toString());
        }
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
