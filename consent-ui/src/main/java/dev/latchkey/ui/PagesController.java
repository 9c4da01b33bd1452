package dev.latchkey.ui;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.authorization.JooqOAuth2AuthorizationConsentService;
import dev.latchkey.authz.client.AppSettings;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Server-rendered pages; they only translate HTTP to the authz-server's services and back. */
@Controller
@EnableConfigurationProperties(ScopeDescriptions.class)
public class PagesController {

    private final RegisteredClientRepository clients;
    private final JooqOAuth2AuthorizationConsentService consents;
    private final ScopeWords scopes;
    private final AuditTrail audit;

    public PagesController(RegisteredClientRepository clients, JooqOAuth2AuthorizationConsentService consents, ScopeWords scopes,
            AuditTrail audit) {
        this.audit = audit;
        this.clients = clients;
        this.consents = consents;
        this.scopes = scopes;
    }

    public record ScopeView(String name, String description) {}

    @GetMapping("/login")
    String login() {
        return "login";
    }

    @GetMapping("/")
    String home() {
        return "redirect:/account/apps";
    }

    @GetMapping("/oauth2/consent")
    String consent(Principal principal, Model model,
            @RequestParam(name = "client_id", required = false) String clientId,
            @RequestParam(name = "scope", required = false, defaultValue = "") String scope,
            @RequestParam(name = "state", required = false) String state) {
        RegisteredClient client = clientId == null ? null : clients.findByClientId(clientId);
        if (client == null || state == null || state.isBlank()) {
            model.addAttribute("status", 400);
            model.addAttribute("error", "invalid_request");
            model.addAttribute("message", "This authorization request is not valid. Return to the app and try again.");
            return "error";
        }
        OAuth2AuthorizationConsent previous = consents.findById(client.getId(), principal.getName());
        Set<String> granted = previous == null ? Set.of() : previous.getScopes();
        List<ScopeView> toApprove = new ArrayList<>();
        List<ScopeView> alreadyGranted = new ArrayList<>();
        Set<String> requestedScopes = new LinkedHashSet<>(List.of(scope.trim().split(" +")));
        requestedScopes.removeIf(requested -> requested.isEmpty() || OidcScopes.OPENID.equals(requested));
        scopes.describe(requestedScopes).forEach((requested, words) ->
                (granted.contains(requested) ? alreadyGranted : toApprove).add(new ScopeView(requested, words)));
        model.addAttribute("clientId", clientId);
        model.addAttribute("state", state);
        model.addAttribute("appName", client.getClientName());
        model.addAttribute("appInitial", client.getClientName().substring(0, 1).toUpperCase());
        model.addAttribute("homepage", client.getClientSettings().getSetting(AppSettings.HOMEPAGE_URL));
        model.addAttribute("description", client.getClientSettings().getSetting(AppSettings.DESCRIPTION));
        model.addAttribute("verified", Boolean.TRUE.equals(client.getClientSettings().getSetting(AppSettings.PUBLISHED)));
        model.addAttribute("scopes", toApprove);
        model.addAttribute("grantedScopes", alreadyGranted);
        model.addAttribute("username", principal.getName());
        return "consent";
    }

    @GetMapping("/account/apps")
    String connectedApps(Principal principal, Model model) {
        model.addAttribute("apps", consents.connectedApps(principal.getName()));
        model.addAttribute("username", principal.getName());
        return "connected-apps";
    }

    @PostMapping("/account/apps/{appId}/revoke")
    String revoke(Principal principal, @PathVariable UUID appId, RedirectAttributes redirect) {
        boolean revoked = audit.inTransaction(() -> {
            boolean changed = consents.revoke(appId, principal.getName());
            if (changed) {
                audit.record(Actor.user(principal.getName()), "consent.revoked", Outcome.SUCCESS, "app", appId.toString(), null,
                        java.util.Map.of("via", "connected_apps"));
            }
            return changed;
        });
        redirect.addFlashAttribute("notice", revoked ? "Access revoked. The app's tokens no longer work." : "Nothing to revoke.");
        return "redirect:/account/apps";
    }
}
