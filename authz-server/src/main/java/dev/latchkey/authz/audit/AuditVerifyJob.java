package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.VerificationReport;
import dev.latchkey.audit.query.AuditQuery;
import dev.latchkey.audit.query.AuditSearch;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Verifies the whole trail ({@link AuditVerifier}) once per {@code latchkey.audit.verify.interval} (default a day)
 * across the cluster, and once soon after a node starts, and records each result as an {@code audit.verify} event
 * (outcome success or failure, the report in the details). A failure is logged at ERROR with the first bad row's
 * seq, id and reason (never row content).
 *
 * <p>Every node checks every minute whether a verification is due, under an advisory lock so only one node
 * verifies at a time; the recorded events are the shared memory: a verification is due when the newest one is
 * older than the interval, or older than this node's start. Only events whose record MAC is authentic count, so a
 * row forged with database access cannot postpone verification or fake a good result: {@link #status()} reports
 * the newest recorded result to health and metrics on every node.
 */
public final class AuditVerifyJob {

    static final String ACTION = "audit.verify";
    private static final Actor ACTOR = Actor.system("audit-verifier");
    private static final Logger log = LoggerFactory.getLogger(AuditVerifyJob.class);

    /** What the newest verification on record says. */
    public record Status(State state, Instant verifiedAt, String summary) {
        public enum State { UNKNOWN, VERIFIED, BROKEN }
    }

    private final AuditVerifier verifier;
    private final AuditSearch search;
    private final AuditChainKey key;
    private final AuditTrail trail;
    private final ClusterLock lock;
    private final Duration interval;
    private final Clock clock;
    private final Instant startedAt;

    AuditVerifyJob(AuditVerifier verifier, AuditSearch search, AuditChainKey key, AuditTrail trail, ClusterLock lock,
            Duration interval, Clock clock) {
        this.verifier = verifier;
        this.search = search;
        this.key = key;
        this.trail = trail;
        this.lock = lock;
        this.interval = interval;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    @Scheduled(fixedDelayString = "${latchkey.audit.verify.check-interval:PT1M}",
            initialDelayString = "${latchkey.audit.verify.initial-delay:PT5M}")
    void run() {
        try {
            verifyIfDue();
        } catch (RuntimeException e) {
            log.warn("audit verification could not run: {}", e.toString());
        }
    }

    /** Verifies and records the result if it is due and no other node is verifying; empty otherwise. */
    public Optional<VerificationReport> verifyIfDue() {
        return lock.ifFree(() -> due() ? verifyAndRecord() : null);
    }

    /** Verifies now and records the result. */
    public VerificationReport verifyAndRecord() {
        VerificationReport report = verifier.verify();
        if (report.ok()) {
            log.info("audit trail verified: {}", report.summary());
        } else {
            log.error("AUDIT TRAIL DOES NOT VERIFY: {} at seq {} (row id {}): {}", report.reason(), report.firstBadSeq(),
                    report.firstBadId(), report.detail());
        }
        trail.record(ACTOR, ACTION, report.ok() ? Outcome.SUCCESS : Outcome.FAILURE, "audit_chain", null, null,
                report.fields());
        return report;
    }

    /** The newest recorded verification: read from the database, so every node reports the same. */
    public Status status() {
        Optional<AuditEntry> newest = newest();
        if (newest.isEmpty()) {
            return new Status(Status.State.UNKNOWN, null, "not verified yet");
        }
        AuditEntry entry = newest.get();
        if (!authentic(entry)) {
            return new Status(Status.State.BROKEN, entry.event().occurredAt(),
                    "the newest verification record was not written with the audit key");
        }
        return new Status(entry.event().outcome() == Outcome.SUCCESS ? Status.State.VERIFIED : Status.State.BROKEN,
                entry.event().occurredAt(), String.valueOf(entry.event().details().asMap().get("summary")));
    }

    private boolean due() {
        Instant now = clock.instant();
        Instant threshold = now.minus(interval).isAfter(startedAt) ? now.minus(interval) : startedAt;
        return newest().filter(this::authentic).map(e -> e.event().occurredAt().isBefore(threshold)).orElse(true);
    }

    private Optional<AuditEntry> newest() {
        return search.page(AuditQuery.all().action(ACTION).actor(ACTOR).limit(1)).entries().stream().findFirst();
    }

    private boolean authentic(AuditEntry entry) {
        return MessageDigest.isEqual(key.recordMac(entry.event()), entry.recordMac());
    }
}
