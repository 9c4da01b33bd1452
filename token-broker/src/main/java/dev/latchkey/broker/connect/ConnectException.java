package dev.latchkey.broker.connect;

/**
 * A connect flow that cannot go on. {@link #code()} is what the page and the session record show (never a
 * provider's raw response); the message is for the API caller and names no secret.
 */
public final class ConnectException extends RuntimeException {

    /** Why the flow stopped; the connect page words each one for the end user. */
    public enum Code {
        /** Unknown, used or expired link or state. */
        INVALID_SESSION,
        /** The link was opened in another browser than the one that started. */
        WRONG_BROWSER,
        /** The user declined at the provider. */
        ACCESS_DENIED,
        /** The provider answered with an error or could not be reached. */
        PROVIDER_ERROR,
        /**
         * The callback's {@code iss} is not the provider's catalogued issuer, or is missing where the provider always
         * sends it (RFC 9207): the answer may come from another authorization server (mix-up attack).
         */
        ISSUER_MISMATCH,
        /** The request to open a session is invalid (field named in the message). */
        INVALID_REQUEST
    }

    private final Code code;
    private final String field;

    public ConnectException(Code code, String message) {
        this(code, null, message);
    }

    public ConnectException(Code code, String field, String message) {
        super(message, null, false, false);
        this.code = code;
        this.field = field;
    }

    public Code code() {
        return code;
    }

    /** The offending request field, for {@link Code#INVALID_REQUEST}; else null. */
    public String field() {
        return field;
    }
}
