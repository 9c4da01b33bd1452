package dev.latchkey.broker.access;

/**
 * What a service may do with the broker, as scopes on its client-credentials token. Which tenants it may do it for
 * is not a scope but its {@code broker_callers} rows (see {@link BrokerCallers}).
 */
public final class BrokerScopes {

    /** Read a fresh token ({@code GET /broker/v1/connections/{id}/token}). */
    public static final String TOKEN_READ = "broker:token:read";
    /** Report a rejected token or force a refresh ({@code POST …/token/refresh}). */
    public static final String TOKEN_REFRESH = "broker:token:refresh";
    /** Open connect sessions, list, inspect and delete connections. */
    public static final String CONNECTIONS_MANAGE = "broker:connections:manage";

    private BrokerScopes() {
    }
}
