package dev.latchkey.audit.chain;

/** Checks checkpoint and archive signatures; knows one or more keys by id. */
@FunctionalInterface
public interface SignatureVerifier {

    /** True only if {@code keyId} is known and {@code signature} is its valid signature over {@code message}. */
    boolean verify(String keyId, byte[] message, byte[] signature);
}
