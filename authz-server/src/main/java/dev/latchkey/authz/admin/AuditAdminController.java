package dev.latchkey.authz.admin;

import dev.latchkey.audit.ActorType;
import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.VerificationReport;
import dev.latchkey.audit.query.AuditExporter;
import dev.latchkey.audit.query.AuditPage;
import dev.latchkey.audit.query.AuditQuery;
import dev.latchkey.audit.query.AuditSearch;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The audit trail, read-only ({@code /admin/v1/audit}, scope {@code admin} or {@code audit:read}): chain
 * verification, filtered search with cursor paging, streaming export as JSON Lines or CSV.
 */
@RestController
@RequestMapping(path = "/admin/v1/audit")
public class AuditAdminController {

    public static final String JSON_LINES = "application/x-ndjson";
    public static final String CSV = "text/csv";

    private final AuditVerifier verifier;
    private final AuditSearch search;
    private final AuditExporter exporter;

    public AuditAdminController(AuditVerifier verifier, AuditSearch search, AuditExporter exporter) {
        this.verifier = verifier;
        this.search = search;
        this.exporter = exporter;
    }

    /** 200 whatever the outcome: {@code ok=false} with the reason when tampering is found. */
    @GetMapping(path = "/verify", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> verify() {
        VerificationReport report = verifier.verify();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", report.ok());
        body.put("reason", report.reason() == null ? null : report.reason().name());
        body.put("firstBadSeq", report.firstBadSeq());
        body.put("firstBadId", report.firstBadId());
        body.put("detail", report.detail());
        body.put("rowsChecked", report.rowsChecked());
        body.put("checkpointsChecked", report.checkpointsChecked());
        body.put("archivesChecked", report.archivesChecked());
        body.put("unchainedRows", report.unchainedRows());
        body.put("headSeq", report.headSeq());
        body.put("headHash", report.headHash() == null ? null : HexFormat.of().formatHex(report.headHash()));
        body.put("summary", report.summary());
        return body;
    }

    @GetMapping(path = "/events", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> events(@RequestParam Map<String, String> params) {
        AuditQuery query = query(params, true);
        AuditPage page = search.page(query);
        List<Map<String, Object>> events = new ArrayList<>(page.entries().size());
        for (AuditEntry entry : page.entries()) {
            events.add(describe(entry));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", events);
        body.put("nextCursor", page.nextCursor());
        return body;
    }

    /** Every matching event in id order, streamed (cursor and limit do not apply). */
    @GetMapping(path = "/export")
    ResponseEntity<StreamingResponseBody> export(@RequestParam Map<String, String> params) {
        String format = params.getOrDefault("format", "jsonl");
        AuditExporter.Format exportFormat;
        String contentType;
        String extension;
        switch (format) {
            case "jsonl" -> {
                exportFormat = AuditExporter.Format.JSON_LINES;
                contentType = JSON_LINES + ";charset=UTF-8";
                extension = "jsonl";
            }
            case "csv" -> {
                exportFormat = AuditExporter.Format.CSV;
                contentType = CSV + ";charset=UTF-8";
                extension = "csv";
            }
            default -> throw new IllegalArgumentException("format must be jsonl or csv");
        }
        AuditQuery query = query(params, false);
        StreamingResponseBody body = out -> exporter.export(query, exportFormat, out);
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_TYPE, contentType)
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"audit-events." + extension + "\"")
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(body);
    }

    private static final java.util.Set<String> PARAMETERS = java.util.Set.of(
            "from", "to", "actor", "actorType", "tenant", "action", "target", "outcome", "cursor", "limit", "format");

    /** Filters from query parameters; anything malformed is an IllegalArgumentException (400 problem+json). */
    static AuditQuery query(Map<String, String> params, boolean paged) {
        for (String name : params.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new IllegalArgumentException("unknown parameter " + name);
            }
        }
        AuditQuery query = AuditQuery.all();
        Instant from = instant(params, "from");
        Instant to = instant(params, "to");
        if (from != null || to != null) {
            query = query.between(from, to);
        }
        String actor = text(params, "actor");
        if (actor != null) {
            query = new AuditQuery(query.from(), query.to(), query.actorType(), actor, query.tenant(), query.action(),
                    query.targetType(), query.targetId(), query.outcome(), query.cursor(), query.limit());
        }
        String actorType = text(params, "actorType");
        if (actorType != null) {
            query = query.actorType(enumValue(ActorType.class, "actorType", actorType));
        }
        String tenant = text(params, "tenant");
        if (tenant != null) {
            query = query.tenant(tenant);
        }
        String action = text(params, "action");
        if (action != null) {
            query = query.action(action);
        }
        String target = text(params, "target");
        if (target != null) {
            int colon = target.indexOf(':');
            query = colon < 0 ? query.target(target, null) : query.target(target.substring(0, colon), target.substring(colon + 1));
            if (query.targetType().isEmpty() || (query.targetId() != null && query.targetId().isEmpty())) {
                throw new IllegalArgumentException("target must be TYPE or TYPE:ID");
            }
        }
        String outcome = text(params, "outcome");
        if (outcome != null) {
            query = query.outcome(enumValue(Outcome.class, "outcome", outcome));
        }
        if (paged) {
            String cursor = text(params, "cursor");
            if (cursor != null) {
                query = query.after(cursor);
            }
            String limit = text(params, "limit");
            if (limit != null) {
                try {
                    query = query.limit(Integer.parseInt(limit));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("limit must be 1.." + AuditQuery.MAX_LIMIT);
                }
            }
        }
        return query;
    }

    private static String text(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null) {
            return null;
        }
        if (value.isBlank() || value.length() > AuditEvent.MAX_ID) {
            throw new IllegalArgumentException(name + " must be 1.." + AuditEvent.MAX_ID + " characters");
        }
        return value;
    }

    private static Instant instant(Map<String, String> params, String name) {
        String value = text(params, name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an RFC 3339 UTC time, e.g. 2026-01-31T12:00:00Z");
        }
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    private static Map<String, Object> describe(AuditEntry entry) {
        AuditEvent e = entry.event();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", entry.id());
        m.put("seq", entry.seq());
        m.put("eventId", e.eventId().toString());
        m.put("occurredAt", e.occurredAt().toString());
        m.put("actor", Map.of("type", e.actor().type().name().toLowerCase(Locale.ROOT), "id", e.actor().id()));
        m.put("action", e.action());
        if (e.target() != null) {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("type", e.target().type());
            target.put("id", e.target().id());
            m.put("target", target);
        } else {
            m.put("target", null);
        }
        m.put("tenant", e.tenant());
        m.put("outcome", e.outcome().name().toLowerCase(Locale.ROOT));
        m.put("sourceIp", e.sourceIp());
        m.put("userAgent", e.userAgent());
        m.put("requestId", e.requestId());
        m.put("details", e.details() == null ? Map.of() : e.details().asMap());
        return m;
    }
}
