package dev.latchkey.broker.credential;

import java.util.Locale;

/** A connection's state as the product sees it (DESIGN.md, {@code connections.status}). */
public enum ConnectionStatus {
    /** Credentials work (or are being renewed). */
    ACTIVE,
    /** The provider refused the credentials for good ({@code invalid_grant}…): the end user must reconnect. */
    NEEDS_REAUTH,
    /** Deleted by a caller; kept only until the row is removed. */
    REVOKED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ConnectionStatus fromDbValue(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
