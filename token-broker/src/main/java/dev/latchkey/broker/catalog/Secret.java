package dev.latchkey.broker.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A secret string (access token, refresh token, client secret, PKCE verifier). {@code toString} is redacted; the
 * value is reachable only through {@link #reveal()}, and {@link #fingerprint()} gives a non-reversible identifier
 * for logs and audit details.
 */
public final class Secret {

    // Cloned for each digest: MessageDigest.getInstance searches the security providers on every call, which showed
    // up on the token fetch (the caller's bearer token is looked up by its digest).
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps a non-empty secret value. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret cannot be empty");
        }
        return new Secret(value);
    }

    /** The raw value: only for the one place that must send or seal it. */
    public String reveal() {
        return value;
    }

    /** First 12 hex characters of SHA-256 of the value: identifies a token in logs without revealing it. */
    public String fingerprint() {
        return HexFormat.of().formatHex(sha256(value), 0, 6);
    }

    /**
     * SHA-256 of a secret's UTF-8 bytes: for values stored or looked up by hash (connect links, state), caller
     * tokens remembered by digest, PKCE challenges. Unkeyed, so only for values with enough entropy of their own.
     */
    public static byte[] sha256(String value) {
        try {
            return ((MessageDigest) SHA_256.clone()).digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest not cloneable", e);
        }
    }

    /** Constant-time comparison. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that
                && MessageDigest.isEqual(
                        value.getBytes(StandardCharsets.UTF_8), that.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.length();
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
