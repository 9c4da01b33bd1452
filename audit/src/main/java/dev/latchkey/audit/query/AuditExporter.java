package dev.latchkey.audit.query;

import static dev.latchkey.db.Tables.AUDIT_EVENTS;

import dev.latchkey.audit.AuditCsv;
import dev.latchkey.audit.AuditJsonLines;
import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jooq.Condition;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.SortField;

/**
 * Streams audit rows to an {@link OutputStream} as JSON Lines ({@link AuditJsonLines}) or CSV ({@link AuditCsv}).
 * Rows come through a server-side cursor ({@code fetchSize}) in a read-only transaction and go straight to the
 * stream, so memory stays constant however many rows match. The stream is flushed, not closed. Call outside any
 * transaction.
 */
public final class AuditExporter {

    /** Rows per round trip to PostgreSQL. */
    public static final int FETCH_SIZE = 1_000;

    /** Export formats. */
    public enum Format {
        JSON_LINES, CSV
    }

    private final DSLContext dsl;

    public AuditExporter(DSLContext dsl) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
    }

    /** Every row matching the query's filters, oldest first (id order); its cursor and limit are ignored. */
    public long export(AuditQuery query, Format format, OutputStream out) {
        return stream(AuditSearch.filters(query), AUDIT_EVENTS.ID.asc(), format, out);
    }

    /**
     * The chained rows {@code firstSeq..lastSeq} as JSON Lines in seq order: the form that
     * {@code AuditVerifier.verifyExport} checks against an archive summary.
     */
    public long exportChain(long firstSeq, long lastSeq, OutputStream out) {
        return stream(AUDIT_EVENTS.SEQ.between(firstSeq, lastSeq), AUDIT_EVENTS.SEQ.asc(), Format.JSON_LINES, out);
    }

    private long stream(Condition where, SortField<Long> order, Format format, OutputStream stream) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            tx.execute("set transaction read only");
            long n = 0;
            Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
            StringBuilder scratch = new StringBuilder(512);
            try (Cursor<AuditEventsRecord> rows = tx.selectFrom(AUDIT_EVENTS).where(where).orderBy(order)
                    .fetchSize(FETCH_SIZE).fetchLazy()) {
                if (format == Format.CSV) {
                    AuditCsv.writeHeader(out);
                }
                while (rows.hasNext()) {
                    AuditEventsRecord r = rows.fetchNext();
                    if (format == Format.CSV) {
                        AuditCsv.write(r, out, scratch);
                    } else {
                        AuditJsonLines.write(r, out, scratch);
                    }
                    n++;
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return n;
        });
    }
}
