package dev.latchkey.broker.catalog;

import java.util.List;
import java.util.Map;

/**
 * What a provider endpoint answered, as plain data from whatever HTTP client was used.
 *
 * @param headers response headers; names are matched case-insensitively
 * @param body    the body as text; may be empty
 */
public record ProviderResponse(int status, Map<String, List<String>> headers, String body) {

    public ProviderResponse {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        body = body == null ? "" : body;
    }

    /** A response with no headers. */
    public static ProviderResponse of(int status, String body) {
        return new ProviderResponse(status, Map.of(), body);
    }

    /** The first value of header {@code name}, case-insensitively; null when absent. */
    public String header(String name) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey() != null && header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
                return header.getValue().getFirst();
            }
        }
        return null;
    }

    public boolean successful() {
        return status >= 200 && status < 300;
    }
}
