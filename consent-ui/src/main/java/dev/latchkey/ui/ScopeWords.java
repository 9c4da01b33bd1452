package dev.latchkey.ui;

import dev.latchkey.authz.scope.ScopeCatalogue;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The words shown for a scope: the admin-defined {@link ScopeCatalogue} first, then the configured
 * {@code latchkey.scopes.descriptions.*} and built-in defaults ({@link ScopeDescriptions}), then the bare name.
 */
@Component
public final class ScopeWords {

    private final ScopeCatalogue catalogue;
    private final ScopeDescriptions fallback;

    public ScopeWords(ScopeCatalogue catalogue, ScopeDescriptions fallback) {
        this.catalogue = catalogue;
        this.fallback = fallback;
    }

    /** Words for each scope, in the order given, with one catalogue query. */
    public Map<String, String> describe(Collection<String> scopes) {
        Map<String, String> catalogued = catalogue.descriptions(scopes);
        Map<String, String> words = new LinkedHashMap<>();
        for (String scope : scopes) {
            words.put(scope, catalogued.getOrDefault(scope, fallback.describe(scope)));
        }
        return words;
    }
}
