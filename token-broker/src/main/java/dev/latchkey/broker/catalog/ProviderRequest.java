package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * An HTTP request to a provider's token or revocation endpoint, as plain data for whatever HTTP client sends it.
 * {@code toString} shows no secret: body values, token-bearing headers, the path and the query are left out.
 *
 * @param headers    request headers in sending order, including {@code Content-Type} when there is a body
 * @param bodyFormat how {@link #body()} is encoded; null when the request has no body
 * @param body       body fields in sending order; empty when there is no body
 */
public record ProviderRequest(HttpMethod method, URI uri, Map<String, String> headers, BodyFormat bodyFormat,
        Map<String, String> body) {

    public ProviderRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Maps.ordered(headers);
        body = Maps.ordered(body);
        if ((bodyFormat == null) != body.isEmpty()) {
            throw new IllegalArgumentException("a body needs a format and a format needs a body");
        }
    }

    /** The body as sent: form-urlencoded or a JSON object of strings; null when there is none. */
    public String encodedBody() {
        if (bodyFormat == null) {
            return null;
        }
        return switch (bodyFormat) {
            case FORM -> FormEncoding.encodeForm(body);
            case JSON -> body.entrySet().stream()
                    .map(e -> jsonString(e.getKey()) + ":" + jsonString(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        };
    }

    /** A header's value, matched case-insensitively; null when absent. */
    public String header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    @Override
    public String toString() {
        String shownHeaders = headers.entrySet().stream()
                .map(e -> e.getKey() + "=" + (e.getKey().equalsIgnoreCase("authorization")
                        || e.getKey().toLowerCase(java.util.Locale.ROOT).contains("token") ? "<redacted>" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
        String shownBody = body.keySet().stream().map(k -> k + "=<redacted>")
                .collect(Collectors.joining(", ", "{", "}"));
        // Path and query are left out: a revocation may carry the token there (HubSpot, query placement).
        return "ProviderRequest[" + method + " " + uri.getScheme() + "://" + uri.getRawAuthority() + "/…"
                + ", headers=" + shownHeaders + ", body=" + shownBody + "]";
    }

    private static String jsonString(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
