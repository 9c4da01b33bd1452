package dev.latchkey.audit.chain;

/** A key that both signs and verifies (a key pair, or an HMAC key). */
public interface SigningKey extends CheckpointSigner, SignatureVerifier {
}
