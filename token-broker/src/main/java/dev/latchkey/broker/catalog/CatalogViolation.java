package dev.latchkey.broker.catalog;

/**
 * One reason a catalog file was refused.
 *
 * @param source     the file (or built-in resource) it was found in
 * @param providerId the entry, or null for a file-level problem
 * @param pointer    JSON pointer to the field inside the entry (or the file)
 * @param message    what is wrong
 */
public record CatalogViolation(String source, String providerId, String pointer, String message) {

    /** {@code provider 'shopify': /urls/token: must be an https URL template}. */
    public String describe() {
        String where = providerId == null ? "catalog file" : "provider '" + providerId + "'";
        return where + ": " + (pointer.isEmpty() ? "/" : pointer) + ": " + message;
    }

    @Override
    public String toString() {
        return describe() + " (" + source + ")";
    }
}
