package dev.latchkey.authz.developer;

import static dev.latchkey.db.Tables.USERS;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.client.AppRegistration;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.client.CreatedApp;
import dev.latchkey.authz.client.InvalidAppException;
import dev.latchkey.authz.scope.ScopeCatalogue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * The developer portal's rules, shared by its pages and the developer API. A developer acts for their own team and
 * only on apps registered through the portal ({@code registered_via = 'portal'}): apps an admin created for the
 * team (which may hold scopes such as {@code admin}) and the bootstrap client are out of reach, so rotating a
 * secret can never hand a developer more than they could register themselves. Someone else's app is answered as
 * "not found", never "forbidden", so ids of other teams' apps reveal nothing.
 *
 * <p>Portal apps use the authorization code grant with refresh tokens, PKCE and consent; scopes come from the
 * {@link ScopeCatalogue}. Metadata is validated by {@link AppService} (RFC 9700 redirect rules).
 *
 * <p>Every change is audited ({@code app.created}, {@code app.updated}, {@code app.secret_rotated},
 * {@code app.deleted}) with the developer as the actor and their team as the tenant, in the change's transaction;
 * details name the client id, never a secret.
 */
public final class DeveloperPortal {

    public static final String REGISTERED_VIA = "portal";
    public static final int MAX_APPS_PER_TEAM = 100;
    private static final List<String> GRANT_TYPES = List.of("authorization_code", "refresh_token");

    private final DSLContext dsl;
    private final AppService apps;
    private final ScopeCatalogue scopes;
    private final AppActivityService activity;
    private final AuditTrail audit;

    public DeveloperPortal(DSLContext dsl, AppService apps, ScopeCatalogue scopes, AppActivityService activity,
            AuditTrail audit) {
        this.dsl = dsl;
        this.apps = apps;
        this.scopes = scopes;
        this.activity = activity;
        this.audit = audit;
    }

    /** The developer with this username: an enabled user holding the {@code developer} role, read now. */
    public Optional<Developer> developer(String username) {
        if (username == null || username.length() > 200) {
            return Optional.empty();
        }
        return dsl.select(USERS.ID, USERS.TEAM_ID, USERS.USERNAME).from(USERS)
                .where(USERS.USERNAME.eq(username))
                .and(USERS.ROLES.contains(new String[] {"developer"}))
                .and(USERS.DISABLED_AT.isNull())
                .fetchOptional(r -> new Developer(r.value1(), r.value2(), r.value3()));
    }

    public List<AppView> apps(Developer developer) {
        return apps.list(developer.teamId()).stream().filter(DeveloperPortal::isPortalApp).toList();
    }

    public Optional<AppView> app(Developer developer, UUID appId) {
        return apps.find(appId).filter(app -> app.teamId().equals(developer.teamId()) && isPortalApp(app));
    }

    public CreatedApp create(Developer developer, PortalApp app) {
        AppRegistration registration = toRegistration(developer, app);
        if (apps(developer).size() >= MAX_APPS_PER_TEAM) {
            throw new InvalidAppException("name", "your team has " + MAX_APPS_PER_TEAM + " apps; delete one first");
        }
        return remapped(() -> audit.inTransaction(() -> {
            CreatedApp created = apps.create(registration, REGISTERED_VIA);
            record(developer, "app.created", created.app(), Map.of());
            return created;
        }));
    }

    public Optional<AppView> update(Developer developer, UUID appId, PortalApp app) {
        Optional<AppView> existing = app(developer, appId);
        if (existing.isEmpty()) {
            return Optional.empty();
        }
        AppRegistration registration = toRegistration(developer, app);
        return remapped(() -> audit.inTransaction(() -> {
            Optional<AppView> updated = apps.update(appId, registration);
            updated.ifPresent(view -> record(developer, "app.updated", view, Map.of()));
            return updated;
        }));
    }

    public Optional<CreatedApp> rotateSecret(Developer developer, UUID appId, Duration grace) {
        if (app(developer, appId).isEmpty()) {
            return Optional.empty();
        }
        return remapped(() -> audit.inTransaction(() -> {
            Optional<CreatedApp> rotated = apps.rotateSecret(appId, grace);
            rotated.ifPresent(app -> record(developer, "app.secret_rotated", app.app(),
                    Map.of("graceSeconds", grace.toSeconds())));
            return rotated;
        }));
    }

    /** Deletes the app and, by cascade, every consent, grant and token of it. */
    public boolean delete(Developer developer, UUID appId) {
        Optional<AppView> app = app(developer, appId);
        if (app.isEmpty()) {
            return false;
        }
        return audit.inTransaction(() -> {
            boolean deleted = apps.delete(appId);
            if (deleted) {
                record(developer, "app.deleted", app.get(), Map.of());
            }
            return deleted;
        });
    }

    private void record(Developer developer, String action, AppView app, Map<String, ?> extra) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("clientId", app.clientId());
        details.put("via", "developer_portal");
        details.putAll(extra);
        audit.record(Actor.user(developer.username()), action, Outcome.SUCCESS, "app", app.id().toString(),
                developer.teamId().toString(), details);
    }

    public Optional<AppActivity> activity(Developer developer, UUID appId) {
        return app(developer, appId).map(app -> activity.activity(app.id()));
    }

    /** The scopes a developer may choose, with the words users will see. */
    public List<ScopeCatalogue.Selectable> selectableScopes() {
        return scopes.selectable();
    }

    private AppRegistration toRegistration(Developer developer, PortalApp app) {
        if (!Set.of("confidential", "public").contains(app.clientType())) {
            throw new InvalidAppException("clientType", "clientType must be confidential or public");
        }
        if (app.scopes().isEmpty()) {
            throw new InvalidAppException("scopes", "choose at least one scope");
        }
        Set<String> selectable = selectableScopes().stream().map(ScopeCatalogue.Selectable::name).collect(Collectors.toSet());
        List<String> unknown = app.scopes().stream()
                .filter(s -> s == null || !selectable.contains(s)).toList();
        if (!unknown.isEmpty()) {
            throw new InvalidAppException("scopes", "not in the product's scope catalogue: " + String.join(", ",
                    unknown.stream().map(String::valueOf).toList()));
        }
        return new AppRegistration(developer.teamId(), app.name(), app.description(), app.redirectUris(), app.scopes(),
                GRANT_TYPES, app.isPublic() ? "none" : "client_secret_basic", true, true, app.accessTokenFormat(),
                app.logoUrl(), app.homepageUrl(), null, null);
    }

    /** AppService names fields after its own model; the portal's model calls the auth method the client type. */
    private static <T> T remapped(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (InvalidAppException e) {
            if ("tokenEndpointAuthMethod".equals(e.field())) {
                throw new InvalidAppException("clientType", e.getMessage());
            }
            throw e;
        }
    }

    private static boolean isPortalApp(AppView app) {
        return REGISTERED_VIA.equals(app.registeredVia());
    }
}
