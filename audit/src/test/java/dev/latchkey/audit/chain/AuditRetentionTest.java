package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_ARCHIVES;
import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.chain.VerificationReport.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention replaces the oldest rows by a signed summary; the rest of the chain and the archived export both stay
 * verifiable, and a range that does not verify is never archived. Each test starts from 30 chained rows.
 */
class AuditRetentionTest {

    private static final AuditChainKey KEY = TestKeys.chainKey();
    private static final SigningKey SIGNER = TestKeys.checkpointKey();
    private static TestDatabase db;
    private static DSLContext dsl;
    private static AuditLog log;
    private static AuditChainer chainer;
    private static AuditRetention retention;
    private static AuditVerifier verifier;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        dsl = db.node().dsl();
        log = new JooqAuditLog(dsl, KEY);
        chainer = new AuditChainer(dsl, KEY);
        retention = new AuditRetention(dsl, KEY, SIGNER, Clock.systemUTC());
        verifier = new AuditVerifier(dsl, KEY, SIGNER);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void thirtyChainedRows() {
        db.reset();
        AuditCheckpointer checkpointer = new AuditCheckpointer(dsl, SIGNER, Clock.systemUTC());
        for (int i = 0; i < 30; i++) {
            log.record(TestEvents.any());
            if (i == 4 || i == 24) {
                chainer.chainAll();
                checkpointer.checkpoint();
            }
        }
        chainer.chainAll();
    }

    @Test
    void whenARangeIsArchivedThenItsRowsAreGoneAndTheRestOfTheChainStillVerifies() {
        ArchiveSummary summary = retention.archive(10, new ByteArrayOutputStream());

        assertThat(summary.firstSeq()).isEqualTo(1);
        assertThat(summary.lastSeq()).isEqualTo(10);
        assertThat(summary.count()).isEqualTo(10);
        assertThat(summary.firstPrevHash()).isEqualTo(AuditChainKey.genesisHash());
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(20);
        assertThat(dsl.fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.SEQ.le(10L))).isZero();
        assertThat(dsl.fetchCount(AUDIT_CHECKPOINTS)).isEqualTo(1); // the one at seq 5 is superseded by the summary
        VerificationReport report = verifier.verify();
        assertThat(report.ok()).as(report.summary()).isTrue();
        assertThat(report.archivesChecked()).isEqualTo(1);
        assertThat(report.rowsChecked()).isEqualTo(20);
        assertThat(report.headSeq()).isEqualTo(30);
    }

    @Test
    void whenTheExportOfAnArchivedRangeIsVerifiedAgainstItsSummaryThenOk() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary summary = retention.archive(10, export);

        VerificationReport report = verifier.verifyExport(new ByteArrayInputStream(export.toByteArray()), summary);

        assertThat(report.ok()).as(report.summary()).isTrue();
        assertThat(report.rowsChecked()).isEqualTo(10);
        assertThat(report.headHash()).isEqualTo(summary.lastHash());
    }

    @Test
    void whenArchivingTwiceThenTheSecondRangeContinuesTheFirstAndBothExportsVerify() {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        ArchiveSummary a = retention.archive(10, first);
        ArchiveSummary b = retention.archive(25, second);

        assertThat(b.firstSeq()).isEqualTo(11);
        assertThat(b.firstPrevHash()).isEqualTo(a.lastHash());
        assertThat(verifier.verify().ok()).isTrue();
        assertThat(verifier.verify().archivesChecked()).isEqualTo(2);
        assertThat(verifier.verifyExport(new ByteArrayInputStream(first.toByteArray()), a).ok()).isTrue();
        assertThat(verifier.verifyExport(new ByteArrayInputStream(second.toByteArray()), b).ok()).isTrue();
        assertThat(verifier.verifyExport(new ByteArrayInputStream(first.toByteArray()), b).ok()).isFalse();
    }

    @Test
    void whenAnExportLineIsEditedThenEdited() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary summary = retention.archive(10, export);
        List<String> lines = lines(export);
        lines.set(3, lines.get(3).replace("\"outcome\":\"success\"", "\"outcome\":\"denied\""));

        assertFailure(verifier.verifyExport(join(lines), summary), Reason.EDITED, 4L);
    }

    @Test
    void whenAnExportLineIsNotARecordThenEdited() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary summary = retention.archive(10, export);
        List<String> lines = lines(export);
        lines.set(2, "{\"id\": 3, \"seq\": 3");

        VerificationReport report = verifier.verifyExport(join(lines), summary);

        assertThat(report.reason()).isEqualTo(Reason.EDITED);
        assertThat(report.detail()).contains("line 3");
    }

    @Test
    void whenAnExportLineIsDroppedThenDeleted() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary summary = retention.archive(10, export);
        List<String> lines = lines(export);
        lines.remove(4);

        assertFailure(verifier.verifyExport(join(lines), summary), Reason.DELETED, 5L);
    }

    @Test
    void whenTheExportIsCutShortThenTruncated() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary summary = retention.archive(10, export);
        List<String> lines = lines(export);

        assertFailure(verifier.verifyExport(join(lines.subList(0, 8)), summary), Reason.TRUNCATED, 9L);
        assertFailure(verifier.verifyExport(join(List.of()), summary), Reason.TRUNCATED, 1L);
    }

    @Test
    void whenTheSummaryIsAlteredOrSignedByAnotherKeyThenBadCheckpointSignature() {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        ArchiveSummary s = retention.archive(10, export);
        ArchiveSummary shorter = new ArchiveSummary(s.firstSeq(), 8, 8, s.firstPrevHash(), s.lastHash(),
                s.archivedAt(), s.keyId(), s.signature());
        SigningKey attacker = TestKeys.generateEd25519(s.keyId());
        ArchiveSummary resigned = new ArchiveSummary(s.firstSeq(), s.lastSeq(), s.count(), s.firstPrevHash(),
                s.lastHash(), s.archivedAt(), s.keyId(), attacker.sign(s.signedMessage()));

        assertFailure(verifier.verifyExport(new ByteArrayInputStream(export.toByteArray()), shorter),
                Reason.BAD_CHECKPOINT_SIGNATURE, 1L);
        assertFailure(verifier.verifyExport(new ByteArrayInputStream(export.toByteArray()), resigned),
                Reason.BAD_CHECKPOINT_SIGNATURE, 1L);
    }

    @Test
    void whenAnArchiveSummaryIsDeletedThenTheChainHasAGapAtItsStart() {
        retention.archive(10);
        db.tamper("delete from audit_archives");

        assertFailure(verifier.verify(), Reason.DELETED, 1L);
    }

    @Test
    void whenAnArchiveSummaryIsEditedInTheDatabaseThenBadCheckpointSignature() {
        retention.archive(10);
        db.tamper("update audit_archives set last_seq = 9, event_count = 9");

        assertFailure(verifier.verify(), Reason.BAD_CHECKPOINT_SIGNATURE, 1L);
    }

    @Test
    void whenTheRangeDoesNotVerifyThenArchivingRefusesAndKeepsEveryRow() {
        db.tamper("update audit_events set actor_id = 'mallory' where seq = 5");

        assertThatThrownBy(() -> retention.archive(10))
                .isInstanceOfSatisfying(AuditChainBrokenException.class, e -> {
                    assertThat(e.report().reason()).isEqualTo(Reason.EDITED);
                    assertThat(e.report().firstBadSeq()).isEqualTo(5L);
                });
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(30);
        assertThat(dsl.fetchCount(AUDIT_ARCHIVES)).isZero();
    }

    @Test
    void whenWritingTheExportFailsThenNothingIsArchived() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };

        assertThatThrownBy(() -> retention.archive(10, broken)).isInstanceOf(UncheckedIOException.class);
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(30);
        assertThat(dsl.fetchCount(AUDIT_ARCHIVES)).isZero();
    }

    @Test
    void whenTheRangeIsAlreadyArchivedOrNotChainedThenArchivingIsRefused() {
        log.record(TestEvents.any()); // id 31, not chained
        retention.archive(10);

        assertThatThrownBy(() -> retention.archive(10)).hasMessageContaining("already archived");
        assertThatThrownBy(() -> retention.archive(31)).hasMessageContaining("not chained");
    }

    @Test
    void whenTheApplicationDeletesRowsNoArchiveCoversThenTheDatabaseRefuses() {
        retention.archive(10);

        assertThatThrownBy(() -> dsl.deleteFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(11L)).execute())
                .hasMessageContaining("signed archive");
        assertThatThrownBy(() -> dsl.deleteFrom(AUDIT_ARCHIVES).execute()).hasMessageContaining("append-only");
        assertThatThrownBy(() -> dsl.deleteFrom(AUDIT_CHECKPOINTS).execute()).hasMessageContaining("append-only");
    }

    private static void assertFailure(VerificationReport report, Reason reason, Long seq) {
        assertThat(report.ok()).as(report.summary()).isFalse();
        assertThat(report.reason()).as(report.summary()).isEqualTo(reason);
        assertThat(report.firstBadSeq()).as(report.summary()).isEqualTo(seq);
    }

    private static List<String> lines(ByteArrayOutputStream export) {
        return new ArrayList<>(export.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private static ByteArrayInputStream join(List<String> lines) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        return new ByteArrayInputStream(b.toString().getBytes(StandardCharsets.UTF_8));
    }
}
