package dev.latchkey.broker.token;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.Outcome;
import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.credential.ConnectionStatus;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.JsonMaps;
import dev.latchkey.broker.credential.StoredCredential;
import dev.latchkey.broker.events.RequestContext;
import dev.latchkey.broker.refresh.RefreshResult;
import dev.latchkey.broker.refresh.Refresher;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Serves credentials to internal services: the token fetch (refreshing first when the token is expired or about
 * to be) and the 401 report (refreshing only if the rejected version is still current).
 *
 * <p>A connection in a tenant the caller may not touch is reported exactly like one that does not exist, and the
 * attempt is audited as denied.
 */
public final class TokenService {

    private final CredentialStore store;
    private final CredentialSealer sealer;
    private final Refresher refresher;
    private final CredentialReads reads;
    private final AuditLog audit;
    private final Clock clock;

    public TokenService(CredentialStore store, CredentialSealer sealer, Refresher refresher, CredentialReads reads,
            AuditLog audit, Clock clock) {
        this.store = store;
        this.sealer = sealer;
        this.refresher = refresher;
        this.reads = reads;
        this.audit = audit;
        this.clock = clock;
    }

    /** A usable credential for the connection, renewed first if it is expired or inside its refresh window. */
    public TokenView fetch(UUID connectionId, BrokerCaller caller) {
        StoredCredential credential = visible(store.findForServing(connectionId), connectionId, caller, "credential.read");
        requireActive(credential);
        Instant expiry = effectiveExpiry(credential);
        Instant now = clock.instant();
        boolean refreshed = false;
        if (refresher.policy().mustRefreshBeforeServing(credential.issuedAt(), expiry, now)) {
            RefreshResult result = refresher.refresh(connectionId, credential.version(), Refresher.Trigger.FETCH,
                    Actor.service(caller.clientId()));
            boolean stillValid = expiry != null && now.isBefore(expiry);
            StoredCredential settled = settle(result, stillValid ? credential : null);
            if (settled != credential) {
                credential = settled;
                expiry = effectiveExpiry(settled);
            }
            refreshed = result.kind() == RefreshResult.Kind.REFRESHED;
        }
        reads.read(caller.clientId(), credential.tenant(), connectionId);
        return view(credential, expiry, refreshed);
    }

    /**
     * The caller's provider rejected the token with this version (HTTP 401). Refreshes if that version is still
     * current; otherwise returns the newer credential at once.
     *
     * @param rejectedVersion the version the provider rejected, or null to force a refresh of the current one
     */
    public TokenView report(UUID connectionId, Long rejectedVersion, BrokerCaller caller) {
        StoredCredential credential = visible(store.find(connectionId), connectionId, caller,
                "connection.token_rejected");
        requireActive(credential);
        if (rejectedVersion != null && rejectedVersion != credential.version()) {
            if (rejectedVersion > credential.version()) {
                throw new BrokerException(BrokerException.Reason.INVALID_REQUEST, "version is newer than the current one");
            }
            return view(credential, effectiveExpiry(credential), false);
        }
        RefreshResult result = refresher.refresh(connectionId, credential.version(),
                rejectedVersion == null ? Refresher.Trigger.FORCED : Refresher.Trigger.REJECTED,
                Actor.service(caller.clientId()));
        StoredCredential settled = settle(result, null);
        return view(settled, effectiveExpiry(settled), result.kind() == RefreshResult.Kind.REFRESHED);
    }

    private StoredCredential settle(RefreshResult result, StoredCredential fallback) {
        return switch (result.kind()) {
            case REFRESHED, CURRENT -> result.credential();
            case NEEDS_REAUTH -> throw BrokerException.needsReauth();
            case GONE -> throw BrokerException.notFound();
            case UNAVAILABLE -> {
                if (fallback != null) {
                    yield fallback;
                }
                throw new BrokerException(BrokerException.Reason.UNAVAILABLE,
                        "the provider did not renew the credential in time", result.retryAfter());
            }
        };
    }

    private StoredCredential visible(Optional<StoredCredential> found, UUID connectionId, BrokerCaller caller,
            String action) {
        StoredCredential credential = found.orElseThrow(BrokerException::notFound);
        if (!caller.mayAccess(credential.tenant())) {
            AuditEvent.Builder denied = AuditEvent.builder(Actor.service(caller.clientId()), action, Outcome.DENIED)
                    .tenant(credential.tenant()).target("connection", connectionId.toString())
                    .details(Map.of("reason", "tenant_not_allowed"));
            RequestContext.current().ifPresent(r -> denied.source(r.sourceIp(), r.userAgent()).requestId(r.requestId()));
            audit.record(denied.build());
            throw BrokerException.notFound();
        }
        if (credential.status() == ConnectionStatus.REVOKED) {
            throw BrokerException.notFound();
        }
        return credential;
    }

    private static void requireActive(StoredCredential credential) {
        if (credential.status() == ConnectionStatus.NEEDS_REAUTH) {
            throw BrokerException.needsReauth();
        }
    }

    private Instant effectiveExpiry(StoredCredential credential) {
        return refresher.policy().effectiveExpiry(credential.issuedAt(), credential.expiresAt(),
                credential.expirySource(), credential.learnedLifetimeSeconds());
    }

    private TokenView view(StoredCredential credential, Instant expiry, boolean refreshed) {
        Secret secret = sealer.openAccess(credential);
        String username = credential.kind() == CredentialKind.BASIC
                ? JsonMaps.read(credential.metadataJson()).get("username") : null;
        return new TokenView(credential.connectionId(), credential.tenant(), credential.providerId(),
                credential.kind(), secret, username, credential.tokenType(), expiry, credential.version(),
                credential.metadataJson(), refreshed);
    }
}
