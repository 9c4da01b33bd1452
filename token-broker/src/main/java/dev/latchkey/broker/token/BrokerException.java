package dev.latchkey.broker.token;

import java.time.Duration;

/**
 * A broker request that cannot be served, with the reason the API reports (RFC 9457 problem type).
 * Messages name ids and states, never a secret.
 */
public final class BrokerException extends RuntimeException {

    public enum Reason {
        /** Unknown connection, or one the caller may not see (indistinguishable on purpose). */
        NOT_FOUND,
        /** The connection needs the end user to reconnect. */
        NEEDS_REAUTH,
        /** The provider or the refresh did not complete; try again after {@link #retryAfter()}. */
        UNAVAILABLE,
        /** The request itself is wrong (bad parameter). */
        INVALID_REQUEST
    }

    private final Reason reason;
    private final Duration retryAfter;

    public BrokerException(Reason reason, String message) {
        this(reason, message, null);
    }

    public BrokerException(Reason reason, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    static BrokerException notFound() {
        return new BrokerException(Reason.NOT_FOUND, "no such connection");
    }

    static BrokerException needsReauth() {
        return new BrokerException(Reason.NEEDS_REAUTH, "the connection needs the end user to reconnect");
    }
}
