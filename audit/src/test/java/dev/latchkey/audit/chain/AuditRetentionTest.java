package dev.latchkey.audit.chain;

import static dev.latchkey.db.Tables.AUDIT_ARCHIVES;
import static dev.latchkey.db.Tables.AUDIT_CHECKPOINTS;
import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.chain.VerificationReport.Reason;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.TestNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void whenArchivingTheOldestRowsThenRangesOfAtMostMaxRowsGoToFilesThatVerifyUntilNothingIsDue(@TempDir Path dir)
            throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        Instant future = Instant.now().plus(Duration.ofHours(1));
        List<ArchiveSummary> summaries = new ArrayList<>();
        for (Optional<ArchiveSummary> s = retention.archiveOldest(future, 12, archives); s.isPresent();
                s = retention.archiveOldest(future, 12, archives)) {
            summaries.add(s.get());
        }

        assertThat(summaries).extracting(ArchiveSummary::firstSeq, ArchiveSummary::lastSeq)
                .containsExactly(tuple(1L, 12L), tuple(13L, 24L), tuple(25L, 30L));
        for (ArchiveSummary summary : summaries) {
            ArchiveSummary kept = ArchiveSummary.fromJson(
                    Files.readString(archives.summaryFile(summary.firstSeq(), summary.lastSeq())));
            try (InputStream rows = Files.newInputStream(archives.rowsFile(summary.firstSeq(), summary.lastSeq()))) {
                VerificationReport report = verifier.verifyExport(rows, kept);
                assertThat(report.ok()).as(report.summary()).isTrue();
                assertThat(report.rowsChecked()).isEqualTo(summary.count());
            }
        }
        assertThat(files(dir)).hasSize(6).noneMatch(f -> f.toString().endsWith(ArchiveDirectory.PARTIAL_SUFFIX));
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isZero();
        VerificationReport rest = verifier.verify();
        assertThat(rest.ok()).as(rest.summary()).isTrue();
        assertThat(rest.archivesChecked()).isEqualTo(3);
    }

    @Test
    void whenARowIsYoungerThanTheCutoffThenItAndEveryLaterRowStayEvenIfOlder(@TempDir Path dir) throws IOException {
        db.reset();
        Instant now = Instant.now();
        Instant old = now.minus(Duration.ofDays(500));
        for (Instant at : List.of(old, old, old, now, old)) { // seq 1..5: the fourth is young
            log.record(AuditEvent.builder(Actor.system("test"), "test.event", Outcome.SUCCESS).occurredAt(at).build());
        }
        chainer.chainAll();
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        Instant cutoff = now.minus(Duration.ofDays(400));

        ArchiveSummary first = retention.archiveOldest(cutoff, 100, archives).orElseThrow();

        assertThat(first.lastSeq()).isEqualTo(3);
        assertThat(retention.archiveOldest(cutoff, 100, archives)).isEmpty();
        assertThat(dsl.select(AUDIT_EVENTS.SEQ).from(AUDIT_EVENTS).orderBy(AUDIT_EVENTS.SEQ).fetch(AUDIT_EVENTS.SEQ))
                .containsExactly(4L, 5L);
        assertThat(retention.archiveOldest(now.plusSeconds(1), 100, archives).orElseThrow().lastSeq()).isEqualTo(5);
    }

    @Test
    void whenTwoNodesArchiveAtOnceThenEveryRangeIsArchivedOnceAndNeitherFails(@TempDir Path dir) throws Exception {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        Instant future = Instant.now().plus(Duration.ofHours(1));
        List<ArchiveSummary> summaries = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (TestNode second = db.newNode(4)) {
            CyclicBarrier start = new CyclicBarrier(2);
            List<Callable<Void>> nodes = new ArrayList<>();
            for (AuditRetention node : List.of(retention, new AuditRetention(second.dsl(), KEY, SIGNER, Clock.systemUTC()))) {
                nodes.add(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (Optional<ArchiveSummary> s = node.archiveOldest(future, 4, archives); s.isPresent();
                            s = node.archiveOldest(future, 4, archives)) {
                        summaries.add(s.get());
                    }
                    return null;
                });
            }
            for (Future<Void> run : threads.invokeAll(nodes, 60, TimeUnit.SECONDS)) {
                run.get();
            }
        } finally {
            threads.shutdownNow();
        }

        List<ArchiveSummary> ordered = summaries.stream().sorted(Comparator.comparingLong(ArchiveSummary::firstSeq)).toList();
        assertThat(ordered).hasSize(8);
        long next = 1;
        for (ArchiveSummary summary : ordered) {
            assertThat(summary.firstSeq()).isEqualTo(next);
            next = summary.lastSeq() + 1;
        }
        assertThat(next).isEqualTo(31);
        assertThat(dsl.fetchCount(AUDIT_ARCHIVES)).isEqualTo(8);
        assertThat(files(dir)).hasSize(16);
        assertThat(verifier.verify().ok()).isTrue();
    }

    @Test
    void whenTheOldestRangeDoesNotVerifyThenArchiveOldestKeepsEveryRowAndLeavesNoFile(@TempDir Path dir)
            throws IOException {
        db.tamper("update audit_events set actor_id = 'mallory' where seq = 5");
        ArchiveDirectory archives = ArchiveDirectory.open(dir);

        assertThatThrownBy(() -> retention.archiveOldest(Instant.now().plusSeconds(3600), 100, archives))
                .isInstanceOf(AuditChainBrokenException.class);
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(30);
        assertThat(dsl.fetchCount(AUDIT_ARCHIVES)).isZero();
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void whenTheArchiveCannotBeCompletedThenNothingIsArchivedAndNoFileRemains(@TempDir Path dir) throws IOException {
        ArchiveDirectory archives = ArchiveDirectory.open(dir);
        ArchiveTarget failing = (first, last) -> {
            ArchiveTarget.Output output = archives.open(first, last);
            return new ArchiveTarget.Output() {
                @Override
                public OutputStream stream() {
                    return output.stream();
                }

                @Override
                public void complete(ArchiveSummary summary) throws IOException {
                    throw new IOException("disk full");
                }

                @Override
                public void close() {
                    output.close();
                }
            };
        };

        assertThatThrownBy(() -> retention.archiveOldest(Instant.now().plusSeconds(3600), 100, failing))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(dsl.fetchCount(AUDIT_EVENTS)).isEqualTo(30);
        assertThat(dsl.fetchCount(AUDIT_ARCHIVES)).isZero();
        assertThat(files(dir)).isEmpty();
    }

    private static void assertFailure(VerificationReport report, Reason reason, Long seq) {
        assertThat(report.ok()).as(report.summary()).isFalse();
        assertThat(report.reason()).as(report.summary()).isEqualTo(reason);
        assertThat(report.firstBadSeq()).as(report.summary()).isEqualTo(seq);
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
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
