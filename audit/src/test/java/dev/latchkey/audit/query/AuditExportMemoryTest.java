package dev.latchkey.audit.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.TestDatabase;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A million rows export through a server-side cursor in bounded memory: the export runs in a separate JVM limited
 * to a 64 MB heap (the output would be about 500 MB if it were buffered) and reports its peak heap.
 */
class AuditExportMemoryTest {

    private static final int ROWS = 1_000_000;
    private static final String HEAP = "-Xmx" + System.getProperty("audit.export.heap", "64m");
    private static TestDatabase db;

    @BeforeAll
    static void millionRows() {
        db = TestDatabase.start();
        long start = System.nanoTime();
        // Realistic rows, generated in one statement. The fixture writes chain columns directly (triggers off) into
        // an unlogged table without secondary indexes: this test is about streaming, not about verification, and
        // the export reads in id order (primary key).
        db.tamper("alter table audit_events set unlogged",
                "drop index audit_events_event_id, audit_events_unchained, audit_events_occurred_at,"
                        + " audit_events_tenant, audit_events_actor, audit_events_target, audit_events_action,"
                        + " audit_events_not_success",
                """
                insert into audit_events (event_id, occurred_at, actor_type, actor_id, action, target_type, target_id,
                    tenant, outcome, source_ip, user_agent, request_id, details, record_mac, seq, prev_hash, hash)
                select gen_random_uuid(),
                       timestamptz '2026-01-01 00:00:00+00' + i * interval '31 milliseconds',
                       (array['user','app','service','admin','system'])[1 + i % 5],
                       'lk_ci_' || md5((i % 5000)::text),
                       (array['token.issue','token.refresh','token.revoke','credential.read','key.rewrap'])[1 + i % 5],
                       'connection', 'conn-' || (i % 100000),
                       'team-' || (i % 200),
                       (array['success','success','success','failure','denied'])[1 + i % 5],
                       '203.0.' || (i % 250) || '.' || (i % 251),
                       'Mozilla/5.0 (X11; Linux x86_64) latchkey-benchmark/' || (i % 10),
                       'req-' || md5(i::text),
                       jsonb_build_object('grant_type', 'refresh_token', 'scopes', jsonb_build_array('read', 'write'),
                                          'fingerprint', 'hmac:' || left(md5(i::text || 'x'), 32)),
                       sha256(int8send(i)), i, sha256(int8send(i - 1)), sha256(int8send(i))
                from generate_series(1, ROWS) as i
                """.replace("ROWS", Integer.toString(ROWS)), "analyze audit_events");
        System.out.printf("generated %d audit rows in %.1f s%n", ROWS, (System.nanoTime() - start) / 1e9);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void whenAMillionRowsAreExportedThenTheExportRunsInA64MegabyteHeap() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(List.of(java, HEAP, "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
                "-cp", classpath, ExportMemoryBenchmark.class.getName(), db.jdbcUrl(), db.username(), "JSON_LINES"))
                .redirectErrorStream(true).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            p.destroyForcibly();
        }
        System.out.println("export memory benchmark (" + HEAP + "): " + output.strip());

        assertThat(finished).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        Matcher m = Pattern.compile("rows=(\\d+) bytes=(\\d+) .* maxLiveHeapAfterGc=([0-9.]+)MB").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(ROWS);
        long bytes = Long.parseLong(m.group(2));
        double liveMb = Double.parseDouble(m.group(3));
        assertThat(bytes).as("the output is far larger than the heap").isGreaterThan(300L << 20);
        assertThat(liveMb).isLessThan(32);
    }
}
