package dev.latchkey.broker.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.broker.catalog.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Remembers a successful introspection for a few seconds, keyed by a SHA-256 digest of the token (not the token),
 * and never past the token's own expiry. Without it every token fetch would cost a second database read for the
 * caller's own token, halving the broker's throughput. The price: a revoked caller token keeps working for at
 * most the TTL on nodes that saw it recently (stated in the threat model). Failures are never cached.
 */
public final class CachingTokenIntrospector implements OpaqueTokenIntrospector {

    private final OpaqueTokenIntrospector delegate;
    private final Cache<String, OAuth2AuthenticatedPrincipal> cache;
    private final Clock clock;

    public CachingTokenIntrospector(OpaqueTokenIntrospector delegate, Duration ttl, Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(ttl).build();
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        String key = digest(token);
        OAuth2AuthenticatedPrincipal cached = cache.getIfPresent(key);
        if (cached != null) {
            if (!expired(cached)) {
                return cached;
            }
            cache.invalidate(key);
            throw new BadOpaqueTokenException("token is not active");
        }
        OAuth2AuthenticatedPrincipal principal = delegate.introspect(token);
        if (!expired(principal)) {
            cache.put(key, principal);
        }
        return principal;
    }

    private boolean expired(OAuth2AuthenticatedPrincipal principal) {
        return principal.getAttribute("exp") instanceof Instant exp && !clock.instant().isBefore(exp);
    }

    private static String digest(String token) {
        return HexFormat.of().formatHex(Secret.sha256(token));
    }
}
