package dev.latchkey.audit;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.io.IOException;
import java.io.Writer;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * The CSV export format (RFC 4180): the columns of {@link AuditJsonLines#COLUMNS}, a header line, CRLF line ends,
 * fields quoted when they hold a comma, quote, CR, LF or edge spaces, quotes doubled. Text that a spreadsheet would
 * run as a formula (starting with {@code = + - @}, tab or CR; user agents and usernames are attacker-chosen) is
 * prefixed with an apostrophe (OWASP "CSV injection"). For spreadsheets and reports; verification reads JSON Lines.
 */
public final class AuditCsv {

    private static final HexFormat HEX = HexFormat.of();

    private AuditCsv() {}

    public static void writeHeader(Writer out) throws IOException {
        out.write(String.join(",", AuditJsonLines.COLUMNS));
        out.write("\r\n");
    }

    public static void write(AuditEventsRecord r, Writer out, StringBuilder scratch) throws IOException {
        StringBuilder b = scratch;
        b.setLength(0);
        b.append(r.getId()).append(',');
        if (r.getSeq() != null) {
            b.append(r.getSeq());
        }
        b.append(',').append(r.getEventId());
        b.append(',').append(DateTimeFormatter.ISO_INSTANT.format(r.getOccurredAt().toInstant()));
        text(b, r.getActorType());
        text(b, r.getActorId());
        text(b, r.getAction());
        text(b, r.getTargetType());
        text(b, r.getTargetId());
        text(b, r.getTenant());
        text(b, r.getOutcome());
        text(b, r.getSourceIp());
        text(b, r.getUserAgent());
        text(b, r.getRequestId());
        text(b, r.getDetails() == null ? "{}" : r.getDetails().data());
        b.append(',');
        hex(b, r.getRecordMac());
        b.append(',');
        hex(b, r.getPrevHash());
        b.append(',');
        hex(b, r.getHash());
        b.append("\r\n");
        out.append(b);
    }

    /** One text field, preceded by its comma. */
    static void text(StringBuilder b, String value) {
        b.append(',');
        if (value == null || value.isEmpty()) {
            return;
        }
        char first = value.charAt(0);
        String v = first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                ? "'" + value : value;
        boolean quote = v.charAt(0) == ' ' || v.charAt(v.length() - 1) == ' ';
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        if (!quote) {
            b.append(v);
            return;
        }
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"') {
                b.append('"');
            }
            b.append(c);
        }
        b.append('"');
    }

    private static void hex(StringBuilder b, byte[] value) {
        if (value != null) {
            HEX.formatHex(b, value);
        }
    }
}
