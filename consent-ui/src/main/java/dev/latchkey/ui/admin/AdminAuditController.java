package dev.latchkey.ui.admin;

import dev.latchkey.audit.AuditEntry;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Outcome;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.VerificationReport;
import dev.latchkey.audit.query.AuditExporter;
import dev.latchkey.audit.query.AuditPage;
import dev.latchkey.audit.query.AuditQuery;
import dev.latchkey.audit.query.AuditSearch;
import dev.latchkey.audit.query.InvalidCursorException;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The audit trail for admins ({@code /admin/audit}, role {@code admin}): filter, page with the opaque cursor, verify
 * the chain, download exports. GET only, so filtered views are shareable links and need no CSRF token; everything is
 * rendered escaped. The same beans serve the admin API ({@code /admin/v1/audit}); this page only translates HTTP.
 */
@Controller
public class AdminAuditController {

    /** Filter fields in form order; empty means "any". */
    static final List<String> FIELDS = List.of("from", "to", "actor", "action", "tenant", "target", "outcome");

    private final AuditSearch search;
    private final AuditVerifier verifier;
    private final AuditExporter exporter;

    public AdminAuditController(AuditSearch search, AuditVerifier verifier, AuditExporter exporter) {
        this.search = search;
        this.verifier = verifier;
        this.exporter = exporter;
    }

    /** One row of the results table, already formatted. */
    public record Row(long id, Long seq, String time, String actorType, String actorId, String action, String target,
            String tenant, String outcome, String sourceIp, String details) {}

    @GetMapping("/admin/audit")
    String page(Principal principal, @RequestParam Map<String, String> params, Model model, HttpServletResponse response) {
        Map<String, String> filters = filters(params);
        Map<String, String> errors = new LinkedHashMap<>();
        AuditQuery query = query(filters, errors);
        String cursor = blankToNull(params.get("cursor"));
        List<Row> rows = List.of();
        String olderUrl = null;
        if (query != null && cursor != null) {
            if (cursor.length() > AuditEvent.MAX_ID) {
                errors.put("cursor", "The \"Older events\" link is not valid. Start again from the newest events.");
            } else {
                query = query.after(cursor);
            }
        }
        if (errors.isEmpty()) {
            try {
                AuditPage page = search.page(query);
                rows = page.entries().stream().map(AdminAuditController::row).toList();
                if (page.hasMore() && page.nextCursor() != null) {
                    olderUrl = url("/admin/audit", filters, Map.of("cursor", page.nextCursor()));
                }
            } catch (InvalidCursorException e) {
                errors.put("cursor", "The \"Older events\" link is not valid. Start again from the newest events.");
            } catch (IllegalArgumentException e) {
                errors.put("form", e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            response.setStatus(400);
        }
        model.addAttribute("username", principal.getName());
        model.addAttribute("filters", filters);
        model.addAttribute("errors", errors);
        model.addAttribute("rows", rows);
        model.addAttribute("paged", cursor != null && errors.isEmpty());
        model.addAttribute("olderUrl", olderUrl);
        model.addAttribute("newestUrl", url("/admin/audit", filters, Map.of()));
        model.addAttribute("jsonlUrl", url("/admin/audit/export", filters, Map.of("format", "jsonl")));
        model.addAttribute("csvUrl", url("/admin/audit/export", filters, Map.of("format", "csv")));
        model.addAttribute("outcomes", List.of("success", "failure", "denied"));
        return "admin/audit";
    }

    @GetMapping("/admin/audit/verify")
    String verify(Principal principal, Model model) {
        VerificationReport report = verifier.verify();
        model.addAttribute("username", principal.getName());
        model.addAttribute("report", report);
        model.addAttribute("headHash", report.headHash() == null ? null : HexFormat.of().formatHex(report.headHash()));
        return "admin/audit-verify";
    }

    /**
     * Every matching event, oldest first, streamed through the exporter (the session-authenticated twin of the API's
     * export). Malformed filters or format: back to the page with the same filters, which shows the errors inline.
     */
    @GetMapping("/admin/audit/export")
    ResponseEntity<StreamingResponseBody> export(@RequestParam Map<String, String> params) {
        Map<String, String> filters = filters(params);
        AuditQuery query = query(filters, new LinkedHashMap<>());
        String format = params.getOrDefault("format", "jsonl");
        if (query == null || !(format.equals("jsonl") || format.equals("csv"))) {
            return ResponseEntity.status(303).header(HttpHeaders.LOCATION, url("/admin/audit", filters, Map.of())).build();
        }
        boolean csv = format.equals("csv");
        AuditExporter.Format exportFormat = csv ? AuditExporter.Format.CSV : AuditExporter.Format.JSON_LINES;
        StreamingResponseBody body = out -> exporter.export(query, exportFormat, out);
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_TYPE, (csv ? "text/csv" : "application/x-ndjson") + ";charset=UTF-8")
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"audit-events." + format + "\"")
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(body);
    }

    /** The known filter fields, stripped; unknown parameters are ignored. */
    private static Map<String, String> filters(Map<String, String> params) {
        Map<String, String> filters = new LinkedHashMap<>();
        for (String field : FIELDS) {
            String value = params.get(field);
            filters.put(field, value == null ? "" : value.strip());
        }
        return filters;
    }

    /** The query for the filters, or null with a message per malformed field in {@code errors}. */
    static AuditQuery query(Map<String, String> filters, Map<String, String> errors) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            if (f.getValue().length() > AuditEvent.MAX_ID) {
                errors.put(f.getKey(), label(f.getKey()) + " must be at most " + AuditEvent.MAX_ID + " characters.");
            }
        }
        Instant from = errors.containsKey("from") ? null : instant(filters.get("from"), "from", errors);
        Instant to = errors.containsKey("to") ? null : instant(filters.get("to"), "to", errors);
        if (from != null && to != null && !from.isBefore(to)) {
            errors.put("to", "To must be later than From.");
        }
        Outcome outcome = null;
        String outcomeText = filters.get("outcome");
        if (!outcomeText.isEmpty() && !errors.containsKey("outcome")) {
            try {
                outcome = Outcome.valueOf(outcomeText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.put("outcome", "Outcome must be success, failure or denied.");
            }
        }
        String targetType = null;
        String targetId = null;
        String target = filters.get("target");
        if (!target.isEmpty() && !errors.containsKey("target")) {
            int colon = target.indexOf(':');
            targetType = colon < 0 ? target : target.substring(0, colon);
            targetId = colon < 0 ? null : target.substring(colon + 1);
            if (targetType.isEmpty() || (targetId != null && targetId.isEmpty())) {
                errors.put("target", "Target must be TYPE or TYPE:ID, e.g. team or team:6f1c….");
            }
        }
        if (!errors.isEmpty()) {
            return null;
        }
        AuditQuery query = AuditQuery.all();
        if (from != null || to != null) {
            query = query.between(from, to);
        }
        String actor = blankToNull(filters.get("actor"));
        if (actor != null) {
            query = new AuditQuery(query.from(), query.to(), null, actor, null, null, null, null, null, null, query.limit());
        }
        String tenant = blankToNull(filters.get("tenant"));
        if (tenant != null) {
            query = query.tenant(tenant);
        }
        String action = blankToNull(filters.get("action"));
        if (action != null) {
            query = query.action(action);
        }
        if (targetType != null) {
            query = query.target(targetType, targetId);
        }
        if (outcome != null) {
            query = query.outcome(outcome);
        }
        return query;
    }

    private static Instant instant(String value, String field, Map<String, String> errors) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            try {
                // What a datetime-local field sends (no zone): read as UTC, like every time on this page.
                return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                errors.put(field, label(field) + " must be a UTC time such as 2026-01-31T12:00:00Z.");
                return null;
            }
        }
    }

    private static String label(String field) {
        return Character.toUpperCase(field.charAt(0)) + field.substring(1);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String url(String path, Map<String, String> filters, Map<String, String> extra) {
        UriComponentsBuilder builder = UriComponentsBuilder.fromPath(path);
        filters.forEach((name, value) -> {
            if (!value.isEmpty()) {
                builder.queryParam(name, "{" + name + "}");
            }
        });
        extra.keySet().forEach(name -> builder.queryParam(name, "{" + name + "}"));
        Map<String, String> values = new LinkedHashMap<>(filters);
        values.putAll(extra);
        return builder.encode().buildAndExpand(values).toUriString();
    }

    private static Row row(AuditEntry entry) {
        AuditEvent e = entry.event();
        String target = e.target() == null ? "" : e.target().id() == null ? e.target().type() : e.target().type() + ":" + e.target().id();
        String details = e.details() == null || e.details().isEmpty() ? "" : e.details().json();
        return new Row(entry.id(), entry.seq(), e.occurredAt().toString(), e.actor().type().name().toLowerCase(Locale.ROOT),
                e.actor().id(), e.action(), target, e.tenant() == null ? "" : e.tenant(),
                e.outcome().name().toLowerCase(Locale.ROOT), e.sourceIp() == null ? "" : e.sourceIp(), details);
    }
}
