package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Outcome;
import java.time.Clock;

/**
 * Audits grants the token endpoint refuses ({@code token.grant_failed}, outcome failure): an authorization code or
 * refresh token that is unknown, expired, issued to another client or sent with the wrong PKCE verifier or redirect
 * URI, a grant type or scope the client may not use. The client has authenticated by then (its own failures are
 * {@link ClientAuthenticationAudit}'s), so it is the actor; the target is the grant type, the details the RFC 6749
 * error code and how many such refusals came from one source in the interval. The presented code or token is never
 * part of it. (An unknown authorization code is refused earlier, while the client authenticates: Spring looks the
 * code up to see whether it was issued with PKCE. That refusal is a {@code client.authentication} failure, recorded
 * one by one and throttled there.)
 *
 * <p>Counted like introspections ({@link CountedCalls}): one event per (client, grant type, error,
 * source IP) per second, not a row per refusal, since a client holding a valid secret (cached after its first check)
 * could otherwise write audit rows as fast as it can send garbage codes. Beyond {@value #MAX_KEYS} keys in an
 * interval, refusals are counted per client without their source. Refresh-token reuse and code replay also get an
 * event of their own at once ({@code token.refresh_reuse_detected}, {@code token.code_replay_detected}), since they
 * revoke a grant.
 */
public final class GrantFailureAudit {

    static final int MAX_KEYS = 10_000;

    private record Key(String clientId, String grantType, String error, String sourceIp) {}

    private final CountedCalls<Key> calls;

    public GrantFailureAudit(AuditTrail trail, Clock clock) {
        this.calls = new CountedCalls<>(trail, clock, "grant failure", MAX_KEYS, GrantFailureAudit::event);
    }

    /** Counts one refusal of a {@code grantType} grant to {@code clientId} with the RFC 6749 {@code error}. */
    public void refused(String clientId, String grantType, String error) {
        calls.count(ip -> new Key(clientId, grantType, error, ip), new Key(clientId, grantType, error, null));
    }

    /** Writes the counts gathered since the last flush; called on a schedule and at shutdown. */
    public void flush() {
        calls.flush();
    }

    private static AuditEvent event(Key key, CountedCalls.Tally tally) {
        return tally.describe(AuditEvent.builder(Actor.app(key.clientId()), "token.grant_failed", Outcome.FAILURE),
                        key.sourceIp(), "failures")
                .target("grant_type", key.grantType())
                .detail("error", key.error())
                .build();
    }
}
