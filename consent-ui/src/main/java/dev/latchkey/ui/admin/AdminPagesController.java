package dev.latchkey.ui.admin;

import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.admin.AdminActions;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.scope.ScopeCatalogue;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Admin pages ({@code /admin}, role {@code admin}): review and publish apps, and keep the scope catalogue. The same
 * operations exist in the admin API ({@code /admin/v1}); these pages only translate HTTP, and changes go through
 * {@link AdminActions}, which audits each in its transaction exactly as the API does.
 */
@Controller
public class AdminPagesController {

    private final AppService apps;
    private final AccountService accounts;
    private final ScopeCatalogue scopes;
    private final AdminActions actions;

    public AdminPagesController(AppService apps, AccountService accounts, ScopeCatalogue scopes, AdminActions actions) {
        this.apps = apps;
        this.accounts = accounts;
        this.scopes = scopes;
        this.actions = actions;
    }

    /** An app as an admin reviews it, with its team's name. */
    public record AppRow(AppView app, String teamName) {}

    @GetMapping("/admin")
    String home() {
        return "redirect:/admin/apps";
    }

    @GetMapping("/admin/apps")
    String apps(Principal principal, Model model) {
        Map<UUID, String> teams = accounts.teams().stream()
                .collect(Collectors.toMap(AccountService.Team::id, AccountService.Team::name));
        List<AppRow> rows = apps.list(null).stream()
                .filter(app -> !"bootstrap".equals(app.registeredVia()))
                .sorted(Comparator.comparing(AppView::published).thenComparing(AppView::createdAt, Comparator.reverseOrder()))
                .map(app -> new AppRow(app, teams.getOrDefault(app.teamId(), "?")))
                .toList();
        model.addAttribute("username", principal.getName());
        model.addAttribute("rows", rows);
        return "admin/apps";
    }

    @PostMapping("/admin/apps/{id}/publish")
    String publish(@PathVariable UUID id, RedirectAttributes redirect) {
        return setPublished(id, true, redirect);
    }

    @PostMapping("/admin/apps/{id}/unpublish")
    String unpublish(@PathVariable UUID id, RedirectAttributes redirect) {
        return setPublished(id, false, redirect);
    }

    @GetMapping("/admin/scopes")
    String scopes(Principal principal, Model model) {
        return scopesPage(principal, model, "", "", Map.of());
    }

    @PostMapping("/admin/scopes")
    String createScope(Principal principal, @RequestParam(required = false) String name,
            @RequestParam(required = false) String description, Model model, HttpServletResponse response,
            RedirectAttributes redirect) {
        try {
            actions.createScope(name == null ? null : name.strip(), description);
        } catch (IllegalArgumentException | AccountService.DuplicateException e) {
            response.setStatus(400);
            String field = e.getMessage() != null && e.getMessage().startsWith("description") ? "description" : "name";
            return scopesPage(principal, model, name, description, Map.of(field, e.getMessage()));
        }
        redirect.addFlashAttribute("notice", "Scope " + name.strip() + " added.");
        return "redirect:/admin/scopes";
    }

    @PostMapping("/admin/scopes/update")
    String updateScope(Principal principal, @RequestParam(required = false) String name,
            @RequestParam(required = false) String description, Model model, HttpServletResponse response,
            RedirectAttributes redirect) {
        try {
            if (actions.updateScope(name, description).isEmpty()) {
                redirect.addFlashAttribute("notice", "That scope no longer exists.");
                return "redirect:/admin/scopes";
            }
        } catch (IllegalArgumentException e) {
            response.setStatus(400);
            return scopesPage(principal, model, "", "", Map.of("edit:" + name, e.getMessage()));
        }
        redirect.addFlashAttribute("notice", "Scope " + name + " updated.");
        return "redirect:/admin/scopes";
    }

    @PostMapping("/admin/scopes/delete")
    String deleteScope(@RequestParam(required = false) String name, RedirectAttributes redirect) {
        boolean deleted = actions.deleteScope(name);
        redirect.addFlashAttribute("notice", deleted ? "Scope " + name + " removed from the catalogue." : "Nothing to remove.");
        return "redirect:/admin/scopes";
    }

    private String setPublished(UUID id, boolean published, RedirectAttributes redirect) {
        String notice = actions.setPublished(id, published).map(AppView::name)
                .map(name -> published ? name + " is published: any user can authorize it." : name + " is private to its team again.")
                .orElse("That app no longer exists.");
        redirect.addFlashAttribute("notice", notice);
        return "redirect:/admin/apps";
    }

    private String scopesPage(Principal principal, Model model, String name, String description, Map<String, String> errors) {
        model.addAttribute("username", principal.getName());
        model.addAttribute("scopes", scopes.list());
        model.addAttribute("name", name == null ? "" : name);
        model.addAttribute("description", description == null ? "" : description);
        model.addAttribute("errors", errors);
        model.addAttribute("standard", ScopeCatalogue.STANDARD.keySet());
        return "admin/scopes";
    }
}
