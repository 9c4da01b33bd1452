package dev.latchkey.ui.developer;

import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.client.CreatedApp;
import dev.latchkey.authz.client.InvalidAppException;
import dev.latchkey.authz.developer.Developer;
import dev.latchkey.authz.developer.DeveloperPortal;
import dev.latchkey.authz.developer.DeveloperTokens;
import dev.latchkey.authz.scope.ScopeCatalogue;
import dev.latchkey.ui.UiSecurityConfiguration;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The developer portal's pages ({@code /developer}): apps of the developer's team, registration, editing, secret
 * rotation, activity, deletion, and personal API tokens. Pages only translate HTTP; the rules live in
 * {@link DeveloperPortal}. A client secret or API token is rendered only in the response to the POST that created
 * it, never stored in the session and never on any later page. Invalid input re-renders the form with the error
 * next to its field (status 400); an unknown or foreign id is a 404 page.
 */
@Controller
public class DeveloperPagesController {

    /** Grace periods offered for a rotation, in seconds, with their labels. */
    static final Map<Long, String> GRACE_CHOICES = orderedChoices();
    /** Lifetimes offered for an API token, in days. */
    static final List<Integer> TOKEN_DAYS = List.of(7, 30, 90, 365);

    private final DeveloperPortal portal;
    private final DeveloperTokens tokens;

    public DeveloperPagesController(DeveloperPortal portal, DeveloperTokens tokens) {
        this.portal = portal;
        this.tokens = tokens;
    }

    @GetMapping("/developer")
    String apps(Principal principal, Model model) {
        Developer developer = developer(principal);
        model.addAttribute("username", developer.username());
        model.addAttribute("apps", portal.apps(developer));
        return "developer/apps";
    }

    @GetMapping("/developer/apps/new")
    String newApp(Principal principal, Model model) {
        return form(model, developer(principal), AppForm.empty(), Map.of(), null);
    }

    @PostMapping("/developer/apps")
    String create(Principal principal, @ModelAttribute("form") AppForm form, Model model, HttpServletResponse response) {
        Developer developer = developer(principal);
        CreatedApp created;
        try {
            created = portal.create(developer, form.toPortalApp());
        } catch (InvalidAppException e) {
            response.setStatus(400);
            return form(model, developer, form, Map.of(formField(e.field()), e.getMessage()), null);
        }
        return secretPage(model, response, developer, created, false);
    }

    @GetMapping("/developer/apps/{id}")
    String app(Principal principal, @PathVariable UUID id, Model model) {
        Developer developer = developer(principal);
        return appPage(model, developer, app(developer, id), Map.of());
    }

    @GetMapping("/developer/apps/{id}/edit")
    String edit(Principal principal, @PathVariable UUID id, Model model) {
        Developer developer = developer(principal);
        AppView app = app(developer, id);
        return form(model, developer, AppForm.of(app), Map.of(), app);
    }

    @PostMapping("/developer/apps/{id}")
    String update(Principal principal, @PathVariable UUID id, @ModelAttribute("form") AppForm posted, Model model,
            HttpServletResponse response, RedirectAttributes redirect) {
        Developer developer = developer(principal);
        AppView app = app(developer, id);
        AppForm form = posted.withClientType(app.confidential() ? "confidential" : "public");
        try {
            portal.update(developer, id, form.toPortalApp()).orElseThrow(NotFoundException::new);
        } catch (InvalidAppException e) {
            response.setStatus(400);
            return form(model, developer, form, Map.of(formField(e.field()), e.getMessage()), app);
        }
        redirect.addFlashAttribute("notice", "Changes saved.");
        return "redirect:/developer/apps/" + id;
    }

    @PostMapping("/developer/apps/{id}/secret")
    String rotate(Principal principal, @PathVariable UUID id, @RequestParam(required = false) String graceSeconds,
            Model model, HttpServletResponse response) {
        Developer developer = developer(principal);
        AppView app = app(developer, id);
        Optional<Long> grace = parseLong(graceSeconds);
        try {
            if (grace.isEmpty()) {
                throw new InvalidAppException("graceSeconds", "choose a grace period");
            }
            CreatedApp rotated = portal.rotateSecret(developer, id, Duration.ofSeconds(grace.get()))
                    .orElseThrow(NotFoundException::new);
            return secretPage(model, response, developer, rotated, true);
        } catch (InvalidAppException e) {
            response.setStatus(400);
            return appPage(model, developer, app, Map.of(e.field(), e.getMessage()));
        }
    }

    @GetMapping("/developer/apps/{id}/activity")
    String activity(Principal principal, @PathVariable UUID id, Model model) {
        Developer developer = developer(principal);
        AppView app = app(developer, id);
        model.addAttribute("username", developer.username());
        model.addAttribute("app", app);
        model.addAttribute("activity", portal.activity(developer, id).orElseThrow(NotFoundException::new));
        return "developer/activity";
    }

    @GetMapping("/developer/apps/{id}/delete")
    String confirmDelete(Principal principal, @PathVariable UUID id, Model model) {
        Developer developer = developer(principal);
        return deletePage(model, developer, app(developer, id), null);
    }

    @PostMapping("/developer/apps/{id}/delete")
    String delete(Principal principal, @PathVariable UUID id, @RequestParam(required = false) String confirmName,
            Model model, HttpServletResponse response, RedirectAttributes redirect) {
        Developer developer = developer(principal);
        AppView app = app(developer, id);
        if (confirmName == null || !confirmName.strip().equals(app.name())) {
            response.setStatus(400);
            return deletePage(model, developer, app, "Type the app's name exactly as shown to confirm.");
        }
        portal.delete(developer, id);
        redirect.addFlashAttribute("notice", "Deleted " + app.name() + ". Every token issued to it has been revoked.");
        return "redirect:/developer";
    }

    @GetMapping("/developer/tokens")
    String tokens(Principal principal, Model model) {
        return tokensPage(model, developer(principal), null, Map.of());
    }

    @PostMapping("/developer/tokens")
    String createToken(Principal principal, @RequestParam(required = false) String name,
            @RequestParam(required = false) String days, Model model, HttpServletResponse response) {
        Developer developer = developer(principal);
        Optional<Long> lifetime = parseLong(days);
        try {
            if (lifetime.isEmpty() || lifetime.get() > Integer.MAX_VALUE) {
                throw new DeveloperTokens.InvalidTokenRequestException("days", "choose how long the token lasts");
            }
            DeveloperTokens.Issued issued = tokens.issue(developer, name, lifetime.get().intValue());
            allowCopyScript(response);
            model.addAttribute("username", developer.username());
            model.addAttribute("issued", issued);
            return "developer/token-created";
        } catch (DeveloperTokens.InvalidTokenRequestException e) {
            response.setStatus(400);
            return tokensPage(model, developer, name, Map.of(e.field(), e.getMessage()));
        }
    }

    @PostMapping("/developer/tokens/{id}/revoke")
    String revokeToken(Principal principal, @PathVariable UUID id, RedirectAttributes redirect) {
        boolean revoked = tokens.revoke(developer(principal), id);
        redirect.addFlashAttribute("notice", revoked ? "Token revoked. It no longer works." : "Nothing to revoke.");
        return "redirect:/developer/tokens";
    }

    private String form(Model model, Developer developer, AppForm form, Map<String, String> errors, AppView app) {
        model.addAttribute("username", developer.username());
        model.addAttribute("form", form);
        model.addAttribute("errors", errors);
        model.addAttribute("app", app);
        model.addAttribute("creating", app == null);
        model.addAttribute("scopes", portal.selectableScopes());
        return "developer/app-form";
    }

    private String appPage(Model model, Developer developer, AppView app, Map<String, String> errors) {
        Map<String, String> words = new LinkedHashMap<>();
        List<ScopeCatalogue.Selectable> selectable = portal.selectableScopes();
        app.scopes().forEach(scope -> words.put(scope, selectable.stream().filter(s -> s.name().equals(scope))
                .map(ScopeCatalogue.Selectable::description).findFirst().orElse("(no longer in the catalogue)")));
        model.addAttribute("username", developer.username());
        model.addAttribute("app", app);
        model.addAttribute("scopeWords", words);
        model.addAttribute("errors", errors);
        model.addAttribute("graceChoices", GRACE_CHOICES);
        return "developer/app";
    }

    private String secretPage(Model model, HttpServletResponse response, Developer developer, CreatedApp created, boolean rotated) {
        if (created.clientSecret() != null) {
            allowCopyScript(response);
        }
        model.addAttribute("username", developer.username());
        model.addAttribute("app", created.app());
        model.addAttribute("secret", created.clientSecret());
        model.addAttribute("rotated", rotated);
        return "developer/secret";
    }

    private String deletePage(Model model, Developer developer, AppView app, String error) {
        model.addAttribute("username", developer.username());
        model.addAttribute("app", app);
        model.addAttribute("error", error);
        return "developer/delete";
    }

    private String tokensPage(Model model, Developer developer, String name, Map<String, String> errors) {
        model.addAttribute("username", developer.username());
        model.addAttribute("tokens", tokens.list(developer));
        model.addAttribute("errors", errors);
        model.addAttribute("name", name == null ? "" : name);
        model.addAttribute("tokenDays", TOKEN_DAYS);
        return "developer/tokens";
    }

    /**
     * The one-time secret pages may load one same-origin script (the copy button); every other page keeps the
     * script-free policy. The page works without it: the secret sits in a read-only field the user can select.
     */
    private static void allowCopyScript(HttpServletResponse response) {
        response.setHeader("Content-Security-Policy", UiSecurityConfiguration.CONTENT_SECURITY_POLICY + "; script-src 'self'");
    }

    private Developer developer(Principal principal) {
        return portal.developer(principal.getName()).orElseThrow(NotADeveloperException::new);
    }

    private AppView app(Developer developer, UUID id) {
        return portal.app(developer, id).orElseThrow(NotFoundException::new);
    }

    /** Maps a validation failure's field to the form control that shows it. */
    static String formField(String field) {
        return switch (field) {
            case "name", "description", "homepageUrl", "logoUrl", "redirectUris", "scopes", "clientType" -> field;
            case "accessTokenFormat" -> "tokenFormat";
            default -> "form";
        };
    }

    private static Optional<Long> parseLong(String value) {
        try {
            return value == null ? Optional.empty() : Optional.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Map<Long, String> orderedChoices() {
        Map<Long, String> choices = new LinkedHashMap<>();
        choices.put(0L, "None: the old secret stops working now");
        choices.put(3_600L, "1 hour");
        choices.put(86_400L, "24 hours");
        choices.put(AppService.MAX_GRACE.toSeconds(), "7 days");
        return java.util.Collections.unmodifiableMap(choices);
    }

    /** An app id that is unknown or belongs to another team. */
    static final class NotFoundException extends RuntimeException {
        NotFoundException() {
            super("not found");
        }
    }

    /** The user lost the developer role after signing in. */
    static final class NotADeveloperException extends RuntimeException {
        NotADeveloperException() {
            super("developer role required");
        }
    }
}
