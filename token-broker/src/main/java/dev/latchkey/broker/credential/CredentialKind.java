package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.AuthMode;
import java.util.Locale;

/** What a credential holds: OAuth tokens, a static API key, or a username and password. */
public enum CredentialKind {
    OAUTH2,
    API_KEY,
    BASIC;

    private final String dbValue = name().toLowerCase(Locale.ROOT);

    public String dbValue() {
        return dbValue;
    }

    public static CredentialKind fromDbValue(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public static CredentialKind of(AuthMode mode) {
        return switch (mode) {
            case OAUTH2 -> OAUTH2;
            case API_KEY -> API_KEY;
            case BASIC -> BASIC;
        };
    }
}
