package dev.latchkey.authz.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Authorization-server settings ({@code latchkey.authz.*}).
 *
 * @param issuer              the issuer identifier (RFC 8414); defaults to {@code http://localhost:<port>}
 * @param jwtAudience         {@code aud} of RFC 9068 JWT access tokens (the product API); defaults to the issuer
 * @param secretCacheTtl      how long a successful client-secret verification is remembered
 * @param signingKeyRotation  age after which the signing key is rotated automatically
 * @param signingKeyOverlap   how long a retired signing key stays published
 * @param clientCacheTtl      how long a registered client read from the database is reused (other nodes see app
 *                            changes within this time)
 * @param expiredGrantRetention how long a grant is kept after its last token expired (then purged)
 */
@ConfigurationProperties("latchkey.authz")
public record LatchkeyAuthzProperties(
        String issuer,
        String jwtAudience,
        Duration secretCacheTtl,
        Duration signingKeyRotation,
        Duration signingKeyOverlap,
        Duration clientCacheTtl,
        Duration expiredGrantRetention) {

    public LatchkeyAuthzProperties {
        secretCacheTtl = secretCacheTtl == null ? Duration.ofMinutes(5) : secretCacheTtl;
        signingKeyRotation = signingKeyRotation == null ? Duration.ofDays(30) : signingKeyRotation;
        signingKeyOverlap = signingKeyOverlap == null ? Duration.ofDays(2) : signingKeyOverlap;
        clientCacheTtl = clientCacheTtl == null ? Duration.ofSeconds(1) : clientCacheTtl;
        expiredGrantRetention = expiredGrantRetention == null ? Duration.ofDays(1) : expiredGrantRetention;
    }

    public String audience() {
        return jwtAudience == null || jwtAudience.isBlank() ? issuer : jwtAudience;
    }
}
