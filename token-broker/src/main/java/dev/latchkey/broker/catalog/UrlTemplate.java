package dev.latchkey.broker.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A URL with {@code {name}} placeholders, e.g. {@code https://{shop}.myshopify.com/admin/oauth/access_token}.
 * Placeholder values are inserted verbatim: callers validate them first ({@link Provider#resolveUrls}), and the
 * reserved revocation placeholders are percent-encoded by {@link TokenRequests}.
 */
public final class UrlTemplate {

    /** Placeholders that only a revocation URL may use; filled per request, never from connection parameters. */
    public static final Set<String> RESERVED = Set.of("token", "clientId");

    private final String template;
    private final List<Object> parts;
    private final Set<String> placeholders;

    private UrlTemplate(String template, List<Object> parts, Set<String> placeholders) {
        this.template = template;
        this.parts = parts;
        this.placeholders = placeholders;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException on an unbalanced brace or an empty or malformed placeholder name
     */
    public static UrlTemplate parse(String template) {
        Objects.requireNonNull(template, "template");
        List<Object> parts = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException("unbalanced '}' at offset " + i);
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int close = template.indexOf('}', i);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' at offset " + i);
            }
            String name = template.substring(i + 1, close);
            if (!name.matches("[a-zA-Z][a-zA-Z0-9_]{0,39}")) {
                throw new IllegalArgumentException("malformed placeholder '{" + name + "}'");
            }
            if (!literal.isEmpty()) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(new Placeholder(name));
            names.add(name);
            i = close + 1;
        }
        if (!literal.isEmpty()) {
            parts.add(literal.toString());
        }
        return new UrlTemplate(template, List.copyOf(parts), Collections.unmodifiableSet(names));
    }

    /** The template text as written in the catalog. */
    public String template() {
        return template;
    }

    /** Placeholder names in order of first appearance. */
    public Set<String> placeholders() {
        return placeholders;
    }

    /** The authority part (host and port) of the template, placeholders included. */
    String authorityTemplate() {
        int start = template.indexOf("://");
        if (start < 0) {
            return "";
        }
        start += 3;
        int end = start;
        while (end < template.length() && "/?#".indexOf(template.charAt(end)) < 0) {
            end++;
        }
        return template.substring(start, end);
    }

    /** Substitutes every placeholder; values are inserted as given. */
    String expand(Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        for (Object part : parts) {
            if (part instanceof Placeholder(String name)) {
                String value = values.get(name);
                if (value == null) {
                    throw new IllegalArgumentException("no value for {" + name + "}");
                }
                out.append(value);
            } else {
                out.append((String) part);
            }
        }
        return out.toString();
    }

    /** Expands and parses as a URI. */
    URI expandToUri(Map<String, String> values) {
        try {
            return new URI(expand(values));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URI after expansion: " + e.getReason());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof UrlTemplate that && template.equals(that.template);
    }

    @Override
    public int hashCode() {
        return template.hashCode();
    }

    @Override
    public String toString() {
        return template;
    }

    private record Placeholder(String name) {
    }
}
