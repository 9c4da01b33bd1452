package dev.latchkey.broker.catalog;

import java.util.function.Function;

/** Maps the catalog's lower-case names onto enums; the schema has already limited the values. */
final class Wire {

    private Wire() {
    }

    static <E> E lookup(E[] values, String value, Function<E, String> name) {
        for (E candidate : values) {
            if (name.apply(candidate).equals(value)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown value '" + value + "'");
    }
}
