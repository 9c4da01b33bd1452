package dev.latchkey.authz.hashing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Keeps the token endpoint fast without weakening client-secret storage. Argon2id costs ~15 ms a verification, so a
 * successful verification is remembered for a short time under a keyed hash of (stored PHC string, presented secret).
 * The cache holds neither the secret nor anything that verifies it offline without the in-memory key; failures are
 * never cached; a rotated secret has a new PHC string, so entries for the old one can never match again.
 */
public final class VerifiedSecretCache implements PasswordEncoder {

    private final PasswordEncoder delegate;
    private final TokenHasher hasher;
    private final Cache<ByteBuffer, Boolean> verified;

    public VerifiedSecretCache(PasswordEncoder delegate, TokenHasher hasher, Duration ttl, long maxEntries) {
        this.delegate = delegate;
        this.hasher = hasher;
        this.verified = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
    }

    @Override
    public String encode(CharSequence rawPassword) {
        return delegate.encode(rawPassword);
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        if (rawPassword == null || encodedPassword == null) {
            return false;
        }
        ByteBuffer key = key(rawPassword, encodedPassword);
        if (verified.getIfPresent(key) != null) {
            return true;
        }
        boolean ok = delegate.matches(rawPassword, encodedPassword);
        if (ok) {
            verified.put(key, Boolean.TRUE);
        }
        return ok;
    }

    /**
     * Whether this exact (stored hash, presented secret) pair verified recently, without running Argon2id. Lets a
     * caller holding several candidate hashes try the cheap lookups first (see {@link GracePeriodSecretEncoder}).
     */
    public boolean remembered(CharSequence rawPassword, String encodedPassword) {
        if (rawPassword == null || encodedPassword == null) {
            return false;
        }
        return verified.getIfPresent(key(rawPassword, encodedPassword)) != null;
    }

    private ByteBuffer key(CharSequence rawPassword, String encodedPassword) {
        return ByteBuffer.wrap(hasher.hash("verified-secret:" + encodedPassword, rawPassword.toString()));
    }

    /** Drops every remembered verification (e.g. after a secret rotation on this node). */
    public void invalidateAll() {
        verified.invalidateAll();
    }
}
