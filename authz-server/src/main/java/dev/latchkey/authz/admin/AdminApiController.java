package dev.latchkey.authz.admin;

import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.account.AccountService.Account;
import dev.latchkey.authz.account.AccountService.Team;
import dev.latchkey.authz.client.AppRegistration;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.client.CreatedApp;
import dev.latchkey.authz.developer.AppActivity;
import dev.latchkey.authz.developer.AppActivityService;
import dev.latchkey.authz.keys.SigningKeys;
import dev.latchkey.authz.registration.RegistrationTokens;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin REST API ({@code /admin/v1}, bearer token with scope {@code admin}): teams, users, OAuth apps, initial
 * access tokens for dynamic registration, signing-key rotation. Errors are problem+json ({@link AdminApiErrors}).
 * Secrets appear in a response body exactly once, when they are created.
 */
@RestController
@RequestMapping(path = "/admin/v1", produces = "application/json")
public class AdminApiController {

    private final AccountService accounts;
    private final AppService apps;
    private final RegistrationTokens registrationTokens;
    private final SigningKeys signingKeys;
    private final AppActivityService activity;
    private final AuditTrail audit;
    private final AdminActions actions;

    public AdminApiController(AccountService accounts, AppService apps, RegistrationTokens registrationTokens, SigningKeys signingKeys,
            AppActivityService activity, AuditTrail audit, AdminActions actions) {
        this.audit = audit;
        this.actions = actions;
        this.accounts = accounts;
        this.apps = apps;
        this.registrationTokens = registrationTokens;
        this.signingKeys = signingKeys;
        this.activity = activity;
    }

    public record NewTeam(String name) {}

    public record NewUser(UUID teamId, String username, String password, List<String> roles, String displayName, String email) {
        @Override
        public String toString() {
            return "NewUser[teamId=" + teamId + ", username=" + username + ", password=[redacted]]";
        }
    }

    public record NewRegistrationToken(UUID teamId, String description, Integer maxUses, Long expiresInSeconds) {}

    @PostMapping("/teams")
    ResponseEntity<Team> createTeam(@RequestBody NewTeam body) {
        Team team = audit.inTransaction(() -> {
            Team created = accounts.createTeam(body.name());
            record("team.created", "team", created.id(), created.id(), Map.of());
            return created;
        });
        return ResponseEntity.created(URI.create("/admin/v1/teams/" + team.id())).body(team);
    }

    @GetMapping("/teams")
    List<Team> teams() {
        return accounts.teams();
    }

    @PostMapping("/users")
    ResponseEntity<Account> createUser(@RequestBody NewUser body) {
        Account user = audit.inTransaction(() -> {
            Account created = accounts.createUser(body.teamId(), body.username(), body.password(),
                    body.roles() == null ? List.of("user") : body.roles(), body.displayName(), body.email());
            record("user.created", "user", created.id(), created.teamId(),
                    Map.of("username", created.username(), "roles", created.roles()));
            return created;
        });
        return ResponseEntity.created(URI.create("/admin/v1/users/" + user.id())).body(user);
    }

    @GetMapping("/users")
    List<Account> users(@RequestParam(required = false) UUID teamId) {
        return accounts.users(teamId);
    }

    @PostMapping("/apps")
    ResponseEntity<CreatedApp> createApp(@RequestBody AppRegistration body) {
        requireTeam(body.teamId());
        CreatedApp created = audit.inTransaction(() -> {
            CreatedApp app = apps.create(body, "admin");
            record("app.created", "app", app.app().id(), app.app().teamId(), Map.of("clientId", app.app().clientId()));
            return app;
        });
        return ResponseEntity.created(URI.create("/admin/v1/apps/" + created.app().id())).body(created);
    }

    @GetMapping("/apps")
    List<AppView> apps(@RequestParam(required = false) UUID teamId) {
        return apps.list(teamId);
    }

    @GetMapping("/apps/{id}")
    AppView app(@PathVariable UUID id) {
        return apps.find(id).orElseThrow(() -> new NotFoundException("app"));
    }

    @PutMapping("/apps/{id}")
    AppView updateApp(@PathVariable UUID id, @RequestBody AppRegistration body) {
        requireTeam(body.teamId());
        return audit.inTransaction(() -> {
            AppView app = apps.update(id, body).orElseThrow(() -> new NotFoundException("app"));
            record("app.updated", "app", app.id(), app.teamId(), Map.of("clientId", app.clientId()));
            return app;
        });
    }

    /** Body of a rotation; {@code graceSeconds} (default 0) keeps the old secret working that long. */
    public record RotateSecret(Long graceSeconds) {}

    @PostMapping("/apps/{id}/secret")
    CreatedApp rotateSecret(@PathVariable UUID id, @RequestBody(required = false) RotateSecret body) {
        long grace = body == null || body.graceSeconds() == null ? 0 : body.graceSeconds();
        return audit.inTransaction(() -> {
            CreatedApp app = apps.rotateSecret(id, Duration.ofSeconds(grace)).orElseThrow(() -> new NotFoundException("app"));
            record("app.secret_rotated", "app", app.app().id(), app.app().teamId(),
                    Map.of("clientId", app.app().clientId(), "graceSeconds", grace));
            return app;
        });
    }

    @PostMapping("/apps/{id}/publish")
    Map<String, Object> publish(@PathVariable UUID id) {
        actions.setPublished(id, true).orElseThrow(() -> new NotFoundException("app"));
        return Map.of("id", id, "published", true);
    }

    /** Back to private: new authorizations only from the app's team (existing grants are not revoked). */
    @PostMapping("/apps/{id}/unpublish")
    Map<String, Object> unpublish(@PathVariable UUID id) {
        actions.setPublished(id, false).orElseThrow(() -> new NotFoundException("app"));
        return Map.of("id", id, "published", false);
    }

    @GetMapping("/apps/{id}/activity")
    AppActivity activity(@PathVariable UUID id) {
        apps.find(id).orElseThrow(() -> new NotFoundException("app"));
        return activity.activity(id);
    }

    @DeleteMapping("/apps/{id}")
    ResponseEntity<Void> deleteApp(@PathVariable UUID id) {
        audit.inTransaction(() -> {
            if (!apps.delete(id)) {
                throw new NotFoundException("app");
            }
            record("app.deleted", "app", id, null, Map.of());
            return null;
        });
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/registration-tokens")
    ResponseEntity<RegistrationTokens.Issued> createRegistrationToken(@RequestBody NewRegistrationToken body) {
        requireTeam(body.teamId());
        RegistrationTokens.Issued issued = audit.inTransaction(() -> {
            RegistrationTokens.Issued token = registrationTokens.issue(body.teamId(), body.description(),
                    body.maxUses() == null ? 1 : body.maxUses(),
                    body.expiresInSeconds() == null ? 86_400 : body.expiresInSeconds());
            // The token id only, never the token.
            record("registration_token.issued", "registration_token", token.id(), token.teamId(),
                    Map.of("maxUses", token.maxUses(), "expiresAt", token.expiresAt().toString()));
            return token;
        });
        return ResponseEntity.status(201).body(issued);
    }

    @PostMapping("/signing-keys/rotate")
    Map<String, String> rotateSigningKey() {
        String kid = audit.inTransaction(() -> {
            String rotated = signingKeys.rotate();
            audit.record(AuditTrail.currentAdmin(), "signing_key.rotated", Outcome.SUCCESS, "signing_key", rotated, null, Map.of());
            return rotated;
        });
        return Map.of("kid", kid);
    }

    @GetMapping("/signing-keys")
    Map<String, Object> signingKeys() {
        return signingKeys.keys().toPublicJWKSet().toJSONObject();
    }

    private void record(String action, String targetType, UUID targetId, UUID tenant, Map<String, ?> details) {
        audit.record(AuditTrail.currentAdmin(), action, Outcome.SUCCESS, targetType, targetId.toString(),
                tenant == null ? null : tenant.toString(), details);
    }

    private void requireTeam(UUID teamId) {
        if (teamId != null && !accounts.teamExists(teamId)) {
            throw new IllegalArgumentException("teamId does not name a team");
        }
    }

    /** A named resource does not exist. */
    public static final class NotFoundException extends RuntimeException {
        public NotFoundException(String what) {
            super(what + " not found");
        }
    }
}
