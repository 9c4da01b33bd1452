package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.audit.chain.ArchiveDirectory;
import dev.latchkey.audit.chain.ArchiveSummary;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.VerificationReport;
import dev.latchkey.audit.cli.VerifyAuditChain;
import dev.latchkey.authz.audit.AuditRetentionJob;
import dev.latchkey.authz.audit.AuditVerifyJob;
import dev.latchkey.db.embedded.EmbeddedDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The audit trail's scheduled jobs in a running Latchkey, over real HTTP and PostgreSQL: retention (archive files
 * that verify on their own, a chain that still verifies, no range archived twice, nothing deleted when the files
 * cannot be written, start-up refused without a usable directory) and the periodic verification (one node per
 * interval, tampering reported as an event, as health DOWN and as a metric).
 *
 * <p>Retention archives a chain from its first row, so these tests own a whole installation: a node on a database
 * of its own ({@link SecondNode#startInstallation}), keeping events for only {@link #KEEP}. Neither job runs by
 * itself here (intervals of a day); the tests call the jobs' beans.
 */
class AuditJobsTest {

    private static final Duration KEEP = Duration.ofSeconds(3);
    private static final String DATABASE = "audit_jobs";
    private static final Pattern GAUGE = Pattern.compile("(?m)^latchkey_audit_chain_verified(\\{[^}]*})? (\\S+)$");

    private static Path archiveDir;
    private static SecondNode node;
    private static String admin;

    @BeforeAll
    static void installation() throws IOException {
        archiveDir = Files.createTempDirectory("latchkey-audit-archives-");
        node = SecondNode.startInstallation(DATABASE,
                "--latchkey.audit.retention.enabled=true",
                "--latchkey.audit.retention.keep=" + KEEP,
                "--latchkey.audit.retention.archive-dir=" + archiveDir,
                "--latchkey.audit.retention.max-rows-per-archive=5",
                "--latchkey.audit.retention.interval=P1D",
                "--latchkey.audit.verify.initial-delay=P1D");
        HttpResponse<String> token = Http.api().postForm(node.baseUrl() + "/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", "admin"),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        admin = Http.json(token).get("access_token").asText();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static DSLContext dsl() {
        return node.bean(DSLContext.class);
    }

    private static UUID team() {
        HttpResponse<String> response = Http.api().postJson(node.baseUrl() + "/admin/v1/teams",
                Map.of("name", "team-" + UUID.randomUUID()), "Authorization", bearer(admin));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return UUID.fromString(Http.json(response).get("id").asText());
    }

    private static JsonNode get(String path) {
        HttpResponse<String> response = Http.api().get(node.baseUrl() + path, "Authorization", bearer(admin));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static JsonNode teamEvent(UUID team) {
        JsonNode events = get("/admin/v1/audit/events?action=team.created&target="
                + URLEncoder.encode("team:" + team, StandardCharsets.UTF_8)).get("events");
        assertThat(events.size()).isEqualTo(1);
        return events.get(0);
    }

    /** Chains every committed row now, then lets them all grow older than {@link #KEEP}. */
    private static void everythingOld() throws InterruptedException {
        node.bean(AuditChainer.class).chainAll();
        Thread.sleep(KEEP.plusMillis(500).toMillis());
    }

    private static int count(String table) {
        return value("select count(*) from " + table, Integer.class);
    }

    private static <T> T value(String sql, Class<T> type, Object... binds) {
        return dsl().fetchOne(sql, binds).get(0, type);
    }

    private static List<Path> archiveFiles() throws IOException {
        try (Stream<Path> files = Files.list(archiveDir)) {
            return files.sorted().toList();
        }
    }

    private static int cli(String... args) {
        EmbeddedDatabase database = TestServer.get().bean(EmbeddedDatabase.class);
        List<String> all = new ArrayList<>(List.of("--jdbc-url", SecondNode.jdbcUrl(DATABASE), "--user",
                database.username(), "--sealed-chain-key", "--checkpoint-ed25519-sealed",
                "--keyring-file", TestServer.get().dataDir().resolve("keyring.json").toString()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return VerifyAuditChain.run(all.toArray(String[]::new), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void whenEventsOutliveKeepThenTheyAreArchivedToFilesThatVerifyOnTheirOwnAndTheChainStillVerifies()
            throws Exception {
        for (int i = 0; i < 7; i++) {
            team();
        }
        UUID lastOld = team();
        node.bean(AuditChainer.class).chainAll();
        long lastOldSeq = teamEvent(lastOld).get("seq").asLong();
        everythingOld();
        UUID young = team();
        node.bean(AuditChainer.class).chainAll();
        long youngSeq = teamEvent(young).get("seq").asLong();

        Instant calledAt = Instant.now();
        List<ArchiveSummary> archived = node.bean(AuditRetentionJob.class).archiveDue();
        Instant returnedAt = Instant.now();

        // Contiguous ranges of at most 5 rows, up to the first row younger than KEEP; every older row is gone.
        assertThat(archived).hasSizeGreaterThan(1).allSatisfy(s -> assertThat(s.count()).isBetween(1L, 5L));
        for (int i = 1; i < archived.size(); i++) {
            assertThat(archived.get(i).firstSeq()).isEqualTo(archived.get(i - 1).lastSeq() + 1);
        }
        long lastArchived = archived.getLast().lastSeq();
        assertThat(lastOldSeq).isLessThanOrEqualTo(lastArchived);
        assertThat(youngSeq).isGreaterThan(lastArchived);
        assertThat(teamEvent(young).get("seq").asLong()).as("the young event is still in the table").isEqualTo(youngSeq);
        Long firstKept = value("select min(seq) from audit_events", Long.class);
        assertThat(firstKept).isEqualTo(lastArchived + 1);
        OffsetDateTime firstKeptAt = value("select occurred_at from audit_events where seq = ?", OffsetDateTime.class,
                firstKept);
        assertThat(firstKeptAt.toInstant()).isAfterOrEqualTo(calledAt.minus(KEEP).minusMillis(1));

        // Each range is a file and its signed summary; the command line verifies them without the rows in the table.
        ArchiveDirectory files = ArchiveDirectory.open(archiveDir);
        for (ArchiveSummary summary : archived) {
            Path rows = files.rowsFile(summary.firstSeq(), summary.lastSeq());
            Path kept = files.summaryFile(summary.firstSeq(), summary.lastSeq());
            assertThat(Files.readAllLines(rows)).hasSize((int) summary.count()).allSatisfy(line -> assertThat(
                    Instant.parse(Http.JSON.readTree(line).get("occurred_at").asText())).isBefore(returnedAt.minus(KEEP)));
            assertThat(cli("--export", rows.toString(), "--summary", kept.toString())).as(rows.toString()).isZero();
        }
        assertThat(archiveFiles()).noneMatch(f -> f.toString().endsWith(ArchiveDirectory.PARTIAL_SUFFIX));
        ArchiveSummary last = archived.getLast();
        Path edited = Files.createTempFile("edited-archive-", ".jsonl");
        Files.writeString(edited, Files.readString(files.rowsFile(last.firstSeq(), last.lastSeq()))
                .replaceFirst("\"outcome\":\"success\"", "\"outcome\":\"denied\""));
        assertThat(cli("--export", edited.toString(), "--summary",
                files.summaryFile(last.firstSeq(), last.lastSeq()).toString())).isEqualTo(1);

        // The rest of the chain verifies from the last summary on; each archive was recorded.
        JsonNode report = get("/admin/v1/audit/verify");
        assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.get("archivesChecked").asLong()).isGreaterThanOrEqualTo(archived.size());
        JsonNode recorded = get("/admin/v1/audit/events?action=audit.archived&limit=1000").get("events");
        List<String> ranges = new ArrayList<>();
        recorded.forEach(e -> ranges.add(e.get("target").get("id").asText()));
        assertThat(ranges).containsAll(archived.stream().map(s -> s.firstSeq() + ".." + s.lastSeq()).toList());
    }

    @Test
    void whenTwoRunsArchiveAtOnceThenEveryRangeIsArchivedOnceAndTheLoserFindsNothingToDo() throws Exception {
        for (int i = 0; i < 12; i++) {
            team();
        }
        everythingOld();
        int archivesBefore = count("audit_archives");

        List<List<ArchiveSummary>> runs = atOnce(() -> node.bean(AuditRetentionJob.class).archiveDue());

        assertThat(runs).as("the loser finds nothing to do").filteredOn(List::isEmpty).hasSize(1);
        List<ArchiveSummary> all = new ArrayList<>();
        runs.forEach(all::addAll);

        all.sort(Comparator.comparingLong(ArchiveSummary::firstSeq));
        assertThat(all).hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).firstSeq()).as("ranges neither overlap nor leave gaps")
                    .isEqualTo(all.get(i - 1).lastSeq() + 1);
        }
        assertThat(count("audit_archives")).isEqualTo(archivesBefore + all.size());
        ArchiveDirectory files = ArchiveDirectory.open(archiveDir);
        for (ArchiveSummary summary : all) {
            assertThat(files.rowsFile(summary.firstSeq(), summary.lastSeq())).exists();
            assertThat(files.summaryFile(summary.firstSeq(), summary.lastSeq())).exists();
        }
        assertThat(get("/admin/v1/audit/verify").get("ok").asBoolean()).isTrue();
    }

    @Test
    void whenTheArchiveFilesCannotBeWrittenThenTheRunFailsAndNoRowIsDeleted() throws Exception {
        team();
        everythingOld();
        int rowsBefore = count("audit_events");
        int archivesBefore = count("audit_archives");
        List<Path> filesBefore = archiveFiles();
        Path moved = Files.move(archiveDir, archiveDir.resolveSibling(archiveDir.getFileName() + "-moved"));
        Files.writeString(archiveDir, "a file where the directory was");
        try {
            assertThatThrownBy(() -> node.bean(AuditRetentionJob.class).archiveDue())
                    .isInstanceOf(UncheckedIOException.class);
            assertThat(count("audit_events")).isGreaterThanOrEqualTo(rowsBefore);
            assertThat(value("select min(seq) from audit_events", Long.class))
                    .as("the oldest rows are all still there").isEqualTo(
                            value("select coalesce(max(last_seq), 0) + 1 from audit_archives", Long.class));
            assertThat(count("audit_archives")).isEqualTo(archivesBefore);
            JsonNode failure = get("/admin/v1/audit/events?action=audit.archived&outcome=failure&limit=1")
                    .get("events").get(0);
            assertThat(failure.get("details").get("error").asText()).isEqualTo("UncheckedIOException");
        } finally {
            Files.delete(archiveDir);
            Files.move(moved, archiveDir);
        }
        assertThat(archiveFiles()).isEqualTo(filesBefore);
        assertThat(node.bean(AuditRetentionJob.class).archiveDue()).as("a later run catches up").isNotEmpty();
    }

    @Test
    void whenRetentionIsEnabledWithoutAUsableArchiveDirectoryThenStartUpFailsNamingTheProperty() throws IOException {
        Path file = Files.createTempFile("not-a-directory-", ".txt");

        assertThatThrownBy(() -> SecondNode.start("retention-no-dir", "--latchkey.audit.retention.enabled=true"))
                .satisfies(e -> assertThat(messages(e)).contains("latchkey.audit.retention.archive-dir is required"));
        assertThatThrownBy(() -> SecondNode.start("retention-file-dir", "--latchkey.audit.retention.enabled=true",
                "--latchkey.audit.retention.archive-dir=" + file))
                .satisfies(e -> assertThat(messages(e)).contains("latchkey.audit.retention.archive-dir (" + file + ")"));
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void whenVerificationIsDueThenOneNodeVerifiesAndTamperingShowsAsAFailureEventHealthDownAndAMetric()
            throws Exception {
        AuditVerifyJob job = node.bean(AuditVerifyJob.class);
        String health = node.managementUrl() + "/actuator/health/audit";
        assertThat(job.status().state()).isEqualTo(AuditVerifyJob.Status.State.UNKNOWN);

        // Two nodes check at once: one verifies, the other finds the lock taken or the verification done; afterwards
        // the interval holds both off.
        assertThat(atOnce(job::verifyIfDue)).filteredOn(Optional::isPresent).singleElement()
                .satisfies(r -> assertThat(r.orElseThrow().ok()).isTrue());
        assertThat(job.verifyIfDue()).as("verified within the interval").isEmpty();
        assertThat(get("/admin/v1/audit/events?action=audit.verify").get("events").size()).isEqualTo(1);
        assertThat(Http.api().get(health).statusCode()).isEqualTo(200);
        assertThat(gauge()).isEqualTo(1.0);

        // An edited row: the next verification records the failure and health goes DOWN until one succeeds again.
        UUID team = team();
        node.bean(AuditChainer.class).chainAll();
        JsonNode event = teamEvent(team);
        long id = event.get("id").asLong();
        String original = event.get("actor").get("id").asText();
        tamper("update audit_events set actor_id = 'mallory' where id = " + id);
        try {
            VerificationReport broken = job.verifyAndRecord();
            assertThat(broken.ok()).isFalse();

            JsonNode failure = get("/admin/v1/audit/events?action=audit.verify&outcome=failure").get("events").get(0);
            assertThat(failure.get("actor").get("id").asText()).isEqualTo("audit-verifier");
            assertThat(failure.get("details").get("reason").asText()).isEqualTo("EDITED");
            assertThat(failure.get("details").get("first_bad_id").asLong()).isEqualTo(id);
            assertThat(failure.get("details").get("first_bad_seq").asLong()).isEqualTo(event.get("seq").asLong());
            assertThat(failure.toString()).doesNotContain("mallory");
            HttpResponse<String> down = Http.api().get(health);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("DOWN");
            assertThat(gauge()).isEqualTo(0.0);
        } finally {
            tamper("update audit_events set actor_id = '" + original.replace("'", "''") + "' where id = " + id);
        }
        assertThat(job.verifyAndRecord().ok()).isTrue();
        assertThat(Http.api().get(health).statusCode()).isEqualTo(200);

        // A good result forged with database access (no audit key) neither reads as UP nor postpones verification.
        try (Connection chainLock = holdChainLock()) {
            long forged = value("""
                    insert into audit_events (event_id, occurred_at, actor_type, actor_id, action, target_type, outcome,
                        details, record_mac)
                    values (gen_random_uuid(), now() + interval '1 day', 'system', 'audit-verifier', 'audit.verify',
                        'audit_chain', 'success', jsonb_build_object('ok', true, 'summary', 'forged'),
                        decode(repeat('00', 32), 'hex'))
                    returning id""", Long.class);
            try {
                assertThat(job.status().state()).isEqualTo(AuditVerifyJob.Status.State.BROKEN);
                assertThat(Http.api().get(health).statusCode()).isEqualTo(503);
                VerificationReport caught = job.verifyIfDue().orElseThrow();
                assertThat(caught.reason()).isEqualTo(VerificationReport.Reason.EDITED);
                assertThat(caught.firstBadId()).isEqualTo(forged);
            } finally {
                tamper("delete from audit_events where id = " + forged);
            }
        }
        assertThat(job.verifyAndRecord().ok()).isTrue();
    }

    /**
     * Holds the chain lock (ChainStore's advisory lock, "LKAUDIT1") until closed, so no node chains rows meanwhile:
     * a row inserted and deleted while it is held never enters the chain.
     */
    private static Connection holdChainLock() throws SQLException {
        Connection connection = node.bean(DataSource.class).getConnection();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("select pg_advisory_xact_lock(" + 0x4C4B_4155_4449_5431L + ")");
        }
        return connection;
    }

    /** Runs {@code work} on two threads released together, as two nodes' schedules would; returns both results. */
    private static <T> List<T> atOnce(Callable<T> work) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            Callable<T> released = () -> {
                start.await(10, TimeUnit.SECONDS);
                return work.call();
            };
            List<T> results = new ArrayList<>();
            for (Future<T> result : threads.invokeAll(List.of(released, released), 120, TimeUnit.SECONDS)) {
                results.add(result.get());
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    private static double gauge() {
        HttpResponse<String> metrics = Http.api().get(node.managementUrl() + "/actuator/prometheus");
        Matcher value = GAUGE.matcher(metrics.body());
        assertThat(value.find()).as("latchkey_audit_chain_verified in " + metrics.body().length() + " bytes").isTrue();
        return Double.parseDouble(value.group(2));
    }

    /** Plays the attacker with full database access: the append-only triggers switched off for one statement. */
    private static void tamper(String sql) {
        dsl().transaction(tx -> {
            tx.dsl().execute("alter table audit_events disable trigger all");
            tx.dsl().execute(sql);
            tx.dsl().execute("alter table audit_events enable trigger all");
        });
    }
}
