package dev.latchkey.audit;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Fingerprints of secret values for audit details. A fingerprint is the first 128 bits of the value's keyed hash
 * (the HMAC-SHA256 Latchkey already stores for lookup, such as {@code oauth_tokens.token_hash}): it correlates an
 * event with a stored row, and without the hashing key it confirms no guess. The secret value itself never enters
 * the audit trail.
 */
public final class Fingerprints {

    private static final int BYTES = 16;

    private Fingerprints() {}

    /** {@code hmac:<32 hex digits>} from a keyed hash of at least 256 bits. */
    public static String of(byte[] keyedHash) {
        if (keyedHash == null || keyedHash.length < 32) {
            throw new IllegalArgumentException("a fingerprint is taken from a keyed hash (at least 32 bytes)");
        }
        return "hmac:" + HexFormat.of().formatHex(Arrays.copyOf(keyedHash, BYTES));
    }
}
