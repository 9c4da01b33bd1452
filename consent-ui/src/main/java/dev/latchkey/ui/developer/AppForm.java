package dev.latchkey.ui.developer;

import dev.latchkey.authz.client.AppView;
import dev.latchkey.authz.developer.PortalApp;
import java.util.Arrays;
import java.util.List;

/**
 * The app form as posted by the browser: redirect URIs arrive as one text area (one URI a line), scopes as
 * checkboxes. Strings only, so binding itself can never fail; {@link dev.latchkey.authz.developer.DeveloperPortal}
 * validates.
 */
public record AppForm(
        String name,
        String description,
        String homepageUrl,
        String logoUrl,
        String redirectUris,
        List<String> scopes,
        String clientType,
        String tokenFormat) {

    public AppForm {
        scopes = scopes == null ? List.of() : List.copyOf(scopes.stream().filter(s -> s != null).toList());
        clientType = clientType == null ? "confidential" : clientType;
        tokenFormat = tokenFormat == null ? "opaque" : tokenFormat;
    }

    static AppForm empty() {
        return new AppForm("", "", "", "", "", List.of("openid"), "confidential", "opaque");
    }

    static AppForm of(AppView app) {
        return new AppForm(app.name(), app.description(), app.homepageUrl(), app.logoUrl(),
                String.join("\n", app.redirectUris()), app.scopes(), app.confidential() ? "confidential" : "public",
                app.accessTokenFormat());
    }

    /** The same form with the client type fixed (it cannot change after creation). */
    AppForm withClientType(String type) {
        return new AppForm(name, description, homepageUrl, logoUrl, redirectUris, scopes, type, tokenFormat);
    }

    PortalApp toPortalApp() {
        List<String> uris = redirectUris == null ? List.of()
                : Arrays.stream(redirectUris.split("\\R")).map(String::strip).filter(u -> !u.isEmpty()).toList();
        return new PortalApp(name, description, homepageUrl, logoUrl, uris, scopes, clientType, tokenFormat);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }
}
