package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_ARCHIVES;
import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditJsonLines;
import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Cursor;
import org.jooq.DSLContext;

/**
 * Retention: replaces the oldest part of the chain by a signed summary. In one transaction, under the chain lock, it
 * verifies the range (a range that does not verify is never archived: that would erase the evidence), writes it as
 * JSON Lines to the given stream, inserts the signed {@link ArchiveSummary} and deletes the rows and the
 * checkpoints the summary supersedes. Keep the export: it verifies against the summary
 * ({@link AuditVerifier#verifyExport}), and the chain left in the table continues from the summary's last hash.
 * {@link #archiveOldest} is the form for a schedule: it picks the range itself (old enough, bounded) and keeps it
 * in an {@link ArchiveTarget} such as {@link ArchiveDirectory}, durably before the rows are deleted.
 */
public final class AuditRetention {

    private static final int FETCH_SIZE = 1_000;

    private final DSLContext dsl;
    private final AuditChainKey key;
    private final CheckpointSigner signer;
    private final Clock clock;

    public AuditRetention(DSLContext dsl, AuditChainKey key, CheckpointSigner signer, Clock clock) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.key = Objects.requireNonNull(key, "key");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Archives every chained row up to {@code upToSeq} without keeping an export (use only if rows are shipped elsewhere). */
    public ArchiveSummary archive(long upToSeq) {
        return archive(upToSeq, OutputStream.nullOutputStream());
    }

    /**
     * Archives every chained row after the last archive up to {@code upToSeq}, writing them to {@code export} (JSON
     * Lines, flushed, not closed) before deleting them. If writing fails, nothing is deleted.
     *
     * @throws IllegalArgumentException if {@code upToSeq} is not after the last archive or not yet chained
     * @throws AuditChainBrokenException if the range does not verify (nothing is archived)
     */
    public ArchiveSummary archive(long upToSeq, OutputStream export) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            ChainStore.lock(tx);
            ChainStore.Head archived = ChainStore.archivedHead(tx);
            if (upToSeq <= archived.seq()) {
                throw new IllegalArgumentException("seq " + upToSeq + " is already archived");
            }
            if (upToSeq > ChainStore.head(tx).seq()) {
                throw new IllegalArgumentException("seq " + upToSeq + " is not chained yet");
            }
            return archiveRange(tx, archived, upToSeq, export);
        });
    }

    /**
     * Archives the oldest rows still in the table, at most {@code maxRows}, stopping before the first row that
     * occurred at or after {@code before} (rows are taken in seq order, so a row never leaves the table while an
     * earlier one stays). The range is chosen under the chain lock: a node that waited for another one's archive
     * sees that archive and takes the next range, or finds nothing to do. Call it again until it returns empty to
     * catch up; each call is one transaction, so the lock is held for one range at a time.
     *
     * @return the summary, or empty when no row is due
     * @throws AuditChainBrokenException if the range does not verify (nothing is archived, the target is discarded)
     * @throws UncheckedIOException if the target fails (nothing is archived)
     */
    public Optional<ArchiveSummary> archiveOldest(Instant before, int maxRows, ArchiveTarget target) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be positive");
        }
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            ChainStore.lock(tx);
            ChainStore.Head archived = ChainStore.archivedHead(tx);
            Long upToSeq = ChainStore.lastSeqBefore(tx, archived.seq() + 1, maxRows, before);
            if (upToSeq == null) {
                return Optional.empty();
            }
            try (ArchiveTarget.Output output = target.open(archived.seq() + 1, upToSeq)) {
                ArchiveSummary summary = archiveRange(tx, archived, upToSeq, output.stream());
                output.complete(summary);
                return Optional.of(summary);
            } catch (IOException e) {
                throw new UncheckedIOException("the archive could not be kept; nothing was archived", e);
            }
        });
    }

    /** Under the chain lock: verifies and exports the range, then replaces it by its signed summary. */
    private ArchiveSummary archiveRange(DSLContext tx, ChainStore.Head archived, long upToSeq, OutputStream export) {
        long firstSeq = archived.seq() + 1;
        ChainWalk walk = new ChainWalk(key, firstSeq, archived.hash());
        try (Cursor<AuditEventsRecord> rows = tx.selectFrom(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.SEQ.between(firstSeq, upToSeq))
                .orderBy(AUDIT_EVENTS.SEQ).fetchSize(FETCH_SIZE).fetchLazy()) {
            Writer out = new BufferedWriter(new OutputStreamWriter(export, StandardCharsets.UTF_8), 1 << 16);
            StringBuilder scratch = new StringBuilder(512);
            AuditEventsRecord cur = rows.hasNext() ? rows.fetchNext() : null;
            while (cur != null) {
                AuditEventsRecord next = rows.hasNext() ? rows.fetchNext() : null;
                if (!walk.step(ChainRow.of(cur), next == null ? null : ChainRow.of(next))) {
                    throw new AuditChainBrokenException(walk.report(0, 0, 0));
                }
                AuditJsonLines.write(cur, out, scratch);
                cur = next;
            }
            if (walk.headSeq() != upToSeq) {
                walk.fail(VerificationReport.Reason.DELETED, walk.expectedSeq, null,
                        "seq " + walk.expectedSeq + ".." + upToSeq + " are missing");
                throw new AuditChainBrokenException(walk.report(0, 0, 0));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the export failed; nothing was archived", e);
        }

        long count = upToSeq - firstSeq + 1;
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        byte[] signature = signer.sign(SignedMessages.archive(firstSeq, upToSeq, count, archived.hash(),
                walk.expectedPrev, now, signer.keyId()));
        ArchiveSummary summary = new ArchiveSummary(firstSeq, upToSeq, count, archived.hash(), walk.expectedPrev,
                now, signer.keyId(), signature);
        tx.insertInto(AUDIT_ARCHIVES)
                .set(AUDIT_ARCHIVES.FIRST_SEQ, firstSeq)
                .set(AUDIT_ARCHIVES.LAST_SEQ, upToSeq)
                .set(AUDIT_ARCHIVES.FIRST_PREV_HASH, summary.firstPrevHash())
                .set(AUDIT_ARCHIVES.LAST_HASH, summary.lastHash())
                .set(AUDIT_ARCHIVES.EVENT_COUNT, count)
                .set(AUDIT_ARCHIVES.ARCHIVED_AT, now.atOffset(ZoneOffset.UTC))
                .set(AUDIT_ARCHIVES.KEY_ID, signer.keyId())
                .set(AUDIT_ARCHIVES.SIGNATURE, signature)
                .execute();
        tx.deleteFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.between(firstSeq, upToSeq)).execute();
        tx.deleteFrom(AUDIT_CHECKPOINTS).where(AUDIT_CHECKPOINTS.SEQ.le(upToSeq)).execute();
        return summary;
    }
}
