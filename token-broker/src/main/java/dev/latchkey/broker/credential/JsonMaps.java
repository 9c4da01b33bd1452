package dev.latchkey.broker.credential;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The jsonb columns of a connection (parameters, metadata): flat objects of non-secret strings. */
public final class JsonMaps {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() { };

    private JsonMaps() {
    }

    public static Map<String, String> read(String json) {
        return json == null || json.isBlank() ? Map.of() : JSON.readValue(json, STRING_MAP);
    }

    public static String write(Map<String, ?> values) {
        return values == null || values.isEmpty() ? "{}" : JSON.writeValueAsString(values);
    }
}
