package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;

/**
 * Signs the chain's head now and then ({@code audit_checkpoints}). Rows are never deleted up to a checkpoint without
 * the verifier noticing: the checkpoint would point past the end of the chain. Run it after chaining, for example
 * once a minute; ship the returned checkpoint to a log or SIEM as well, since rows deleted after the last checkpoint
 * (with the checkpoints) are only caught by a copy kept outside the database.
 */
public final class AuditCheckpointer {

    private final DSLContext dsl;
    private final CheckpointSigner signer;
    private final Clock clock;

    public AuditCheckpointer(DSLContext dsl, CheckpointSigner signer, Clock clock) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Signs the current head if it moved past this key's last checkpoint; empty if there is nothing new. */
    public Optional<Checkpoint> checkpoint() {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            Record2<Long, byte[]> head = tx.select(AUDIT_EVENTS.SEQ, AUDIT_EVENTS.HASH).from(AUDIT_EVENTS)
                    .where(AUDIT_EVENTS.SEQ.eq(tx.select(DSL.max(AUDIT_EVENTS.SEQ)).from(AUDIT_EVENTS).asField()))
                    .fetchOne();
            if (head == null) {
                return Optional.<Checkpoint>empty();
            }
            Long last = tx.select(DSL.max(AUDIT_CHECKPOINTS.SEQ)).from(AUDIT_CHECKPOINTS)
                    .where(AUDIT_CHECKPOINTS.KEY_ID.eq(signer.keyId())).fetchOne().value1();
            if (last != null && last >= head.value1()) {
                return Optional.<Checkpoint>empty();
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            byte[] signature = signer.sign(SignedMessages.checkpoint(head.value1(), head.value2(), now, signer.keyId()));
            Checkpoint checkpoint = new Checkpoint(head.value1(), head.value2(), now, signer.keyId(), signature);
            int inserted = tx.insertInto(AUDIT_CHECKPOINTS)
                    .set(AUDIT_CHECKPOINTS.SEQ, checkpoint.seq())
                    .set(AUDIT_CHECKPOINTS.HASH, checkpoint.hash())
                    .set(AUDIT_CHECKPOINTS.SIGNED_AT, now.atOffset(ZoneOffset.UTC))
                    .set(AUDIT_CHECKPOINTS.KEY_ID, checkpoint.keyId())
                    .set(AUDIT_CHECKPOINTS.SIGNATURE, signature)
                    .onConflictDoNothing()
                    .execute();
            return inserted == 1 ? Optional.of(checkpoint) : Optional.<Checkpoint>empty();
        });
    }
}
