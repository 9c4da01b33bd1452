package dev.latchkey.audit.chain;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/** A signed statement "the chain had hash {@code hash} at seq {@code seq}", made at {@code signedAt}. */
public record Checkpoint(long seq, byte[] hash, Instant signedAt, String keyId, byte[] signature) {

    public Checkpoint {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(signedAt, "signed at");
        Objects.requireNonNull(keyId, "key id");
        Objects.requireNonNull(signature, "signature");
    }

    /** The bytes {@link #signature} covers. */
    public byte[] signedMessage() {
        return SignedMessages.checkpoint(seq, hash, signedAt, keyId);
    }

    public boolean verifiesWith(SignatureVerifier verifier) {
        return verifier.verify(keyId, signedMessage(), signature);
    }

    @Override
    public String toString() {
        return "Checkpoint[seq=" + seq + ", hash=" + HexFormat.of().formatHex(hash) + ", signedAt=" + signedAt
                + ", keyId=" + keyId + "]";
    }
}
