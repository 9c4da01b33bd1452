package dev.latchkey.broker.catalog;

/** How a connection to the provider authenticates: the catalog's {@code authMode}. */
public enum AuthMode {
    /** RFC 6749 authorization code grant, with refresh where the provider issues refresh tokens. */
    OAUTH2("oauth2"),
    /** A static key the end user pastes in, sent as described by the entry's {@code apiKey}. */
    API_KEY("api_key"),
    /** A user name and password sent with HTTP Basic authentication (RFC 7617). */
    BASIC("basic");

    private final String wireName;

    AuthMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    static AuthMode fromWire(String value) {
        return Wire.lookup(values(), value, AuthMode::wireName);
    }
}
