package dev.latchkey.audit.chain;

/**
 * Signs checkpoints and archive summaries. The key is the application's (an Ed25519 key pair whose private half is
 * sealed by vault-adapter, or a sealed HMAC key); see {@link Signatures}.
 */
public interface CheckpointSigner {

    /** Stored with every signature, so verifiers pick the right key after a rotation. */
    String keyId();

    /** A signature over {@code message} (a {@link SignedMessages} encoding). */
    byte[] sign(byte[] message);
}
