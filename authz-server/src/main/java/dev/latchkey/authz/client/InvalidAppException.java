package dev.latchkey.authz.client;

/**
 * Client metadata that cannot be accepted. {@code redirectUri} tells RFC 7591 callers to answer
 * {@code invalid_redirect_uri} rather than {@code invalid_client_metadata}.
 */
public final class InvalidAppException extends RuntimeException {

    private final String field;

    public InvalidAppException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public boolean redirectUri() {
        return "redirectUris".equals(field);
    }
}
