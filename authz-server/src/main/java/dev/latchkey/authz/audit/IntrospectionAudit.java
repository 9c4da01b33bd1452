package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.Outcome;
import java.time.Clock;

/**
 * Audits RFC 7662 introspections ({@code token.introspected}) without a database write per call
 * ({@link CountedCalls}, over the same tallies the broker audits credential reads with): calls are counted in memory
 * per (introspecting client, token fingerprint, active, source IP) and written by {@link #flush()} (every second) as
 * one event per key, all in one statement and transaction. The target is the token's fingerprint, the outcome
 * success for an active token and failure for an inactive or unknown one; details give the count and the first and
 * last call of the interval.
 *
 * <p>Why not a row per call: introspection is a read answered thousands of times a second, and a row per call
 * (eight indexes each) would make the audit table the busiest write in the system and outrun the chainer; a
 * synchronous insert would also put a commit on every read. The accepted cost, stated in the threat model: a node
 * that crashes loses the counts of its last interval (at most a second), and calls beyond {@value #MAX_KEYS}
 * distinct keys in an interval are counted per client without their token fingerprint.
 */
public final class IntrospectionAudit {

    static final int MAX_KEYS = 10_000;

    private record Key(String clientId, String token, boolean active, String sourceIp) {}

    private final CountedCalls<Key> calls;

    public IntrospectionAudit(AuditTrail trail, Clock clock) {
        this.calls = new CountedCalls<>(trail, clock, "introspection", MAX_KEYS, IntrospectionAudit::event);
    }

    /** Counts one introspection by {@code clientId} of the token with fingerprint {@code token}. */
    public void introspected(String clientId, String token, boolean active) {
        calls.count(ip -> new Key(clientId, token, active, ip), new Key(clientId, null, active, null));
    }

    /** Writes the counts gathered since the last flush; called on a schedule and at shutdown. */
    public void flush() {
        calls.flush();
    }

    private static AuditEvent event(Key key, CountedCalls.Tally tally) {
        AuditEvent.Builder event = tally.describe(AuditEvent.builder(Actor.app(key.clientId()), "token.introspected",
                        key.active() ? Outcome.SUCCESS : Outcome.FAILURE), key.sourceIp(), "introspections")
                .detail("active", key.active());
        if (key.token() != null) {
            event.target("token", key.token());
        } else {
            event.detail("tokens_not_listed", true);
        }
        return event.build();
    }
}
