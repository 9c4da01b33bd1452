package dev.latchkey.audit.chain;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of a verification: either the whole chain (and every checkpoint, archive summary and unchained row)
 * verified, or the first problem found in chain order.
 *
 * @param ok true if nothing was wrong
 * @param reason what was wrong, null if ok
 * @param firstBadSeq the seq where the problem is (for a gap or a truncation: the first missing seq), if known
 * @param firstBadId the {@code audit_events.id} of the offending row, if there is one
 * @param detail one sentence for humans
 * @param rowsChecked chained rows verified before the problem (all of them when ok)
 * @param checkpointsChecked checkpoints whose signature and hash were checked
 * @param archivesChecked archive summaries checked
 * @param unchainedRows committed rows not yet chained (their record MACs are checked too)
 * @param headSeq the last seq that verified (0 for an empty chain)
 * @param headHash the hash at {@code headSeq}: compare it with an externally kept checkpoint
 */
public record VerificationReport(boolean ok, Reason reason, Long firstBadSeq, Long firstBadId, String detail,
        long rowsChecked, long checkpointsChecked, long archivesChecked, long unchainedRows, long headSeq,
        byte[] headHash) {

    /** Why verification failed. */
    public enum Reason {
        /** A row's content does not match its record MAC: edited, or written without the audit key. */
        EDITED,
        /** A seq is missing: a row (or an archive summary) was deleted. */
        DELETED,
        /** An authentic row is not where it was chained: rows swapped content or places, or chain columns changed. */
        REORDERED,
        /** The chain ends before a valid checkpoint, or disagrees with one: its tail was cut (or replaced). */
        TRUNCATED,
        /** A checkpoint or archive summary does not carry a valid signature of a trusted key. */
        BAD_CHECKPOINT_SIGNATURE,
        /** The same event appears twice: an authentic row was copied. */
        DUPLICATED
    }

    /**
     * The report as named fields (snake_case, the head hash in hex, {@link #summary()} last), for JSON: the command
     * line's {@code --json} output and the details of the application's {@code audit.verify} events.
     */
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("ok", ok);
        fields.put("reason", reason == null ? null : reason.name());
        fields.put("first_bad_seq", firstBadSeq);
        fields.put("first_bad_id", firstBadId);
        fields.put("detail", detail);
        fields.put("rows_checked", rowsChecked);
        fields.put("checkpoints_checked", checkpointsChecked);
        fields.put("archives_checked", archivesChecked);
        fields.put("unchained_rows", unchainedRows);
        fields.put("head_seq", headSeq);
        fields.put("head_hash", headHash == null ? null : HexFormat.of().formatHex(headHash));
        fields.put("summary", summary());
        return fields;
    }

    /** One line for logs and the command line. */
    public String summary() {
        String head = "head seq " + headSeq + (headHash == null ? "" : " hash " + HexFormat.of().formatHex(headHash));
        if (ok) {
            return "OK: " + rowsChecked + " chained rows, " + checkpointsChecked + " checkpoints, " + archivesChecked
                    + " archive summaries, " + unchainedRows + " rows awaiting chaining verified; " + head;
        }
        return "FAILED " + reason + (firstBadSeq == null ? "" : " at seq " + firstBadSeq)
                + (firstBadId == null ? "" : " (row id " + firstBadId + ")") + ": " + detail + "; " + rowsChecked
                + " rows verified before it";
    }
}
