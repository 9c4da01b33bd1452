package dev.latchkey.broker.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable maps that keep the catalog's order (so generated URLs and bodies are stable). */
final class Maps {

    private Maps() {
    }

    static <K, V> Map<K, V> ordered(Map<K, V> source) {
        if (source == null || source.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(source));
    }
}
