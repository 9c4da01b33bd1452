package dev.latchkey.audit.query;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditJsonLines;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.AuditRows;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.chain.ArchiveSummary;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.SignedMessages;
import dev.latchkey.audit.chain.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exports hold exactly the stored rows; CSV is RFC 4180 and safe to open in a spreadsheet. */
class AuditExporterTest {

    private static final AuditChainKey KEY = TestKeys.chainKey();
    private static TestDatabase db;
    private static DSLContext dsl;
    private static AuditLog log;
    private static AuditExporter exporter;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        dsl = db.node().dsl();
        log = new JooqAuditLog(dsl, KEY);
        exporter = new AuditExporter(dsl);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void reset() {
        db.reset();
    }

    @Test
    void whenExportedAsJsonLinesThenEachLineParsesBackToTheStoredRow() {
        for (int i = 0; i < 12; i++) {
            log.record(TestEvents.any());
        }
        log.record(awkward());
        new AuditChainer(dsl, KEY).chainAll();
        log.record(TestEvents.any()); // one unchained row too

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = exporter.export(AuditQuery.all(), AuditExporter.Format.JSON_LINES, out);

        List<AuditEntry> stored = dsl.selectFrom(AUDIT_EVENTS).orderBy(AUDIT_EVENTS.ID).fetch(AuditRows::entry);
        List<AuditEntry> exported = out.toString(StandardCharsets.UTF_8).lines().map(AuditJsonLines::read).toList();
        assertThat(n).isEqualTo(14);
        assertThat(exported).containsExactlyElementsOf(stored);
        assertThat(exported.getLast().seq()).isNull();
    }

    @Test
    void whenExportedAsCsvThenSpecialCharactersAreQuotedAndFormulasNeutralised() {
        AuditEvent e = awkward();
        log.record(e);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        exporter.export(AuditQuery.all(), AuditExporter.Format.CSV, out);
        String csv = out.toString(StandardCharsets.UTF_8);
        List<List<String>> rows = parseCsv(csv);

        assertThat(csv).startsWith(String.join(",", AuditJsonLines.COLUMNS) + "\r\n");
        assertThat(rows).hasSize(2);
        List<String> header = rows.get(0);
        List<String> row = rows.get(1);
        assertThat(row).hasSize(AuditJsonLines.COLUMNS.length);
        assertThat(row.get(header.indexOf("actor_id"))).isEqualTo("'=HYPERLINK(\"http://evil.example\",\"click\")");
        assertThat(row.get(header.indexOf("user_agent"))).isEqualTo("Mozilla/5.0, \"quoted\"\r\nsecond line ");
        assertThat(row.get(header.indexOf("target_id"))).isEqualTo("'+1,2");
        assertThat(row.get(header.indexOf("request_id"))).isEqualTo("'@SUM(A1)");
        assertThat(row.get(header.indexOf("outcome"))).isEqualTo("denied");
        assertThat(row.get(header.indexOf("seq"))).isEmpty();
        assertThat(dev.latchkey.audit.AuditDetails.parse(row.get(header.indexOf("details"))))
                .isEqualTo(e.details());
        assertThat(row.get(header.indexOf("occurred_at"))).isEqualTo(e.occurredAt().toString());
    }

    @Test
    void whenFilteredThenOnlyMatchingRowsAreExported() {
        for (int i = 0; i < 5; i++) {
            log.record(TestEvents.tokenIssued("team-x", "lk_ci_a"));
            log.record(TestEvents.tokenIssued("team-y", "lk_ci_a"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        long n = exporter.export(AuditQuery.all().tenant("team-x"), AuditExporter.Format.JSON_LINES, out);

        assertThat(n).isEqualTo(5);
        assertThat(out.toString(StandardCharsets.UTF_8).lines().map(AuditJsonLines::read))
                .allSatisfy(entry -> assertThat(entry.event().tenant()).isEqualTo("team-x"));
    }

    @Test
    void whenAChainRangeIsExportedThenItVerifiesAgainstASignedSummaryOfThatRange() {
        for (int i = 0; i < 10; i++) {
            log.record(TestEvents.any());
        }
        new AuditChainer(dsl, KEY).chainAll();
        byte[] prev = dsl.select(AUDIT_EVENTS.PREV_HASH).from(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(4L))
                .fetchSingle(AUDIT_EVENTS.PREV_HASH);
        byte[] last = dsl.select(AUDIT_EVENTS.HASH).from(AUDIT_EVENTS).where(AUDIT_EVENTS.SEQ.eq(8L))
                .fetchSingle(AUDIT_EVENTS.HASH);
        SigningKey signer = TestKeys.checkpointKey();
        Instant at = Instant.parse("2026-05-01T00:00:00Z");
        ArchiveSummary summary = new ArchiveSummary(4, 8, 5, prev, last, at, signer.keyId(),
                signer.sign(SignedMessages.archive(4, 8, 5, prev, last, at, signer.keyId())));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(exporter.exportChain(4, 8, out)).isEqualTo(5);

        assertThat(new AuditVerifier(null, KEY, signer).verifyExport(new ByteArrayInputStream(out.toByteArray()),
                summary).ok()).isTrue();
    }

    /** Text an attacker controls, chosen to break naive CSV and to run as a spreadsheet formula. */
    private static AuditEvent awkward() {
        return AuditEvent.builder(Actor.user("=HYPERLINK(\"http://evil.example\",\"click\")"), "login.attempt",
                        Outcome.DENIED)
                .target("user", "+1,2")
                .source("2001:db8::7", "Mozilla/5.0, \"quoted\"\r\nsecond line ")
                .requestId("@SUM(A1)")
                .detail("username", "-cmd|' /C calc'!A0")
                .detail("unicode", "Grüße \uD83D\uDD11")
                .build();
    }

    /** A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records). */
    static List<List<String>> parseCsv(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                assertThat(field).as("a quote only opens a field").isEmpty();
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                assertThat(c).as("bare CR or LF outside quotes").isNotIn('\r', '\n');
                field.append(c);
            }
        }
        assertThat(quoted).isFalse();
        assertThat(field).isEmpty();
        return rows;
    }
}
