package dev.latchkey.audit;

import java.util.Locale;

/** Whether the audited action happened. */
public enum Outcome {
    /** The action was performed. */
    SUCCESS,
    /** The action was attempted and failed (bad input, upstream error, expired grant). */
    FAILURE,
    /** The action was refused by policy (authentication, authorization, consent, rate limit). */
    DENIED;

    /** The value stored in {@code audit_events.outcome}. */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Outcome fromDbValue(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
