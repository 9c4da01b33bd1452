package dev.latchkey.broker.catalog;

import tools.jackson.databind.JsonNode;

/** RFC 6901 JSON pointer helpers. */
final class JsonPointers {

    private JsonPointers() {
    }

    /** Null when {@code pointer} is a well-formed RFC 6901 pointer, otherwise what is wrong with it. */
    static String problem(String pointer) {
        if (pointer.isEmpty()) {
            return null;
        }
        if (pointer.charAt(0) != '/') {
            return "must be a JSON pointer starting with '/' (or empty for the whole document)";
        }
        for (int i = 0; i < pointer.length(); i++) {
            if (pointer.charAt(i) == '~') {
                char next = i + 1 < pointer.length() ? pointer.charAt(i + 1) : ' ';
                if (next != '0' && next != '1') {
                    return "is not a valid JSON pointer: '~' must be followed by 0 or 1";
                }
            }
        }
        return null;
    }

    /** The node at {@code pointer}, or null when it is missing or JSON null. */
    static JsonNode at(JsonNode root, String pointer) {
        if (root == null) {
            return null;
        }
        JsonNode node = root.at(pointer);
        return node == null || node.isMissingNode() || node.isNull() ? null : node;
    }

    /** The scalar at {@code pointer} as text, or null when missing, null, empty or not a scalar. */
    static String text(JsonNode root, String pointer) {
        JsonNode node = at(root, pointer);
        if (node == null || !node.isValueNode()) {
            return null;
        }
        String text = node.isString() ? node.stringValue() : node.asString();
        return text == null || text.isEmpty() ? null : text;
    }

    /** Escapes one reference token (RFC 6901 §3). */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
