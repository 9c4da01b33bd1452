package dev.latchkey.audit;

import dev.latchkey.db.tables.records.AuditEventsRecord;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON Lines export format: one object per line, every column of the row, hashes as lower-case hex, the time as
 * an RFC 3339 UTC timestamp with microseconds. It carries everything needed to verify a range offline
 * ({@code AuditVerifier.verifyExport}).
 *
 * <pre>{"id":1,"seq":1,"event_id":"…","occurred_at":"2026-01-02T03:04:05.123456Z","actor_type":"user","actor_id":"…",
 * "action":"token.issue","target_type":"token","target_id":"…","tenant":"…","outcome":"success","source_ip":"…",
 * "user_agent":"…","request_id":"…","details":{…},"record_mac":"…","prev_hash":"…","hash":"…"}</pre>
 */
public final class AuditJsonLines {

    /** Column order of both export formats. */
    public static final String[] COLUMNS = {"id", "seq", "event_id", "occurred_at", "actor_type", "actor_id",
            "action", "target_type", "target_id", "tenant", "outcome", "source_ip", "user_agent", "request_id",
            "details", "record_mac", "prev_hash", "hash"};

    private static final HexFormat HEX = HexFormat.of();
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private AuditJsonLines() {}

    /** Writes one row as one line (with its {@code \n}); {@code details} is the stored jsonb text, unchanged. */
    public static void write(AuditEventsRecord r, Writer out, StringBuilder scratch) throws IOException {
        StringBuilder b = scratch;
        b.setLength(0);
        b.append("{\"id\":").append(r.getId());
        b.append(",\"seq\":").append(r.getSeq());
        b.append(",\"event_id\":\"").append(r.getEventId()).append('"');
        b.append(",\"occurred_at\":");
        AuditDetails.string(b, DateTimeFormatter.ISO_INSTANT.format(r.getOccurredAt().toInstant()));
        field(b, "actor_type", r.getActorType());
        field(b, "actor_id", r.getActorId());
        field(b, "action", r.getAction());
        field(b, "target_type", r.getTargetType());
        field(b, "target_id", r.getTargetId());
        field(b, "tenant", r.getTenant());
        field(b, "outcome", r.getOutcome());
        field(b, "source_ip", r.getSourceIp());
        field(b, "user_agent", r.getUserAgent());
        field(b, "request_id", r.getRequestId());
        b.append(",\"details\":").append(r.getDetails() == null ? "{}" : r.getDetails().data());
        hex(b, "record_mac", r.getRecordMac());
        hex(b, "prev_hash", r.getPrevHash());
        hex(b, "hash", r.getHash());
        b.append("}\n");
        out.append(b);
    }

    /**
     * Parses one line back into the stored row it was written from.
     *
     * @throws IllegalArgumentException if the line is not a well-formed export record
     */
    public static AuditEntry read(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        try {
            String targetType = text(n, "target_type");
            String targetId = text(n, "target_id");
            AuditEvent event = new AuditEvent(
                    UUID.fromString(required(n, "event_id")),
                    Instant.parse(required(n, "occurred_at")),
                    new Actor(ActorType.fromDbValue(required(n, "actor_type")), text(n, "actor_id")),
                    required(n, "action"),
                    targetType == null && targetId == null ? null : new Target(targetType, targetId),
                    text(n, "tenant"),
                    Outcome.fromDbValue(required(n, "outcome")),
                    text(n, "source_ip"),
                    text(n, "user_agent"),
                    text(n, "request_id"),
                    AuditDetails.fromTree(n.get("details")));
            JsonNode id = n.get("id");
            JsonNode seq = n.get("seq");
            if (id == null || !id.isIntegralNumber()) {
                throw new IllegalArgumentException("id missing");
            }
            return new AuditEntry(id.longValue(), seq == null || seq.isNull() ? null : seq.longValue(), event,
                    bytes(n, "record_mac"), bytes(n, "prev_hash"), bytes(n, "hash"));
        } catch (DateTimeParseException | NullPointerException | ArithmeticException | JacksonException e) {
            throw new IllegalArgumentException("malformed audit export record");
        }
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":");
        if (value == null) {
            b.append("null");
        } else {
            AuditDetails.string(b, value);
        }
    }

    private static void hex(StringBuilder b, String name, byte[] value) {
        b.append(",\"").append(name).append("\":");
        if (value == null) {
            b.append("null");
        } else {
            b.append('"');
            HEX.formatHex(b, value);
            b.append('"');
        }
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return v.stringValue();
    }

    private static String required(JsonNode n, String name) {
        String v = text(n, name);
        if (v == null) {
            throw new IllegalArgumentException(name + " missing");
        }
        return v;
    }

    private static byte[] bytes(JsonNode n, String name) {
        String v = text(n, name);
        return v == null ? null : HEX.parseHex(v);
    }
}
