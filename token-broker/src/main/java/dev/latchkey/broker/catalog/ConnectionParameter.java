package dev.latchkey.broker.catalog;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A per-connection value substituted into the provider's URL templates ({@code {shop}}, {@code {subdomain}},
 * {@code {tenant}}). Every value must match {@link #pattern()} in full and the broker-wide safe character set, so a
 * hostile value cannot move a token request to another host.
 *
 * @param name         the placeholder name
 * @param pattern      the whole value must match (implicitly anchored)
 * @param description  for people filling it in; may be null
 * @param defaultValue used when the connection supplies none; null when the value is required
 * @param example      a valid example; may be null
 */
public record ConnectionParameter(String name, Pattern pattern, String description, String defaultValue,
        String example) {

    /** Letters, digits, dot, hyphen, underscore; no leading dot or hyphen, no empty labels. */
    static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]|\\.(?!\\.))*(?<!\\.)");

    /** Longest accepted value: a DNS name. */
    static final int MAX_LENGTH = 253;

    public ConnectionParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
    }

    /** Null when {@code value} is acceptable, otherwise why not (without echoing the value). */
    public String problemWith(String value) {
        if (value == null || value.isEmpty()) {
            return "is required";
        }
        if (value.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        if (!SAFE_VALUE.matcher(value).matches()) {
            return "may only contain letters, digits, '.', '-' and '_' (no empty labels)";
        }
        if (!pattern.matcher(value).matches()) {
            return "does not match the pattern " + pattern.pattern();
        }
        return null;
    }
}
