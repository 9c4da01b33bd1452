package dev.latchkey.audit;

import java.util.Objects;

/** What an audited action was done to: a type ({@code app}, {@code token}, {@code connection}, …) and its id. */
public record Target(String type, String id) {

    public Target {
        Objects.requireNonNull(type, "target type");
    }

    public static Target of(String type, String id) {
        return new Target(type, id);
    }
}
