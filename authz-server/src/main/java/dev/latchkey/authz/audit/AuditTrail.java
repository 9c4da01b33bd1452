package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.Outcome;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Records audit events from the web layer: source IP, user agent and the caller's {@code X-Request-Id} from the
 * current request (the event builder bounds and sanitises it like any attacker-chosen text), and
 * {@link #inTransaction} to make an action and its event commit or roll back together. Pass ids and
 * fingerprints in details, never secret values.
 */
public final class AuditTrail {

    private final AuditLog log;
    private final TransactionTemplate transactions;

    AuditTrail(AuditLog log, TransactionTemplate transactions) {
        this.log = log;
        this.transactions = transactions;
    }

    /** Runs the action and whatever it records in one transaction: a failed audit insert fails the action. */
    public <T> T inTransaction(Supplier<T> action) {
        return transactions.execute(status -> action.get());
    }

    public void record(Actor actor, String action, Outcome outcome, String targetType, String targetId, String tenant,
            Map<String, ?> details) {
        log.record(event(actor, action, outcome, targetType, targetId, tenant, details));
    }

    /** Writes events built by {@link #event} in one statement, in the current transaction (group commit). */
    public void recordAll(List<AuditEvent> events) {
        log.recordAll(events);
    }

    /**
     * The event {@link #record} would write, with the source of the current request (if any) read now: for callers
     * that write it later from another thread, in the transaction that stores the action.
     */
    public AuditEvent event(Actor actor, String action, Outcome outcome, String targetType, String targetId,
            String tenant, Map<String, ?> details) {
        AuditEvent.Builder event = AuditEvent.builder(actor, action, outcome);
        if (targetType != null) {
            event.target(targetType, targetId);
        }
        if (tenant != null) {
            event.tenant(tenant);
        }
        if (details != null && !details.isEmpty()) {
            event.details(details);
        }
        HttpServletRequest request = currentRequest();
        if (request != null) {
            event.source(request.getRemoteAddr(), request.getHeader("User-Agent")).requestId(request.getHeader("X-Request-Id"));
        }
        return event.build();
    }

    /** The admin API caller: the client id of the bearer token (its subject for user tokens). */
    public static Actor currentAdmin() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null) {
            return Actor.system("unknown");
        }
        if (authentication.getPrincipal() instanceof OAuth2AuthenticatedPrincipal principal
                && principal.getAttribute("client_id") instanceof String clientId
                && clientId.equals(authentication.getName())) {
            return Actor.admin(clientId);
        }
        return Actor.admin(authentication.getName());
    }

    static HttpServletRequest currentRequest() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        return attributes instanceof ServletRequestAttributes servlet ? servlet.getRequest() : null;
    }
}
