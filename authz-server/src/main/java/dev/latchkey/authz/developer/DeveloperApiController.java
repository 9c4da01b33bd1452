package dev.latchkey.authz.developer;

import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.client.CreatedApp;
import dev.latchkey.authz.scope.ScopeCatalogue;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Developer REST API ({@code /developer/v1}, bearer personal API token): everything the portal pages do, for the
 * signed-in developer's team. Errors are problem+json ({@link DeveloperApiErrors}); another team's app is 404.
 * A client secret appears in a response exactly once, at creation or rotation. Tokens are created only in the
 * portal (after a password sign-in), so a leaked token cannot mint longer-lived ones; they can be listed and revoked.
 */
@RestController
@RequestMapping(path = "/developer/v1", produces = "application/json")
public class DeveloperApiController {

    private final DeveloperPortal portal;
    private final DeveloperTokens tokens;

    public DeveloperApiController(DeveloperPortal portal, DeveloperTokens tokens) {
        this.portal = portal;
        this.tokens = tokens;
    }

    /** Body of a rotation; {@code graceSeconds} (default 0) keeps the old secret working that long. */
    public record RotateSecret(Long graceSeconds) {}

    @GetMapping("/me")
    Map<String, Object> me(Authentication authentication) {
        Developer developer = developer(authentication);
        return Map.of("username", developer.username(), "teamId", developer.teamId());
    }

    @GetMapping("/scopes")
    List<ScopeCatalogue.Selectable> scopes(Authentication authentication) {
        developer(authentication);
        return portal.selectableScopes();
    }

    @GetMapping("/apps")
    List<AppView> apps(Authentication authentication) {
        return portal.apps(developer(authentication));
    }

    @PostMapping("/apps")
    ResponseEntity<CreatedApp> create(Authentication authentication, @RequestBody PortalApp body) {
        CreatedApp created = portal.create(developer(authentication), body);
        return ResponseEntity.created(URI.create("/developer/v1/apps/" + created.app().id())).body(created);
    }

    @GetMapping("/apps/{id}")
    AppView app(Authentication authentication, @PathVariable UUID id) {
        return portal.app(developer(authentication), id).orElseThrow(() -> new NotFoundException("app"));
    }

    @PutMapping("/apps/{id}")
    AppView update(Authentication authentication, @PathVariable UUID id, @RequestBody PortalApp body) {
        return portal.update(developer(authentication), id, body).orElseThrow(() -> new NotFoundException("app"));
    }

    @DeleteMapping("/apps/{id}")
    ResponseEntity<Void> delete(Authentication authentication, @PathVariable UUID id) {
        if (!portal.delete(developer(authentication), id)) {
            throw new NotFoundException("app");
        }
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/apps/{id}/secret")
    CreatedApp rotateSecret(Authentication authentication, @PathVariable UUID id,
            @RequestBody(required = false) RotateSecret body) {
        long grace = body == null || body.graceSeconds() == null ? 0 : body.graceSeconds();
        return portal.rotateSecret(developer(authentication), id, Duration.ofSeconds(grace))
                .orElseThrow(() -> new NotFoundException("app"));
    }

    @GetMapping("/apps/{id}/activity")
    AppActivity activity(Authentication authentication, @PathVariable UUID id) {
        return portal.activity(developer(authentication), id).orElseThrow(() -> new NotFoundException("app"));
    }

    @GetMapping("/tokens")
    List<DeveloperTokens.TokenView> tokens(Authentication authentication) {
        return tokens.list(developer(authentication));
    }

    @DeleteMapping("/tokens/{id}")
    ResponseEntity<Void> revokeToken(Authentication authentication, @PathVariable UUID id) {
        if (!tokens.revoke(developer(authentication), id)) {
            throw new NotFoundException("token");
        }
        return ResponseEntity.noContent().build();
    }

    private Developer developer(Authentication authentication) {
        return portal.developer(authentication.getName()).orElseThrow(NotADeveloperException::new);
    }

    /** A named resource does not exist (or belongs to another team). */
    static final class NotFoundException extends RuntimeException {
        NotFoundException(String what) {
            super(what + " not found");
        }
    }

    /** The caller lost the developer role after authenticating. */
    static final class NotADeveloperException extends RuntimeException {
        NotADeveloperException() {
            super("the developer role is required");
        }
    }
}
