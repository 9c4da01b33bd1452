package dev.latchkey.broker.catalog;

/** PKCE (RFC 7636) use on the authorize request: none, or the {@code code_challenge_method}. */
public enum PkceMethod {
    NONE("none"),
    /** RFC 7636 §4.2 {@code S256}: BASE64URL(SHA-256(verifier)). */
    S256("S256"),
    /** RFC 7636 §4.2 {@code plain}: only for providers that support nothing better. */
    PLAIN("plain");

    private final String wireName;

    PkceMethod(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    static PkceMethod fromWire(String value) {
        return Wire.lookup(values(), value, PkceMethod::wireName);
    }
}
