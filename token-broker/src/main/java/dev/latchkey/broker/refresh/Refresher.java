package dev.latchkey.broker.refresh;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.apps.ProviderApps;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.ErrorCategory;
import dev.latchkey.broker.catalog.ExpirySource;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderCatalog;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.catalog.TokenGrant;
import dev.latchkey.broker.catalog.TokenRequests;
import dev.latchkey.broker.catalog.TokenResult;
import dev.latchkey.broker.credential.ConnectionStatus;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.JsonMaps;
import dev.latchkey.broker.credential.RenewedCredential;
import dev.latchkey.broker.credential.StoredCredential;
import dev.latchkey.broker.events.ConnectionEvents;
import dev.latchkey.broker.provider.ProviderClient;
import dev.latchkey.broker.provider.ProviderRateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Renews credentials: the one code path behind the token fetch, the 401 report, a forced refresh and the proactive
 * engine.
 *
 * <p>Single flight at two levels. Within a node, concurrent requests for one connection share one in-flight
 * refresh. Across nodes, a refresh needs the credential's lease, taken only while the credential still has the
 * version the request saw (compare-and-swap); a request that finds the lease held waits until the version moves
 * on and returns the new credential. The provider is called outside any transaction; the new access token, a
 * rotated refresh token, the audit event and the webhook outbox row then commit in one transaction, guarded by the
 * lease and the version.
 */
public final class Refresher {

    private static final Logger log = LoggerFactory.getLogger(Refresher.class);

    /** Why a refresh was asked for. */
    public enum Trigger {
        PROACTIVE, FETCH, REJECTED, FORCED;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param nodeId        this node's lease owner name
     * @param lease         how long a lease lasts; longer than the provider call's timeout
     * @param waitForOthers how long a request waits for another node's refresh before answering unavailable
     * @param rateWait      how long an on-demand refresh waits for the provider's rate limiter
     */
    public record Settings(String nodeId, Duration lease, Duration waitForOthers, Duration rateWait) {
    }

    private final CredentialStore store;
    private final CredentialSealer sealer;
    private final ProviderCatalog catalog;
    private final ProviderApps apps;
    private final ProviderClient client;
    private final ProviderRateLimiter limiter;
    private final ConnectionEvents events;
    private final TransactionTemplate transactions;
    private final RefreshPolicy policy;
    private final Settings settings;
    private final Clock clock;
    private final ConcurrentHashMap<UUID, CompletableFuture<RefreshResult>> flights = new ConcurrentHashMap<>();

    public Refresher(CredentialStore store, CredentialSealer sealer, ProviderCatalog catalog, ProviderApps apps,
            ProviderClient client, ProviderRateLimiter limiter, ConnectionEvents events,
            TransactionTemplate transactions, RefreshPolicy policy, Settings settings, Clock clock) {
        this.store = store;
        this.sealer = sealer;
        this.catalog = catalog;
        this.apps = apps;
        this.client = client;
        this.limiter = limiter;
        this.events = events;
        this.transactions = transactions;
        this.policy = policy;
        this.settings = settings;
        this.clock = clock;
    }

    public RefreshPolicy policy() {
        return policy;
    }

    /**
     * Refreshes the credential if it still has {@code seenVersion}; otherwise returns it as it now is.
     *
     * @param actor who asked (a service, or the system for the engine)
     */
    public RefreshResult refresh(UUID connectionId, long seenVersion, Trigger trigger, Actor actor) {
        CompletableFuture<RefreshResult> mine = new CompletableFuture<>();
        CompletableFuture<RefreshResult> running = flights.putIfAbsent(connectionId, mine);
        if (running != null) {
            return join(running);
        }
        try {
            RefreshResult result = flight(connectionId, seenVersion, trigger, actor);
            mine.complete(result);
            return result;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            flights.remove(connectionId, mine);
        }
    }

    /** Renews a credential the proactive engine has already leased. */
    public RefreshResult refreshLeased(StoredCredential leased) {
        return renew(leased, Trigger.PROACTIVE, Actor.system("refresh-engine"));
    }

    private RefreshResult flight(UUID connectionId, long seenVersion, Trigger trigger, Actor actor) {
        Instant deadline = clock.instant().plus(settings.waitForOthers());
        while (true) {
            Optional<StoredCredential> leased = store.lease(connectionId, seenVersion, leaseOwner(settings.nodeId()), settings.lease());
            if (leased.isPresent()) {
                return renew(leased.get(), trigger, actor);
            }
            StoredCredential current = store.find(connectionId).orElse(null);
            if (current == null) {
                return RefreshResult.of(RefreshResult.Kind.GONE, null);
            }
            if (current.status() != ConnectionStatus.ACTIVE) {
                return RefreshResult.of(RefreshResult.Kind.NEEDS_REAUTH, current);
            }
            if (current.version() != seenVersion) {
                return RefreshResult.of(RefreshResult.Kind.CURRENT, current);
            }
            if (clock.instant().isAfter(deadline)) {
                return new RefreshResult(RefreshResult.Kind.UNAVAILABLE, current, Duration.ofSeconds(1));
            }
            // Another node holds the lease and is refreshing: its commit bumps the version.
            sleep(Duration.ofMillis(20));
        }
    }

    private RefreshResult renew(StoredCredential leased, Trigger trigger, Actor actor) {
        boolean released = false;
        try {
            RefreshResult result = renewHoldingLease(leased, trigger, actor);
            released = true;
            return result;
        } finally {
            if (!released) {
                // An unexpected failure (key provider down, database error): let the lease go so nobody waits for it.
                try {
                    store.release(leased.connectionId(), leased.leaseOwner());
                } catch (RuntimeException e) {
                    log.warn("Could not release the refresh lease of connection {}; it expires by itself",
                            leased.connectionId());
                }
            }
        }
    }

    private RefreshResult renewHoldingLease(StoredCredential leased, Trigger trigger, Actor actor) {
        UUID id = leased.connectionId();
        Instant now = clock.instant();
        Instant effectiveExpiry = policy.effectiveExpiry(leased.issuedAt(), leased.expiresAt(), leased.expirySource(),
                leased.learnedLifetimeSeconds());
        Long learned = leased.learnedLifetimeSeconds();
        int rejections = 0;
        if (trigger == Trigger.REJECTED) {
            boolean fresh = policy.rejectedFresh(leased.issuedAt(), now);
            rejections = fresh ? leased.consecutiveRejections() + 1 : 1;
            long age = Math.max(1, Duration.between(leased.issuedAt(), now).toSeconds());
            if (!fresh && policy.teachesLifetime(leased.issuedAt(), now) && leased.expirySource() != ExpirySource.NEVER
                    && (effectiveExpiry == null || now.isBefore(effectiveExpiry))) {
                // The provider dropped the token before we thought it would: remember how long it really lived.
                learned = learned == null ? age : Math.min(learned, age);
            }
            if (rejections >= policy.maxFreshRejections() || !leased.hasRefreshToken()
                    || leased.kind() != CredentialKind.OAUTH2) {
                String reason = leased.hasRefreshToken() ? "token_rejected_repeatedly" : "token_rejected";
                return needsReauth(leased, trigger, actor, reason, Map.of("rejections", rejections));
            }
        }
        if (leased.kind() != CredentialKind.OAUTH2 || !leased.hasRefreshToken()) {
            if (effectiveExpiry != null && !now.isBefore(effectiveExpiry)) {
                return needsReauth(leased, trigger, actor, "expired_without_refresh_token", Map.of());
            }
            store.postpone(id, leased.leaseOwner(), null);
            return RefreshResult.of(RefreshResult.Kind.CURRENT, leased);
        }
        if (trigger != Trigger.PROACTIVE && leased.failureCount() > 0 && leased.nextRefreshAt() != null
                && now.isBefore(leased.nextRefreshAt())) {
            // The last attempt failed and the provider's Retry-After (or our backoff) set the next one: a caller asking
            // sooner is answered from what is stored instead of calling a provider that is throttling us or down.
            store.release(id, leased.leaseOwner());
            return new RefreshResult(RefreshResult.Kind.UNAVAILABLE, leased, Duration.between(now, leased.nextRefreshAt()));
        }
        Provider provider = catalog.find(leased.providerId()).orElse(null);
        Optional<ClientCredentials> app = apps.find(leased.providerId(), leased.tenant());
        if (provider == null || app.isEmpty()) {
            return failed(leased, trigger, actor, new ProviderError(ErrorCategory.INVALID_REQUEST, 0,
                    provider == null ? "provider_not_in_catalog" : "provider_app_not_configured", null, null));
        }
        // Everything but the send comes before the limiter's admission: the limiter counts admissions and the provider
        // counts arrivals, so work in between (an unwrap at a remote key service, say) would let admitted calls bunch
        // up on their way and arrive more densely than they were admitted.
        Secret refreshToken = sealer.openRefresh(leased);
        var request = TokenRequests.refresh(provider, provider.resolveUrls(JsonMaps.read(leased.parametersJson())),
                app.get(), refreshToken, leased.scopes());
        if (!acquireRate(provider.id(), trigger)) {
            Duration wait = Duration.ofMillis(250);
            store.postpone(id, leased.leaseOwner(), now.plus(wait));
            return new RefreshResult(RefreshResult.Kind.UNAVAILABLE, leased, wait);
        }
        TokenResult result = client.exchange(provider, request, Map.of(), clock.instant());
        return switch (result) {
            case TokenGrant grant -> committed(leased, grant, trigger, actor, learned, rejections,
                    grant.refreshToken() != null && !grant.refreshToken().equals(refreshToken));
            case ProviderError error when error.category() == ErrorCategory.REAUTH_REQUIRED ->
                    needsReauth(leased, trigger, actor, error.code() == null ? "reauth_required" : error.code(),
                            Map.of("status", error.status()));
            case ProviderError error -> failed(leased, trigger, actor, error);
        };
    }

    private RefreshResult committed(StoredCredential leased, TokenGrant grant, Trigger trigger, Actor actor,
            Long learned, int rejections, boolean rotated) {
        UUID id = leased.connectionId();
        Instant issuedAt = clock.instant();
        Instant expiresAt = grant.expiresAt();
        // A provider whose tokens outlive what it states is fine; one whose tokens die early is cut short.
        Instant effective = policy.effectiveExpiry(issuedAt, expiresAt, grant.expirySource(), learned);
        Instant next = policy.nextRefreshAt(issuedAt, effective, true);
        RenewedCredential renewed = new RenewedCredential(
                sealer.sealAccess(leased.tenant(), id, grant.accessToken()),
                grant.refreshToken() != null ? sealer.sealRefresh(leased.tenant(), id, grant.refreshToken()) : null,
                grant.tokenType(), issuedAt, expiresAt, grant.expirySource(),
                grant.statedLifetime() == null ? null : grant.statedLifetime().toSeconds(),
                learned, next, rejections, grant.scopes(), JsonMaps.write(grant.metadata()));
        Boolean done = transactions.execute(status -> {
            if (!store.complete(id, leased.leaseOwner(), leased.version(), renewed)) {
                return false;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("trigger", trigger.wireName());
            details.put("version", leased.version() + 1);
            details.put("refresh_token_rotated", rotated);
            if (learned != null) {
                details.put("learned_lifetime_seconds", learned);
            }
            if (trigger == Trigger.REJECTED) {
                events.record(actor, ConnectionEvents.TOKEN_REJECTED, Outcome.SUCCESS, leased,
                        Map.of("rejected_version", leased.version(), "rejections", rejections));
            }
            events.record(actor, ConnectionEvents.REFRESHED, Outcome.SUCCESS, leased, details);
            if (leased.failureCount() > 0) {
                events.record(actor, ConnectionEvents.REFRESHED_AFTER_FAILURE, Outcome.SUCCESS, leased,
                        Map.of("failures", leased.failureCount()));
            }
            return true;
        });
        StoredCredential now = store.find(id).orElse(null);
        if (now == null) {
            return RefreshResult.of(RefreshResult.Kind.GONE, null);
        }
        if (!Boolean.TRUE.equals(done)) {
            // Our lease expired and another node took over (this node stalled): its result stands.
            log.warn("Refresh of connection {} finished after its lease was lost; the newer credential stands", id);
            return RefreshResult.of(RefreshResult.Kind.CURRENT, now);
        }
        return RefreshResult.of(RefreshResult.Kind.REFRESHED, now);
    }

    private RefreshResult needsReauth(StoredCredential leased, Trigger trigger, Actor actor, String reason,
            Map<String, ?> extra) {
        transactions.executeWithoutResult(status -> {
            if (store.markNeedsReauth(leased.connectionId(), leased.leaseOwner(), reason)) {
                Map<String, Object> details = new LinkedHashMap<>(extra);
                details.put("trigger", trigger.wireName());
                details.put("reason", reason);
                events.record(actor, ConnectionEvents.NEEDS_REAUTH, Outcome.SUCCESS, leased, details);
            }
        });
        return RefreshResult.of(RefreshResult.Kind.NEEDS_REAUTH, store.find(leased.connectionId()).orElse(leased));
    }

    private RefreshResult failed(StoredCredential leased, Trigger trigger, Actor actor, ProviderError error) {
        Duration delay = policy.backoff(leased.failureCount() + 1, error.retryAfter());
        Instant retryAt = clock.instant().plus(delay);
        String code = error.code() == null ? "http_" + error.status() : error.code();
        transactions.executeWithoutResult(status -> {
            store.fail(leased.connectionId(), leased.leaseOwner(), code, retryAt);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("trigger", trigger.wireName());
            details.put("error", code);
            details.put("status", error.status());
            details.put("category", error.category().name().toLowerCase(java.util.Locale.ROOT));
            details.put("attempt", leased.failureCount() + 1);
            details.put("retry_at", retryAt.toString());
            events.record(actor, ConnectionEvents.REFRESH_FAILED, Outcome.FAILURE, leased, details);
        });
        return new RefreshResult(RefreshResult.Kind.UNAVAILABLE, leased, delay);
    }

    private boolean acquireRate(String providerId, Trigger trigger) {
        try {
            // The engine can wait its turn; a caller waiting on a fetch cannot wait long.
            Duration wait = trigger == Trigger.PROACTIVE ? settings.lease().dividedBy(2) : settings.rateWait();
            return limiter.acquire(providerId, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A lease owner unique to one lease: the node name plus a random suffix, so a stalled thread whose lease was
     * taken over (even by its own node) can neither commit nor release the newer lease.
     */
    static String leaseOwner(String nodeId) {
        return nodeId + "/" + java.util.UUID.randomUUID().toString().substring(0, 13);
    }

    private static RefreshResult join(CompletableFuture<RefreshResult> running) {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a refresh", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a refresh", e);
        }
    }
}
