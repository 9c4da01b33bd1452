package dev.latchkey.authz.admin;

import dev.latchkey.authz.scope.ScopeCatalogue;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The product's scope catalogue ({@code /admin/v1/scopes}, scope {@code admin}): the scopes developers may request
 * and the words users see on consent pages. Changes are audited ({@link AdminActions}). Errors are problem+json
 * ({@link AdminApiErrors}).
 */
@RestController
@RequestMapping(path = "/admin/v1/scopes", produces = "application/json")
public class ScopeAdminController {

    private final ScopeCatalogue scopes;
    private final AdminActions actions;

    public ScopeAdminController(ScopeCatalogue scopes, AdminActions actions) {
        this.scopes = scopes;
        this.actions = actions;
    }

    public record NewScope(String name, String description) {}

    public record ScopeWords(String description) {}

    @GetMapping
    List<ScopeCatalogue.Scope> list() {
        return scopes.list();
    }

    @PostMapping
    ResponseEntity<ScopeCatalogue.Scope> create(@RequestBody NewScope body) {
        ScopeCatalogue.Scope scope = actions.createScope(body.name(), body.description());
        return ResponseEntity.created(URI.create("/admin/v1/scopes/" + scope.name())).body(scope);
    }

    @GetMapping("/{name}")
    ScopeCatalogue.Scope scope(@PathVariable String name) {
        return scopes.find(name).orElseThrow(() -> new AdminApiController.NotFoundException("scope"));
    }

    @PutMapping("/{name}")
    ScopeCatalogue.Scope update(@PathVariable String name, @RequestBody ScopeWords body) {
        return actions.updateScope(name, body.description()).orElseThrow(() -> new AdminApiController.NotFoundException("scope"));
    }

    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String name) {
        if (!actions.deleteScope(name)) {
            throw new AdminApiController.NotFoundException("scope");
        }
        return ResponseEntity.noContent().build();
    }
}
