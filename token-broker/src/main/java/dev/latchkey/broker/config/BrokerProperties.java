package dev.latchkey.broker.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code latchkey.broker.*}: the token broker's settings. Every duration has a default; see the README's
 * configuration reference.
 *
 * @param catalogDir      a directory of catalog files adding or replacing providers (optional)
 * @param publicUrl       the browser-facing base URL for connect pages and the OAuth callback; defaults to the
 *                        authorization server's issuer
 * @param nodeId          this node's name in refresh leases; defaults to host name plus a random suffix
 * @param rateLimits      provider id → token-endpoint requests per second, overriding the catalog (for the whole
 *                        deployment: the live nodes share it)
 * @param rateLimitHeadroom the share of each catalog rate limit left unused (default 0.1), for arrival jitter
 * @param nodeHeartbeat   how often a node proves itself alive to the others (default 2 s); the nodes heard from in
 *                        the last three heartbeats share the rate limits
 * @param callerCacheTtl  how long a validated caller token and its tenants are remembered
 * @param connectSessionLifetime how long a connect link stays usable
 * @param readAuditInterval how often counted credential reads are written to the audit trail
 * @param credentialCache the per-node cache of sealed credentials the token fetch reads from
 */
@ConfigurationProperties("latchkey.broker")
public record BrokerProperties(
        Path catalogDir,
        URI publicUrl,
        String nodeId,
        Map<String, Integer> rateLimits,
        Double rateLimitHeadroom,
        Duration nodeHeartbeat,
        Duration callerCacheTtl,
        Duration connectSessionLifetime,
        Duration readAuditInterval,
        CredentialCacheSettings credentialCache,
        Refresh refresh) {

    public BrokerProperties {
        rateLimits = rateLimits == null ? Map.of() : Map.copyOf(rateLimits);
        rateLimitHeadroom = rateLimitHeadroom == null ? 0.1 : rateLimitHeadroom;
        nodeHeartbeat = nodeHeartbeat == null ? Duration.ofSeconds(2) : nodeHeartbeat;
        callerCacheTtl = callerCacheTtl == null ? Duration.ofSeconds(5) : callerCacheTtl;
        connectSessionLifetime = connectSessionLifetime == null ? Duration.ofMinutes(15) : connectSessionLifetime;
        readAuditInterval = readAuditInterval == null ? Duration.ofSeconds(10) : readAuditInterval;
        credentialCache = credentialCache == null ? new CredentialCacheSettings(null, null, null, null, null)
                : credentialCache;
        refresh = refresh == null ? new Refresh(null, null, null, null, null, null, null, null, null, null, null, null, null, null)
                : refresh;
    }

    /**
     * {@code latchkey.broker.credential-cache.*}: see {@code CredentialCache}.
     *
     * @param enabled  off: every token fetch reads the database
     * @param maxSize  connections kept per node
     * @param maxAge   an entry is read again after this long even if no change was heard
     * @param ping     how often the change listener proves its connection alive
     * @param liveness the cache is bypassed when the listener has not proved itself for this long
     */
    public record CredentialCacheSettings(Boolean enabled, Long maxSize, Duration maxAge, Duration ping,
            Duration liveness) {

        public CredentialCacheSettings {
            enabled = enabled == null || enabled;
            maxSize = maxSize == null ? 100_000L : maxSize;
            maxAge = maxAge == null ? Duration.ofMinutes(5) : maxAge;
            ping = ping == null ? Duration.ofMillis(500) : ping;
            liveness = liveness == null ? Duration.ofSeconds(3) : liveness;
            if (!liveness.minus(ping.multipliedBy(2)).isPositive()) {
                throw new IllegalArgumentException(
                        "latchkey.broker.credential-cache.liveness must be more than twice credential-cache.ping");
            }
        }
    }

    /**
     * {@code latchkey.broker.refresh.*}: the refresh engine and policy (see {@code RefreshPolicy}).
     *
     * @param enabled whether this node runs the proactive engine (on by default)
     */
    public record Refresh(
            Boolean enabled,
            Integer workers,
            Duration pollInterval,
            Duration lease,
            Duration waitForOthers,
            Duration rateWait,
            Double lifetimeShare,
            Double jitterShare,
            Duration fetchWindow,
            Duration freshRejectionWindow,
            Integer maxFreshRejections,
            Duration backoffBase,
            Duration backoffCap,
            Duration minLearnedLifetime) {

        public Refresh {
            enabled = enabled == null || enabled;
            workers = workers == null ? 64 : workers;
            pollInterval = pollInterval == null ? Duration.ofSeconds(1) : pollInterval;
            // Three provider timeouts: long enough to finish a slow call, short enough that a dead node's lease
            // holds up an expired credential for half a minute at most.
            lease = lease == null ? Duration.ofSeconds(30) : lease;
            waitForOthers = waitForOthers == null ? Duration.ofSeconds(15) : waitForOthers;
            rateWait = rateWait == null ? Duration.ofSeconds(2) : rateWait;
            lifetimeShare = lifetimeShare == null ? 0.2 : lifetimeShare;
            jitterShare = jitterShare == null ? 0.05 : jitterShare;
            fetchWindow = fetchWindow == null ? Duration.ofSeconds(30) : fetchWindow;
            freshRejectionWindow = freshRejectionWindow == null ? Duration.ofSeconds(10) : freshRejectionWindow;
            maxFreshRejections = maxFreshRejections == null ? 3 : maxFreshRejections;
            backoffBase = backoffBase == null ? Duration.ofSeconds(2) : backoffBase;
            backoffCap = backoffCap == null ? Duration.ofMinutes(10) : backoffCap;
            minLearnedLifetime = minLearnedLifetime == null ? Duration.ofSeconds(60) : minLearnedLifetime;
        }
    }
}
