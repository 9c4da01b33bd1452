package dev.latchkey.broker.catalog;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** PKCE helpers (RFC 7636). */
public final class Pkce {

    /** RFC 7636 §4.1: 43-128 characters from the unreserved set. */
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    private Pkce() {
    }

    /**
     * A fresh pair for {@code provider}, or null when the provider does not use PKCE.
     *
     * @param random a {@link SecureRandom}; the verifier is 32 random bytes, base64url (43 characters)
     */
    public static PkcePair forProvider(Provider provider, SecureRandom random) {
        PkceMethod method = provider.authorize().pkce();
        return method == PkceMethod.NONE ? null : generate(method, random);
    }

    /** A fresh pair with {@code method} (RFC 7636 §4.1). */
    public static PkcePair generate(PkceMethod method, SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new PkcePair(Secret.of(verifier), challenge(verifier, method), method);
    }

    /**
     * The challenge for {@code verifier} (RFC 7636 §4.2).
     *
     * @throws IllegalArgumentException for a verifier outside RFC 7636 §4.1 or method NONE
     */
    public static String challenge(String verifier, PkceMethod method) {
        if (!VERIFIER.matcher(verifier).matches()) {
            throw new IllegalArgumentException("a PKCE verifier is 43-128 unreserved characters (RFC 7636 §4.1)");
        }
        return switch (method) {
            case PLAIN -> verifier;
            // The verifier is ASCII (checked above), so its UTF-8 bytes are the ASCII bytes RFC 7636 §4.2 hashes.
            case S256 -> Base64.getUrlEncoder().withoutPadding().encodeToString(Secret.sha256(verifier));
            case NONE -> throw new IllegalArgumentException("method NONE has no challenge");
        };
    }
}
