package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.chain.VerificationReport.Reason;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier finds every way an attacker with full database access (triggers off) can change the trail, and
 * names the first bad row. Each test starts from 20 chained rows with a checkpoint at seq 15.
 */
class AuditVerifierTest {

    private static final AuditChainKey KEY = TestKeys.chainKey();
    private static final SigningKey CHECKPOINT_KEY = TestKeys.checkpointKey();
    private static TestDatabase db;
    private static DSLContext dsl;
    private static AuditLog log;
    private static AuditChainer chainer;
    private static AuditCheckpointer checkpointer;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        dsl = db.node().dsl();
        log = new JooqAuditLog(dsl, KEY);
        chainer = new AuditChainer(dsl, KEY);
        checkpointer = new AuditCheckpointer(dsl, CHECKPOINT_KEY, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void twentyChainedRowsWithACheckpointAtFifteen() {
        db.reset();
        record(15);
        chainer.chainAll();
        assertThat(checkpointer.checkpoint()).get().extracting(Checkpoint::seq).isEqualTo(15L);
        record(5);
        chainer.chainAll();
    }

    private static VerificationReport verify() {
        return new AuditVerifier(dsl, KEY, CHECKPOINT_KEY).verify();
    }

    @Test
    void whenNothingWasTouchedThenEveryRowCheckpointAndPendingRowVerifies() {
        record(3); // not chained yet

        VerificationReport report = verify();

        assertThat(report.ok()).as(report.summary()).isTrue();
        assertThat(report.rowsChecked()).isEqualTo(20);
        assertThat(report.checkpointsChecked()).isEqualTo(1);
        assertThat(report.unchainedRows()).isEqualTo(3);
        assertThat(report.headSeq()).isEqualTo(20);
        assertThat(report.headHash()).isEqualTo(hashAt(20));
    }

    @Test
    void whenARowIsEditedThenEditedAtItsSeq() {
        db.tamper("update audit_events set actor_id = 'mallory' where seq = 7");

        assertFailure(verify(), Reason.EDITED, 7L, idAt(7));
    }

    @Test
    void whenARowsDetailsAreEditedThenEdited() {
        db.tamper("update audit_events set details = details || '{\"scopes\": [\"admin\"]}' where seq = 9");

        assertFailure(verify(), Reason.EDITED, 9L, idAt(9));
    }

    @Test
    void whenAnEditedRowGetsARecordMacComputedWithAnotherKeyThenStillEdited() {
        var row = dsl.selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(4L)).fetchSingle();
        row.setOutcome("denied");
        byte[] forgedMac = TestKeys.otherChainKey().recordMac(dev.latchkey.audit.AuditRows.event(row));
        db.tamperWith("update audit_events set outcome = 'denied', record_mac = ? where seq = 4", forgedMac);

        assertFailure(verify(), Reason.EDITED, 4L, idAt(4));
    }

    @Test
    void whenARowIsDeletedThenDeletedAtTheMissingSeq() {
        long next = idAt(6);
        db.tamper("delete from audit_events where seq = 5");

        VerificationReport report = verify();

        assertFailure(report, Reason.DELETED, 5L, next);
        assertThat(report.rowsChecked()).isEqualTo(4);
    }

    @Test
    void whenARowIsDeletedAndLaterRowsRenumberedThenDeleted() {
        db.tamper("delete from audit_events where seq = 5",
                "update audit_events set seq = seq + 1000000 where seq > 5",
                "update audit_events set seq = seq - 1000001 where seq > 1000000");

        VerificationReport report = verify();

        assertFailure(report, Reason.DELETED, 5L, idAt(5));
        assertThat(report.detail()).contains("renumbered");
    }

    @Test
    void whenTwoRowsSwapContentThenReordered() {
        String content = "event_id, occurred_at, actor_type, actor_id, action, target_type, target_id, tenant,"
                + " outcome, source_ip, user_agent, request_id, details, record_mac";
        String assign = "event_id = t.event_id, occurred_at = t.occurred_at, actor_type = t.actor_type,"
                + " actor_id = t.actor_id, action = t.action, target_type = t.target_type, target_id = t.target_id,"
                + " tenant = t.tenant, outcome = t.outcome, source_ip = t.source_ip, user_agent = t.user_agent,"
                + " request_id = t.request_id, details = t.details, record_mac = t.record_mac";
        db.tamper("create temp table swap as select seq, " + content + " from audit_events where seq in (8, 9)",
                "update audit_events set event_id = gen_random_uuid() where seq in (8, 9)",
                "update audit_events a set " + assign + " from swap t where t.seq = 17 - a.seq and a.seq in (8, 9)");

        VerificationReport report = verify();

        assertFailure(report, Reason.REORDERED, 8L, idAt(8));
        assertThat(report.detail()).contains("changed places");
    }

    @Test
    void whenTwoRowsSwapPlacesThenReordered() {
        db.tamper("update audit_events set seq = 1000000 where seq = 8",
                "update audit_events set seq = 8 where seq = 9",
                "update audit_events set seq = 9 where seq = 1000000");

        assertFailure(verify(), Reason.REORDERED, 8L, idAt(8));
    }

    @Test
    void whenTheTailPastACheckpointIsDeletedThenTruncated() {
        db.tamper("delete from audit_events where seq > 12");

        VerificationReport report = verify();

        assertFailure(report, Reason.TRUNCATED, 13L, null);
        assertThat(report.rowsChecked()).isEqualTo(12);
        assertThat(report.detail()).contains("vouches for seq 15");
    }

    @Test
    void whenOnlyRowsAfterTheLastCheckpointAreDeletedThenOnlyACopyOfTheHeadKeptOutsideCanTell() {
        // Residual risk, stated in the README: the database alone cannot prove rows after the last checkpoint.
        byte[] headBefore = hashAt(20);
        db.tamper("delete from audit_events where seq > 17");

        VerificationReport report = verify();

        assertThat(report.ok()).isTrue();
        assertThat(report.headSeq()).isEqualTo(17);
        assertThat(report.headHash()).isNotEqualTo(headBefore);
    }

    @Test
    void whenACheckpointIsForgedThenBadCheckpointSignature() {
        db.tamperWith("insert into audit_checkpoints (seq, hash, signed_at, key_id, signature) values (?, ?, now(), ?, ?)",
                18L, hashAt(18), CHECKPOINT_KEY.keyId(), new byte[64]);

        assertFailure(verify(), Reason.BAD_CHECKPOINT_SIGNATURE, 18L, null);
    }

    @Test
    void whenACheckpointIsSignedByAnUntrustedKeyWithTheTrustedKeysIdThenBadCheckpointSignature() {
        SigningKey attacker = TestKeys.generateEd25519(CHECKPOINT_KEY.keyId());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        byte[] signature = attacker.sign(SignedMessages.checkpoint(30, new byte[32], now, attacker.keyId()));
        db.tamperWith("insert into audit_checkpoints (seq, hash, signed_at, key_id, signature) values (?, ?, ?, ?, ?)",
                30L, new byte[32], now.atOffset(ZoneOffset.UTC), attacker.keyId(), signature);

        assertFailure(verify(), Reason.BAD_CHECKPOINT_SIGNATURE, 30L, null);
    }

    @Test
    void whenACheckpointsHashIsChangedThenBadCheckpointSignature() {
        db.tamper("update audit_checkpoints set hash = '\\x" + "00".repeat(32) + "'");

        assertFailure(verify(), Reason.BAD_CHECKPOINT_SIGNATURE, 15L, null);
    }

    @Test
    void whenAValidCheckpointDisagreesWithTheChainThenTruncated() {
        // A checkpoint the real key signed for another hash at seq 18: the chain in the table is not the one signed.
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        byte[] other = new byte[32];
        byte[] signature = CHECKPOINT_KEY.sign(SignedMessages.checkpoint(18, other, now, CHECKPOINT_KEY.keyId()));
        db.tamperWith("insert into audit_checkpoints (seq, hash, signed_at, key_id, signature) values (?, ?, ?, ?, ?)",
                18L, other, now.atOffset(ZoneOffset.UTC), CHECKPOINT_KEY.keyId(), signature);

        assertFailure(verify(), Reason.TRUNCATED, 18L, idAt(18));
    }

    @Test
    void whenARowIsInsertedWithoutTheKeyThenItIsEditedEvenAfterTheChainerLinksIt() {
        // Inserting unchained rows is what the application role may do; without the key the MAC cannot be right.
        dsl.insertInto(AUDIT_EVENTS)
                .set(AUDIT_EVENTS.EVENT_ID, UUID.randomUUID())
                .set(AUDIT_EVENTS.OCCURRED_AT, Instant.now().atOffset(ZoneOffset.UTC))
                .set(AUDIT_EVENTS.ACTOR_TYPE, "admin").set(AUDIT_EVENTS.ACTOR_ID, "mallory")
                .set(AUDIT_EVENTS.ACTION, "key.rotate").set(AUDIT_EVENTS.OUTCOME, "success")
                .set(AUDIT_EVENTS.RECORD_MAC, new byte[32])
                .execute();
        chainer.chainAll();

        assertFailure(verify(), Reason.EDITED, 21L, idAt(21));
    }

    @Test
    void whenARowAwaitingChainingIsEditedThenEdited() {
        record(1);
        long id = dsl.select(AUDIT_EVENTS.ID).from(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.isNull()).fetchSingle().value1();
        db.tamper("update audit_events set outcome = 'success', actor_id = 'someone-else' where seq is null");

        VerificationReport report = verify();

        assertFailure(report, Reason.EDITED, null, id);
        assertThat(report.detail()).contains("awaiting chaining");
    }

    @Test
    void whenAnAuthenticRowIsCopiedThenDuplicated() {
        try {
            db.tamper("drop index audit_events_event_id",
                    "insert into audit_events (event_id, occurred_at, actor_type, actor_id, action, target_type,"
                            + " target_id, tenant, outcome, source_ip, user_agent, request_id, details, record_mac)"
                            + " select event_id, occurred_at, actor_type, actor_id, action, target_type, target_id,"
                            + " tenant, outcome, source_ip, user_agent, request_id, details, record_mac"
                            + " from audit_events where seq = 3");
            chainer.chainAll();

            assertFailure(verify(), Reason.DUPLICATED, 3L, idAt(3));
        } finally {
            db.reset();
            db.tamper("create unique index audit_events_event_id on audit_events (event_id)");
        }
    }

    @Test
    void whenTheVerifierHasTheWrongKeyThenTheFirstRowFailsAndSaysSo() {
        VerificationReport report = new AuditVerifier(dsl, TestKeys.otherChainKey(), CHECKPOINT_KEY).verify();

        assertFailure(report, Reason.EDITED, 1L, idAt(1));
        assertThat(report.detail()).contains("audit key given is wrong");
    }

    @Test
    void whenCheckpointsAreSignedWithAnHmacKeyThenTheyVerifyWithItAndNotWithoutIt() {
        SigningKey hmac = TestKeys.hmacCheckpointKey();
        record(2);
        chainer.chainAll();
        assertThat(new AuditCheckpointer(dsl, hmac, Clock.systemUTC()).checkpoint()).isPresent();

        assertThat(new AuditVerifier(dsl, KEY, Signatures.anyOf(java.util.List.of(CHECKPOINT_KEY, hmac))).verify().ok())
                .isTrue();
        assertFailure(verify(), Reason.BAD_CHECKPOINT_SIGNATURE, 22L, null);
        assertThat(dsl.fetchCount(AUDIT_CHECKPOINTS)).isEqualTo(2);
    }

    private static void assertFailure(VerificationReport report, Reason reason, Long seq, Long id) {
        assertThat(report.ok()).as(report.summary()).isFalse();
        assertThat(report.reason()).as(report.summary()).isEqualTo(reason);
        assertThat(report.firstBadSeq()).as(report.summary()).isEqualTo(seq);
        assertThat(report.firstBadId()).as(report.summary()).isEqualTo(id);
    }

    private static void record(int n) {
        for (int i = 0; i < n; i++) {
            log.record(TestEvents.any());
        }
    }

    private static Long idAt(long seq) {
        return dsl.select(AUDIT_EVENTS.ID).from(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(seq)).fetchOne(AUDIT_EVENTS.ID);
    }

    private static byte[] hashAt(long seq) {
        return dsl.select(AUDIT_EVENTS.HASH).from(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(seq))
                .fetchSingle(AUDIT_EVENTS.HASH);
    }
}
