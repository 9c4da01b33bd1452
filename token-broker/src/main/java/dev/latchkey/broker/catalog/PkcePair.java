package dev.latchkey.broker.catalog;

import java.util.Objects;

/**
 * A PKCE verifier and its challenge (RFC 7636 §4.1–4.2). The verifier stays with the connect session and goes
 * into the code exchange; the challenge goes into the authorize URL.
 */
public record PkcePair(Secret verifier, String challenge, PkceMethod method) {

    public PkcePair {
        Objects.requireNonNull(verifier, "verifier");
        Objects.requireNonNull(challenge, "challenge");
        if (method == null || method == PkceMethod.NONE) {
            throw new IllegalArgumentException("a PKCE pair needs method S256 or plain");
        }
    }
}
