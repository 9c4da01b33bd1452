package dev.latchkey.authz.admin;

import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.scope.ScopeCatalogue;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The changes an admin makes both in the admin API ({@code /admin/v1}) and on the admin pages ({@code /admin/apps},
 * {@code /admin/scopes}): publishing apps and keeping the scope catalogue. Each change and its audit event commit
 * or roll back together, with the admin as the actor ({@link AuditTrail#currentAdmin()}: the bearer token's client
 * in the API, the signed-in admin on the pages). Both adapters call these, so they cannot audit differently.
 */
public final class AdminActions {

    private final AppService apps;
    private final ScopeCatalogue scopes;
    private final AuditTrail audit;

    public AdminActions(AppService apps, ScopeCatalogue scopes, AuditTrail audit) {
        this.apps = apps;
        this.scopes = scopes;
        this.audit = audit;
    }

    /** Publishes the app, or makes it private to its team again; the app, or empty if there is none. */
    public Optional<AppView> setPublished(UUID appId, boolean published) {
        return audit.inTransaction(() -> {
            Optional<AppView> app = apps.find(appId).filter(found -> apps.setPublished(appId, published));
            app.ifPresent(found -> record(published ? "app.published" : "app.unpublished", "app", appId.toString(),
                    found.teamId().toString(), Map.of("clientId", found.clientId())));
            return app;
        });
    }

    /** Adds a scope to the catalogue ({@link ScopeCatalogue#create}). */
    public ScopeCatalogue.Scope createScope(String name, String description) {
        return audit.inTransaction(() -> {
            ScopeCatalogue.Scope scope = scopes.create(name, description);
            record("scope.created", "scope", scope.name(), null, Map.of("description", scope.description()));
            return scope;
        });
    }

    /** Changes a scope's words; empty when there is no such scope. */
    public Optional<ScopeCatalogue.Scope> updateScope(String name, String description) {
        return audit.inTransaction(() -> {
            Optional<ScopeCatalogue.Scope> scope = scopes.update(name, description);
            scope.ifPresent(updated -> record("scope.updated", "scope", updated.name(), null,
                    Map.of("description", updated.description())));
            return scope;
        });
    }

    /** Removes a scope from the catalogue; false when there was none. */
    public boolean deleteScope(String name) {
        return audit.inTransaction(() -> {
            boolean deleted = scopes.delete(name);
            if (deleted) {
                record("scope.deleted", "scope", name, null, Map.of());
            }
            return deleted;
        });
    }

    private void record(String action, String targetType, String targetId, String tenant, Map<String, ?> details) {
        audit.record(AuditTrail.currentAdmin(), action, Outcome.SUCCESS, targetType, targetId, tenant, details);
    }
}
