package dev.latchkey.broker.connection;

import static dev.latchkey.db.Tables.CONNECTIONS;
import static dev.latchkey.db.Tables.CREDENTIALS;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.apps.ProviderApps;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderRequest;
import dev.latchkey.broker.catalog.Revocation;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.JsonMaps;
import dev.latchkey.broker.credential.StoredCredential;
import dev.latchkey.broker.events.ConnectionEvents;
import dev.latchkey.broker.provider.ProviderClient;
import dev.latchkey.broker.token.BrokerException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The connection management API's decisions: list and inspect within the caller's tenants, and delete (revoking
 * upstream first where the provider supports it; a failed revocation does not keep the credential alive here).
 */
public final class ConnectionDirectory {

    private static final Logger log = LoggerFactory.getLogger(ConnectionDirectory.class);
    public static final int MAX_PAGE = 200;

    /** Whether a refresh token is stored, computed in SQL: the view never reads sealed bytes. */
    private static final Field<Boolean> HAS_REFRESH_TOKEN =
            DSL.field(CREDENTIALS.REFRESH_SEALED.isNotNull()).as("has_refresh_token");
    private static final List<Field<?>> VIEW_FIELDS = List.of(CONNECTIONS.ID, CONNECTIONS.TENANT_ID, CONNECTIONS.END_USER,
            CONNECTIONS.PROVIDER_ID, CONNECTIONS.AUTH_MODE, CONNECTIONS.STATUS, CONNECTIONS.STATUS_REASON,
            CONNECTIONS.SCOPES, CONNECTIONS.METADATA, CONNECTIONS.CREATED_AT, CREDENTIALS.VERSION, CREDENTIALS.ISSUED_AT,
            CREDENTIALS.EXPIRES_AT, CREDENTIALS.EXPIRY_SOURCE, CREDENTIALS.LEARNED_LIFETIME_SECONDS,
            CREDENTIALS.NEXT_REFRESH_AT, CREDENTIALS.LAST_REFRESHED_AT, CREDENTIALS.REFRESH_COUNT,
            CREDENTIALS.FAILURE_COUNT, CREDENTIALS.LAST_ERROR, HAS_REFRESH_TOKEN);

    private final DSLContext dsl;
    private final CredentialStore store;
    private final CredentialSealer sealer;
    private final ProviderCatalog catalog;
    private final ProviderApps apps;
    private final ProviderClient client;
    private final ConnectionEvents events;
    private final TransactionTemplate transactions;

    public ConnectionDirectory(DSLContext dsl, CredentialStore store, CredentialSealer sealer, ProviderCatalog catalog,
            ProviderApps apps, ProviderClient client, ConnectionEvents events, TransactionTemplate transactions) {
        this.dsl = dsl;
        this.store = store;
        this.sealer = sealer;
        this.catalog = catalog;
        this.apps = apps;
        this.client = client;
        this.events = events;
        this.transactions = transactions;
    }

    /**
     * Connections in the caller's tenants, newest id order, keyset-paginated.
     *
     * @param tenant   only this tenant (must be one the caller may touch); null for all of the caller's tenants
     * @param after    the last id of the previous page, or null
     */
    public List<ConnectionView> list(BrokerCaller caller, String tenant, String provider, String status, UUID after,
            int limit) {
        List<Condition> where = new ArrayList<>();
        if (tenant != null) {
            if (!caller.mayAccess(tenant)) {
                return List.of();
            }
            where.add(CONNECTIONS.TENANT_ID.eq(tenant));
        } else if (!caller.allTenants()) {
            where.add(CONNECTIONS.TENANT_ID.in(caller.tenants()));
        }
        if (provider != null) {
            where.add(CONNECTIONS.PROVIDER_ID.eq(provider));
        }
        if (status != null) {
            where.add(CONNECTIONS.STATUS.eq(status));
        }
        if (after != null) {
            where.add(CONNECTIONS.ID.gt(after));
        }
        return dsl.select(VIEW_FIELDS).from(CONNECTIONS).join(CREDENTIALS).on(CREDENTIALS.CONNECTION_ID.eq(CONNECTIONS.ID))
                .where(where.isEmpty() ? DSL.trueCondition() : DSL.and(where))
                .orderBy(CONNECTIONS.ID).limit(Math.max(1, Math.min(limit, MAX_PAGE)))
                .fetch(ConnectionDirectory::view);
    }

    public ConnectionView get(BrokerCaller caller, UUID id) {
        return dsl.select(VIEW_FIELDS).from(CONNECTIONS).join(CREDENTIALS).on(CREDENTIALS.CONNECTION_ID.eq(CONNECTIONS.ID))
                .where(CONNECTIONS.ID.eq(id)).fetchOptional(ConnectionDirectory::view)
                .filter(view -> caller.mayAccess(view.tenant()))
                .orElseThrow(() -> new BrokerException(BrokerException.Reason.NOT_FOUND, "no such connection"));
    }

    /**
     * Revokes the grant at the provider (best effort) and deletes the connection with its sealed credential.
     *
     * @return whether the provider confirmed the revocation (false also when it offers none)
     */
    public boolean delete(BrokerCaller caller, UUID id) {
        StoredCredential credential = store.find(id).filter(c -> caller.mayAccess(c.tenant()))
                .orElseThrow(() -> new BrokerException(BrokerException.Reason.NOT_FOUND, "no such connection"));
        boolean revoked = revokeUpstream(credential);
        transactions.executeWithoutResult(status -> {
            store.evictAfterCommit(id);
            if (dsl.deleteFrom(CONNECTIONS).where(CONNECTIONS.ID.eq(id)).execute() == 1) {
                events.record(Actor.service(caller.clientId()), ConnectionEvents.DELETED, Outcome.SUCCESS, credential,
                        Map.of("upstream_revoked", revoked));
            }
        });
        return revoked;
    }

    private boolean revokeUpstream(StoredCredential credential) {
        Optional<Provider> provider = catalog.find(credential.providerId());
        if (provider.isEmpty() || provider.get().revocation() == null || credential.kind() != CredentialKind.OAUTH2) {
            return false;
        }
        Optional<ClientCredentials> app = apps.find(credential.providerId(), credential.tenant());
        try {
            Secret token = provider.get().revocation().token() == Revocation.TokenKind.REFRESH && credential.hasRefreshToken()
                    ? sealer.openRefresh(credential) : sealer.openAccess(credential);
            ProviderRequest request = TokenRequests.revocation(provider.get(),
                    provider.get().resolveUrls(JsonMaps.read(credential.parametersJson())),
                    app.orElse(null), token);
            return client.send(request).successful();
        } catch (Exception e) {
            log.warn("Upstream revocation for connection {} failed ({}); deleting anyway", credential.connectionId(),
                    e.getClass().getSimpleName());
            return false;
        }
    }

    private static ConnectionView view(Record r) {
        return new ConnectionView(
                r.get(CONNECTIONS.ID), r.get(CONNECTIONS.TENANT_ID), r.get(CONNECTIONS.END_USER),
                r.get(CONNECTIONS.PROVIDER_ID), r.get(CONNECTIONS.AUTH_MODE), r.get(CONNECTIONS.STATUS),
                r.get(CONNECTIONS.STATUS_REASON), List.of(r.get(CONNECTIONS.SCOPES)),
                JsonMaps.read(r.get(CONNECTIONS.METADATA) == null ? null : r.get(CONNECTIONS.METADATA).data()),
                instant(r.get(CONNECTIONS.CREATED_AT)),
                new ConnectionView.Credential(r.get(CREDENTIALS.VERSION), instant(r.get(CREDENTIALS.ISSUED_AT)),
                        instant(r.get(CREDENTIALS.EXPIRES_AT)), r.get(CREDENTIALS.EXPIRY_SOURCE),
                        r.get(CREDENTIALS.LEARNED_LIFETIME_SECONDS), instant(r.get(CREDENTIALS.NEXT_REFRESH_AT)),
                        instant(r.get(CREDENTIALS.LAST_REFRESHED_AT)), r.get(CREDENTIALS.REFRESH_COUNT),
                        r.get(CREDENTIALS.FAILURE_COUNT), r.get(CREDENTIALS.LAST_ERROR),
                        r.get(HAS_REFRESH_TOKEN)));
    }

    private static java.time.Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
