package dev.latchkey.broker.access;

import static dev.latchkey.db.Tables.BROKER_CALLERS;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;

/**
 * Which tenants each internal service may touch ({@code broker_callers}). A service with no rows may touch none:
 * holding broker scopes is not enough. Cached for a few seconds because every token fetch asks.
 */
public final class BrokerCallers {

    /** Grants every tenant. */
    public static final String ALL_TENANTS = "*";
    public static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final DSLContext dsl;
    private final LoadingCache<String, Set<String>> tenants;

    public BrokerCallers(DSLContext dsl, Duration cacheTtl) {
        this.dsl = dsl;
        this.tenants = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(cacheTtl).build(this::load);
    }

    public Set<String> tenantsOf(String clientId) {
        return tenants.get(clientId);
    }

    /**
     * The calling service behind a validated bearer token: its client id, its {@code SCOPE_} authorities and its
     * tenants. Only client-credentials tokens name a service (their principal is the client itself); a token a user
     * delegated to an app never acts as one, so such a caller gets no tenants.
     */
    public BrokerCaller callerFor(OAuth2AuthenticatedPrincipal principal) {
        Set<String> scopes = new LinkedHashSet<>();
        for (GrantedAuthority authority : principal.getAuthorities()) {
            String name = authority.getAuthority();
            if (name != null && name.startsWith("SCOPE_")) {
                scopes.add(name.substring("SCOPE_".length()));
            }
        }
        String clientId = principal.getName();
        boolean service = "client_credentials".equals(principal.getAttribute("grant_type"));
        return new BrokerCaller(clientId, scopes, service ? tenantsOf(clientId) : Set.of());
    }

    /** Replaces the tenants a service may touch. */
    public void put(String clientId, Set<String> tenantIds) {
        for (String tenant : tenantIds) {
            if (!ALL_TENANTS.equals(tenant) && !TENANT_ID.matcher(tenant).matches()) {
                throw new IllegalArgumentException("tenant ids must match " + TENANT_ID.pattern() + " or be *");
            }
        }
        dsl.transaction(tx -> {
            tx.dsl().deleteFrom(BROKER_CALLERS).where(BROKER_CALLERS.CLIENT_ID.eq(clientId)).execute();
            for (String tenant : tenantIds) {
                tx.dsl().insertInto(BROKER_CALLERS, BROKER_CALLERS.CLIENT_ID, BROKER_CALLERS.TENANT_ID)
                        .values(clientId, tenant).execute();
            }
        });
        tenants.invalidate(clientId);
    }

    public Map<String, List<String>> all() {
        Map<String, List<String>> result = new LinkedHashMap<>();
        dsl.selectFrom(BROKER_CALLERS).orderBy(BROKER_CALLERS.CLIENT_ID, BROKER_CALLERS.TENANT_ID)
                .forEach(r -> result.computeIfAbsent(r.getClientId(), k -> new java.util.ArrayList<>()).add(r.getTenantId()));
        return result;
    }

    private Set<String> load(String clientId) {
        return new LinkedHashSet<>(dsl.select(BROKER_CALLERS.TENANT_ID).from(BROKER_CALLERS)
                .where(BROKER_CALLERS.CLIENT_ID.eq(clientId)).fetch(BROKER_CALLERS.TENANT_ID));
    }
}
