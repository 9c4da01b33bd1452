package dev.latchkey.audit.query;

/** A cursor that this service did not issue. */
public final class InvalidCursorException extends IllegalArgumentException {

    public InvalidCursorException() {
        super("invalid cursor");
    }
}
