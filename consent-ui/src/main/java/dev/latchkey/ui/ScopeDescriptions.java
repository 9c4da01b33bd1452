package dev.latchkey.ui;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Human descriptions of the product's scopes ({@code latchkey.scopes.descriptions.<scope>}), shown on consent pages.
 * A scope without one is shown by name, so nothing is hidden from the user.
 */
@ConfigurationProperties("latchkey.scopes")
public record ScopeDescriptions(Map<String, String> descriptions) {

    private static final Map<String, String> DEFAULTS = Map.of(
            "openid", "Confirm who you are",
            "profile", "See your name and username",
            "email", "See your email address",
            "offline_access", "Keep access while you are not using the app");

    public ScopeDescriptions {
        Map<String, String> merged = new LinkedHashMap<>(DEFAULTS);
        if (descriptions != null) {
            merged.putAll(descriptions);
        }
        descriptions = Map.copyOf(merged);
    }

    public String describe(String scope) {
        return descriptions.getOrDefault(scope, "Access: " + scope);
    }
}
