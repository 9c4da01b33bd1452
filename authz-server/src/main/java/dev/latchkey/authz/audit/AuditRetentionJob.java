package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.chain.ArchiveDirectory;
import dev.latchkey.audit.chain.ArchiveSummary;
import dev.latchkey.audit.chain.AuditChainBrokenException;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditRetention;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Retention on a schedule ({@code latchkey.audit.retention.*}, off by default): archives the rows whose events are
 * older than {@code keep} into files in the archive directory ({@link ArchiveDirectory}: the rows and their signed
 * summary, durable before the rows are deleted), at most {@code max-rows-per-archive} rows per archive, one archive
 * per transaction, until nothing is due. Each archive is recorded ({@code audit.archived}); a failure is recorded,
 * logged, and archives nothing.
 *
 * <p>Every node runs the schedule; one at a time does the work (a session advisory try-lock: the others find nothing
 * to do). Even without it two nodes could not archive one range, since each range is chosen under the chain lock
 * ({@link AuditRetention#archiveOldest}). An archive holds the chain lock, so no node chains meanwhile: between
 * archives the job chains what arrived, and a long catch-up never leaves new events unchained for more than one
 * archive.
 */
public final class AuditRetentionJob {

    private static final Logger log = LoggerFactory.getLogger(AuditRetentionJob.class);
    private static final Actor ACTOR = Actor.system("audit-retention");

    private final AuditRetention retention;
    private final AuditChainer chainer;
    private final ClusterLock lock;
    private final ArchiveDirectory directory;
    private final Duration keep;
    private final int maxRowsPerArchive;
    private final AuditTrail trail;
    private final Clock clock;

    AuditRetentionJob(AuditRetention retention, AuditChainer chainer, ClusterLock lock, ArchiveDirectory directory,
            AuditProperties.Retention settings, AuditTrail trail, Clock clock) {
        this.retention = retention;
        this.chainer = chainer;
        this.lock = lock;
        this.directory = directory;
        this.keep = settings.keep();
        this.maxRowsPerArchive = settings.maxRowsPerArchive();
        this.trail = trail;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${latchkey.audit.retention.interval:PT1H}",
            initialDelayString = "${latchkey.audit.retention.interval:PT1H}")
    void run() {
        try {
            archiveDue();
        } catch (AuditChainBrokenException e) {
            log.error("audit retention refused to archive a range that does not verify: {}", e.report().summary());
        } catch (RuntimeException e) {
            log.error("audit retention failed, nothing more was archived: {}", e.toString());
        }
    }

    /**
     * Archives every range that is due now, oldest first, and returns their summaries; returns none at once while
     * another node is archiving.
     *
     * @throws RuntimeException when an archive fails (that archive changed nothing; earlier ones stand)
     */
    public List<ArchiveSummary> archiveDue() {
        return lock.ifFree(this::archiveAll).orElse(List.of());
    }

    private List<ArchiveSummary> archiveAll() {
        Instant before = clock.instant().minus(keep);
        List<ArchiveSummary> archived = new ArrayList<>();
        try {
            for (Optional<ArchiveSummary> next = retention.archiveOldest(before, maxRowsPerArchive, directory);
                    next.isPresent(); next = retention.archiveOldest(before, maxRowsPerArchive, directory)) {
                chainer.chainAll();
                ArchiveSummary summary = next.get();
                archived.add(summary);
                String file = directory.rowsFile(summary.firstSeq(), summary.lastSeq()).getFileName().toString();
                log.info("audit rows seq {}..{} archived to {}", summary.firstSeq(), summary.lastSeq(), file);
                trail.record(ACTOR, "audit.archived", Outcome.SUCCESS, "audit_archive",
                        summary.firstSeq() + ".." + summary.lastSeq(), null, Map.of("first_seq", summary.firstSeq(),
                                "last_seq", summary.lastSeq(), "count", summary.count(), "file", file));
            }
        } catch (RuntimeException e) {
            recordFailure(e);
            throw e;
        }
        return archived;
    }

    private void recordFailure(RuntimeException failure) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("error", failure.getClass().getSimpleName());
        if (failure instanceof AuditChainBrokenException broken) {
            details.put("reason", broken.report().reason().name());
            if (broken.report().firstBadSeq() != null) {
                details.put("first_bad_seq", broken.report().firstBadSeq());
            }
        }
        try {
            trail.record(ACTOR, "audit.archived", Outcome.FAILURE, "audit_archive", null, null, details);
        } catch (RuntimeException e) {
            log.warn("could not record the retention failure: {}", e.toString());
        }
    }
}
