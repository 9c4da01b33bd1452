package dev.latchkey.audit;

import java.util.regex.Pattern;

/**
 * Cleaning of text that goes into an audit row. Much of it is attacker-influenced (user agent, a username typed at a
 * failed login, a redirect URI), so it is made storable instead of rejected: a rejected audit insert would fail the
 * action it records.
 */
final class AuditText {

    /**
     * Secret values Latchkey issues carry a recognisable prefix (README, "How secrets are stored"). Such a value must
     * never reach the audit trail; if one slips into any field it is redacted. Client ids ({@code lk_ci_}) are public.
     */
    static final Pattern ISSUED_SECRET = Pattern.compile("lk_(at|rt|ac|iat|rat|cs|pat)_[A-Za-z0-9_-]+");

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*([.:-][a-z0-9_]+)*");

    private AuditText() {}

    /**
     * Replaces what PostgreSQL text cannot hold exactly (NUL, unpaired surrogates) with U+FFFD, so the stored text is
     * exactly the text the record MAC covers, and redacts issued secret values.
     */
    static String clean(String s) {
        StringBuilder out = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean bad;
            if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1));
                if (!bad) {
                    if (out != null) {
                        out.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                bad = c == 0 || Character.isLowSurrogate(c);
            }
            if (bad && out == null) {
                out = new StringBuilder(n).append(s, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
            }
        }
        String cleaned = out == null ? s : out.toString();
        return ISSUED_SECRET.matcher(cleaned).find()
                ? ISSUED_SECRET.matcher(cleaned).replaceAll(m -> "lk_" + m.group(1) + "_[redacted]")
                : cleaned;
    }

    /** Null for null or empty; otherwise cleaned and cut to {@code maxCodePoints} (the column's length check). */
    static String optional(String s, int maxCodePoints) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        String cleaned = clean(s);
        if (cleaned.codePointCount(0, cleaned.length()) <= maxCodePoints) {
            return cleaned;
        }
        return cleaned.substring(0, cleaned.offsetByCodePoints(0, maxCodePoints));
    }

    /** A name chosen by code (action, target type): lower-case words joined by {@code . : -}; wrong ones are bugs. */
    static String name(String field, String s, int max) {
        if (s == null || s.length() > max || !TYPE.matcher(s).matches()) {
            throw new IllegalArgumentException(field + " must match " + TYPE.pattern() + " (at most " + max
                    + " characters): " + s);
        }
        return s;
    }
}
