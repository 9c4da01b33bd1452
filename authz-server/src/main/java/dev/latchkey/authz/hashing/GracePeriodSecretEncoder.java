package dev.latchkey.authz.hashing;

import java.time.Clock;
import java.time.Instant;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Client-secret verification that honours a rotation grace period: after a rotation, the replaced secret keeps
 * working until a stated instant, then stops, also for callers whose earlier verification is cached.
 *
 * <p>Why a composite encoded value rather than a custom authentication provider: Spring Authorization Server's
 * {@code ClientSecretAuthenticationProvider} already does everything else right (method checks, expiry, PKCE for
 * confidential clients, the same code path for the token, introspection and revocation endpoints), and its only
 * secret-specific step is {@code passwordEncoder.matches(presented, registeredClient.getClientSecret())}. So the
 * registered client carries both hashes and the grace end in one string ({@link #composite}), and this encoder,
 * installed on that provider, understands it. Nothing else reads a registered client's secret: apps use only
 * {@code client_secret_basic}, {@code client_secret_post} or {@code none}.
 *
 * <p>Why the cache stays correct: the grace end is compared with the clock here, on every call, before the
 * previous hash is consulted at all. {@link VerifiedSecretCache} may still remember a successful verification of
 * the old secret, but once the grace has ended that entry is never looked up, so an old secret fails from the
 * first request after the end, cached or not. Storage is unchanged: each hash is an Argon2id PHC string.
 *
 * <p>Format: {@code {grace:<end epoch millis>}<current PHC> <previous PHC>}. PHC strings never contain a space;
 * anything that does not parse verifies nothing.
 */
public final class GracePeriodSecretEncoder implements PasswordEncoder {

    private static final String PREFIX = "{grace:";

    private final VerifiedSecretCache delegate;
    private final Clock clock;

    public GracePeriodSecretEncoder(VerifiedSecretCache delegate, Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    /** The encoded secret of a client whose previous secret still verifies until {@code graceEnd}. */
    public static String composite(String currentHash, String previousHash, Instant graceEnd) {
        if (currentHash.contains(" ") || previousHash.contains(" ") || currentHash.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a PHC string");
        }
        return PREFIX + graceEnd.toEpochMilli() + "}" + currentHash + " " + previousHash;
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
        if (!encodedPassword.startsWith(PREFIX)) {
            return delegate.matches(rawPassword, encodedPassword);
        }
        int close = encodedPassword.indexOf('}');
        int space = encodedPassword.indexOf(' ', close + 1);
        if (close < 0 || space < 0 || encodedPassword.indexOf(' ', space + 1) >= 0) {
            return false;
        }
        long graceEnd;
        try {
            graceEnd = Long.parseLong(encodedPassword, PREFIX.length(), close, 10);
        } catch (NumberFormatException malformed) {
            return false;
        }
        String current = encodedPassword.substring(close + 1, space);
        String previous = encodedPassword.substring(space + 1);
        if (!clock.instant().isBefore(Instant.ofEpochMilli(graceEnd))) {
            return delegate.matches(rawPassword, current);
        }
        // Cache lookups first, so a client still on the old secret does not pay a failing Argon2id run against the
        // new hash on every request during the grace period.
        if (delegate.remembered(rawPassword, current) || delegate.remembered(rawPassword, previous)) {
            return true;
        }
        return delegate.matches(rawPassword, current) || delegate.matches(rawPassword, previous);
    }
}
