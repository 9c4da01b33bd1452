package dev.latchkey.broker.access;

import java.util.Set;

/**
 * An internal service calling the broker: its client id, the scopes of its token and the tenants it may touch.
 *
 * @param tenants tenant ids, or a set containing {@link BrokerCallers#ALL_TENANTS}
 */
public record BrokerCaller(String clientId, Set<String> scopes, Set<String> tenants) {

    public BrokerCaller {
        scopes = Set.copyOf(scopes);
        tenants = Set.copyOf(tenants);
    }

    public boolean mayAccess(String tenant) {
        return tenants.contains(BrokerCallers.ALL_TENANTS) || tenants.contains(tenant);
    }

    public boolean allTenants() {
        return tenants.contains(BrokerCallers.ALL_TENANTS);
    }

    public boolean has(String scope) {
        return scopes.contains(scope);
    }
}
