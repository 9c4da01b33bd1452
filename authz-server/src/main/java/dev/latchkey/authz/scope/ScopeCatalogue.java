package dev.latchkey.authz.scope;

import static dev.latchkey.db.Tables.OAUTH_SCOPES;

import dev.latchkey.authz.account.AccountService;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * The product's published scopes ({@code oauth_scopes}) with the words users read on consent pages. Admins define
 * them; developers may request only these, plus the OpenID Connect scopes the server implements itself.
 *
 * <p>The platform's own scopes ({@link #RESERVED}) can never be catalogued: a developer who could request
 * {@code admin} for an app would hold the admin API ({@code audit:read}: the audit trail).
 */
public final class ScopeCatalogue {

    /** Scopes that grant Latchkey's own APIs; never requestable through the portal. */
    public static final Set<String> RESERVED = Set.of("admin", "audit:read");

    /** OpenID Connect scopes (OIDC Core §5.4) the server implements; requestable without a catalogue entry. */
    public static final Map<String, String> STANDARD = orderedMap(
            "openid", "Confirm who you are",
            "profile", "See your name and username",
            "email", "See your email address");

    /** RFC 6749 §3.3 scope-token characters. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,100}");

    private final DSLContext dsl;

    public ScopeCatalogue(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A catalogued scope. */
    public record Scope(String name, String description, OffsetDateTime createdAt, OffsetDateTime updatedAt) {}

    /** A scope a developer may choose for an app, with the words users will see. */
    public record Selectable(String name, String description, boolean standard) {}

    public List<Scope> list() {
        return dsl.selectFrom(OAUTH_SCOPES).orderBy(OAUTH_SCOPES.NAME)
                .fetch(r -> new Scope(r.getName(), r.getDescription(), r.getCreatedAt(), r.getUpdatedAt()));
    }

    public Optional<Scope> find(String name) {
        if (name == null || name.length() > 100) {
            return Optional.empty();
        }
        return dsl.selectFrom(OAUTH_SCOPES).where(OAUTH_SCOPES.NAME.eq(name)).fetchOptional()
                .map(r -> new Scope(r.getName(), r.getDescription(), r.getCreatedAt(), r.getUpdatedAt()));
    }

    /** Adds a scope; a name that exists is a conflict. */
    public Scope create(String name, String description) {
        validateName(name);
        String words = validateDescription(description);
        int inserted = dsl.insertInto(OAUTH_SCOPES)
                .set(OAUTH_SCOPES.NAME, name)
                .set(OAUTH_SCOPES.DESCRIPTION, words)
                .onConflictDoNothing()
                .execute();
        if (inserted == 0) {
            throw new AccountService.DuplicateException("a scope named '" + name + "' exists");
        }
        return find(name).orElseThrow();
    }

    /** Changes a scope's words; empty when there is no such scope. */
    public Optional<Scope> update(String name, String description) {
        String words = validateDescription(description);
        if (name == null || name.length() > 100) {
            return Optional.empty();
        }
        int updated = dsl.update(OAUTH_SCOPES)
                .set(OAUTH_SCOPES.DESCRIPTION, words)
                .set(OAUTH_SCOPES.UPDATED_AT, OffsetDateTime.now())
                .where(OAUTH_SCOPES.NAME.eq(name))
                .execute();
        return updated == 0 ? Optional.empty() : find(name);
    }

    /**
     * Removes a scope from the catalogue. Apps that already hold it keep it (their users consented to it); new
     * apps and edits can no longer choose it.
     */
    public boolean delete(String name) {
        return name != null && name.length() <= 100
                && dsl.deleteFrom(OAUTH_SCOPES).where(OAUTH_SCOPES.NAME.eq(name)).execute() == 1;
    }

    /** Catalogue words for the given scopes (those not catalogued are absent), in one query. */
    public Map<String, String> descriptions(Collection<String> names) {
        List<String> wanted = names.stream().filter(n -> n != null && n.length() <= 100).distinct().toList();
        if (wanted.isEmpty()) {
            return Map.of();
        }
        return dsl.select(OAUTH_SCOPES.NAME, OAUTH_SCOPES.DESCRIPTION).from(OAUTH_SCOPES)
                .where(OAUTH_SCOPES.NAME.in(wanted))
                .fetchMap(OAUTH_SCOPES.NAME, OAUTH_SCOPES.DESCRIPTION);
    }

    /** What a developer may choose: the standard OpenID Connect scopes first, then the catalogue. */
    public List<Selectable> selectable() {
        Map<String, String> catalogued = new LinkedHashMap<>();
        list().forEach(s -> catalogued.put(s.name(), s.description()));
        List<Selectable> result = new ArrayList<>();
        STANDARD.forEach((name, words) -> result.add(new Selectable(name, catalogued.getOrDefault(name, words), true)));
        catalogued.forEach((name, words) -> {
            if (!STANDARD.containsKey(name) && !isPlatformScope(name)) {
                result.add(new Selectable(name, words, false));
            }
        });
        return result;
    }

    /**
     * Scopes that grant Latchkey's own APIs: the admin API, the audit trail and the token broker ({@code broker:*}).
     * Only operators assign them (admin API); they are never catalogued, offered to developers or self-registered.
     */
    public static boolean isPlatformScope(String name) {
        return RESERVED.contains(name) || name.startsWith("broker:");
    }

    static void validateName(String name) {
        if (name == null || !SCOPE_TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be an RFC 6749 scope token of 1 to 100 characters");
        }
        if (isPlatformScope(name)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for Latchkey's own APIs");
        }
    }

    private static String validateDescription(String description) {
        if (description == null || description.isBlank() || description.strip().length() > 300) {
            throw new IllegalArgumentException("description is required (1 to 300 characters)");
        }
        return description.strip();
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
