package dev.latchkey.vault;

/** The single, opaque error for a sealed value that cannot be opened; it never says which check failed. */
public final class SealedDataException extends RuntimeException {

    public SealedDataException() {
        super("sealed value cannot be opened");
    }
}
