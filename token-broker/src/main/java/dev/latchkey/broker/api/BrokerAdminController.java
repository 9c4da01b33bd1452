package dev.latchkey.broker.api;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.access.BrokerCallers;
import dev.latchkey.broker.apps.ProviderApp;
import dev.latchkey.broker.apps.ProviderApps;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.events.RequestContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operator configuration of the broker under the admin API (scope {@code admin}, enforced by its security chain):
 * which services may touch which tenants, and our OAuth client registration at each provider.
 */
@RestController
@RequestMapping(path = "/admin/v1/broker", produces = "application/json")
public class BrokerAdminController {

    private final BrokerCallers callers;
    private final ProviderApps apps;
    private final ProviderCatalog catalog;
    private final AuditLog audit;
    private final TransactionTemplate transactions;

    BrokerAdminController(BrokerCallers callers, ProviderApps apps, ProviderCatalog catalog, AuditLog audit,
            PlatformTransactionManager transactions) {
        this.callers = callers;
        this.apps = apps;
        this.catalog = catalog;
        this.audit = audit;
        this.transactions = new TransactionTemplate(transactions);
    }

    /** Runs an admin change and its audit event in one transaction. */
    private <T> T audited(Authentication admin, String action, String targetType, String targetId,
            Map<String, ?> details, Supplier<T> change) {
        return transactions.execute(status -> {
            T result = change.get();
            AuditEvent.Builder event = AuditEvent.builder(Actor.admin(admin.getName()), action, Outcome.SUCCESS)
                    .target(targetType, targetId).details(details);
            RequestContext.current().ifPresent(r -> event.source(r.sourceIp(), r.userAgent()).requestId(r.requestId()));
            audit.record(event.build());
            return result;
        });
    }

    record CallerTenants(List<String> tenants) {
    }

    record ProviderAppRequest(String clientId, String clientSecret, String tenant) {
        @Override
        public String toString() {
            return "ProviderAppRequest[clientId=" + clientId + ", tenant=" + tenant + "]";
        }
    }

    @GetMapping("/callers")
    Map<String, List<String>> callers() {
        return callers.all();
    }

    /** Replaces the tenants a service client may touch ({@code ["*"]} for all, {@code []} for none). */
    @PutMapping(path = "/callers/{clientId}", consumes = "application/json")
    Map<String, Object> putCaller(@PathVariable String clientId, @RequestBody CallerTenants body,
            Authentication admin) {
        if (clientId.length() > 200 || body == null || body.tenants() == null || body.tenants().size() > 1000) {
            throw new IllegalArgumentException("tenants must be a list of at most 1000 tenant ids");
        }
        Set<String> tenants = new LinkedHashSet<>(body.tenants());
        audited(admin, "broker.caller_tenants_set", "client", clientId, Map.of("tenants", List.copyOf(tenants)),
                () -> {
                    callers.put(clientId, tenants);
                    return tenants;
                });
        return Map.of("clientId", clientId, "tenants", tenants);
    }

    @GetMapping("/providers/apps")
    List<ProviderApp> providerApps() {
        return apps.list();
    }

    /** Our client registration at a provider; {@code tenant} absent for the deployment default. */
    @PutMapping(path = "/providers/{providerId}/app", consumes = "application/json")
    ResponseEntity<Map<String, Object>> putProviderApp(@PathVariable String providerId,
            @RequestBody ProviderAppRequest body, Authentication admin) {
        if (catalog.find(providerId).isEmpty()) {
            throw new IllegalArgumentException("no provider '" + providerId + "' in the catalog");
        }
        if (body == null || body.clientId() == null || body.clientId().isBlank() || body.clientId().length() > 500) {
            throw new IllegalArgumentException("clientId is required (1 to 500 characters)");
        }
        String tenant = body.tenant() == null ? ProviderApps.ANY_TENANT : body.tenant();
        if (!ProviderApps.ANY_TENANT.equals(tenant) && !BrokerCallers.TENANT_ID.matcher(tenant).matches()) {
            throw new IllegalArgumentException("tenant must match " + BrokerCallers.TENANT_ID.pattern());
        }
        Secret secret = body.clientSecret() == null || body.clientSecret().isEmpty() ? null : Secret.of(body.clientSecret());
        audited(admin, "broker.provider_app_set", "provider", providerId,
                Map.of("tenant", tenant, "client_id", body.clientId(), "has_client_secret", secret != null),
                () -> {
                    apps.put(providerId, tenant, body.clientId(), secret);
                    return providerId;
                });
        return ResponseEntity.ok(Map.of("providerId", providerId, "tenant", tenant, "clientId", body.clientId(),
                "hasClientSecret", secret != null));
    }

    @DeleteMapping("/providers/{providerId}/app")
    ResponseEntity<Void> deleteProviderApp(@PathVariable String providerId,
            @RequestParam(defaultValue = "*") String tenant, Authentication admin) {
        boolean deleted = audited(admin, "broker.provider_app_deleted", "provider", providerId, Map.of("tenant", tenant),
                () -> apps.delete(providerId, tenant));
        return deleted ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
    }
}
