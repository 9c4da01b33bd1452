package dev.latchkey.broker.catalog;

/** What a failed provider call means for the connection. */
public enum ErrorCategory {
    /** The grant is gone (revoked, expired, reused): the user must reconnect. Connection → {@code needs_reauth}. */
    REAUTH_REQUIRED,
    /** Worth retrying later with backoff: 5xx, 429, timeouts, network failures, provider-declared transient codes. */
    TRANSIENT,
    /** Our request or configuration is wrong (bad client credentials, redirect URI, malformed response): an operator must look. */
    INVALID_REQUEST
}
