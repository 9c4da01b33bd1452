package dev.latchkey.broker.catalog;

/** How the client authenticates at the token (or revocation) endpoint: RFC 6749 §2.3.1, RFC 7591 §2 names. */
public enum ClientAuthMethod {
    /** {@code Authorization: Basic} with the form-urlencoded client id and secret (RFC 6749 §2.3.1). */
    CLIENT_SECRET_BASIC("client_secret_basic"),
    /** {@code client_id} and {@code client_secret} in the request body. */
    CLIENT_SECRET_POST("client_secret_post"),
    /** No client secret: only {@code client_id} in the body (public clients, or endpoints that need no client). */
    NONE("none");

    private final String wireName;

    ClientAuthMethod(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    static ClientAuthMethod fromWire(String value) {
        return Wire.lookup(values(), value, ClientAuthMethod::wireName);
    }
}
