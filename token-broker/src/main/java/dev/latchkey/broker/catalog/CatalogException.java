package dev.latchkey.broker.catalog;

import java.util.List;
import java.util.stream.Collectors;

/** The catalog, or a deployment file, cannot be loaded. The message lists every violation, one per line. */
public final class CatalogException extends RuntimeException {

    private final List<CatalogViolation> violations;

    CatalogException(List<CatalogViolation> violations) {
        super(format(violations));
        this.violations = List.copyOf(violations);
    }

    CatalogException(String message, Throwable cause) {
        super(message, cause);
        this.violations = List.of();
    }

    /** Every violation found; empty when the failure was not about content (I/O, unreadable file). */
    public List<CatalogViolation> violations() {
        return violations;
    }

    private static String format(List<CatalogViolation> violations) {
        return "invalid provider catalog (" + violations.size() + " problem" + (violations.size() == 1 ? "" : "s")
                + "):\n" + violations.stream().map(v -> "  " + v).collect(Collectors.joining("\n"));
    }
}
