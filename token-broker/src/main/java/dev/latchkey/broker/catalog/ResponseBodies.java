package dev.latchkey.broker.catalog;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Reads a provider response body as a JSON object; form-encoded bodies (older OAuth servers) become one too. */
final class ResponseBodies {

    /** Bodies longer than this are not parsed: no token response is this large. */
    static final int MAX_BODY_CHARS = 256 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ResponseBodies() {
    }

    /** The body as an object node, or null when it is empty, too large, or neither a JSON object nor a form. */
    static JsonNode parse(String body) {
        if (body == null || body.isBlank() || body.length() > MAX_BODY_CHARS) {
            return null;
        }
        String trimmed = body.strip();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode node = JSON.readTree(trimmed);
                return node != null && node.isObject() ? node : null;
            } catch (JacksonException e) {
                return null;
            }
        }
        if (trimmed.startsWith("<") || trimmed.startsWith("[") || !trimmed.contains("=")) {
            return null;
        }
        Map<String, String> form = FormEncoding.decodeForm(trimmed);
        ObjectNode node = JSON.createObjectNode();
        form.forEach(node::put);
        return node;
    }
}
