package dev.latchkey.broker.catalog;

/** Where a credential's {@code expires_at} came from; stored beside it (see DESIGN.md, {@code credentials}). */
public enum ExpirySource {
    /** The provider's {@code expires_in} (RFC 6749 §5.1), less the catalog's skew. */
    PROVIDER,
    /** The catalog's stated lifetime ({@code expiry.policy: fixed}), less the skew. */
    FIXED,
    /** No lifetime is known: use the token until the provider answers 401, then refresh. */
    UNKNOWN,
    /** The token does not expire. */
    NEVER
}
