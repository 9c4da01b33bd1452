package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.util.Objects;

/**
 * A classified failure of a call to a provider.
 *
 * @param category    what it means for the connection
 * @param status      the HTTP status (200 for an error inside a successful response), or 0 for a network failure
 * @param code        the provider's error code, or a broker code ({@code invalid_token_response},
 *                    {@code unexpected_metadata}, {@code network_error}, {@code timeout}); may be null
 * @param description the provider's description, trimmed to 200 printable characters; may be null
 * @param retryAfter  how long the provider asked us to wait (Retry-After), for transient errors; null when not said
 */
public record ProviderError(ErrorCategory category, int status, String code, String description,
        Duration retryAfter) implements TokenResult {

    static final int MAX_DESCRIPTION = 200;

    public ProviderError {
        Objects.requireNonNull(category, "category");
        description = clean(description);
        code = code == null ? null : clean(code);
    }

    /** A network-level failure (connect, TLS, reset, interrupted): always {@link ErrorCategory#TRANSIENT}. */
    public static ProviderError network(Exception cause) {
        return new ProviderError(ErrorCategory.TRANSIENT, 0, "network_error",
                cause == null ? null : cause.getClass().getSimpleName(), null);
    }

    /**
     * No connection or no complete response in time: always {@link ErrorCategory#TRANSIENT}. Kept apart from
     * {@link #network} because a timed-out code exchange or refresh may have reached the provider (a rotating refresh
     * token may already be spent), which the refresh engine treats with more care than a refused connection.
     */
    public static ProviderError timeout(Exception cause) {
        return new ProviderError(ErrorCategory.TRANSIENT, 0, "timeout",
                cause == null ? null : cause.getClass().getSimpleName(), null);
    }

    private static String clean(String text) {
        if (text == null) {
            return null;
        }
        String printable = text.replaceAll("\\p{Cntrl}", " ").strip();
        return printable.length() > MAX_DESCRIPTION ? printable.substring(0, MAX_DESCRIPTION) + "…" : printable;
    }
}
