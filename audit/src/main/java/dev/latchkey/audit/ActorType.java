package dev.latchkey.audit;

import java.util.Locale;

/** Who acted: the kinds of principal an audit event can name. */
public enum ActorType {
    /** A product user (built-in or upstream login). */
    USER,
    /** A third-party OAuth client acting with its own credentials. */
    APP,
    /** An internal service (token-broker caller). */
    SERVICE,
    /** An operator through the admin API. */
    ADMIN,
    /** Latchkey itself: background jobs such as refresh, rotation, rewrap, retention. */
    SYSTEM;

    /** The value stored in {@code audit_events.actor_type}. */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ActorType fromDbValue(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
