package dev.latchkey.broker.provider;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A provider answered with a body longer than the client reads. The status and headers arrived and are kept, so the
 * answer can still be treated as the error response it almost certainly is (a 503 page from a proxy, say); the body
 * was abandoned unread.
 */
public final class ResponseTooLargeException extends IOException {

    private final int status;
    private final transient Map<String, List<String>> headers;

    public ResponseTooLargeException(int status, Map<String, List<String>> headers, int limit) {
        super("provider response body exceeds " + limit + " bytes (HTTP " + status + ")");
        this.status = status;
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** The HTTP status of the abandoned response. */
    public int status() {
        return status;
    }

    /** Its headers; names as the server sent them. */
    public Map<String, List<String>> headers() {
        return headers;
    }
}
