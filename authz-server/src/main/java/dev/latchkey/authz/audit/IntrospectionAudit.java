package dev.latchkey.authz.audit;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditTallies;
import dev.latchkey.audit.Outcome;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits RFC 7662 introspections ({@code token.introspected}) without a database write per call, with the same
 * {@link AuditTallies} the broker audits credential reads with: calls are counted in memory per (introspecting
 * client, token fingerprint, active, source IP) and written by {@link #flush()} (every second) as one event per key,
 * all in one statement and transaction. The
 * target is the token's fingerprint, the outcome success for an active token and failure for an inactive or unknown
 * one; details give the count and the first and last call of the interval.
 *
 * <p>Why not a row per call: introspection is a read answered thousands of times a second, and a row per call
 * (eight indexes each) would make the audit table the busiest write in the system and outrun the chainer; a
 * synchronous insert would also put a commit on every read. The accepted cost, stated in the threat model: a node
 * that crashes loses the counts of its last interval (at most a second), and calls beyond {@value #MAX_KEYS}
 * distinct keys in an interval are counted per client without their token fingerprint.
 */
public final class IntrospectionAudit {

    static final int MAX_KEYS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(IntrospectionAudit.class);

    private record Key(String clientId, String token, boolean active, String sourceIp) {}

    private static final class Tally {
        final LongAdder calls = new LongAdder();
        final Instant first;
        final AtomicReference<Instant> last;
        final String userAgent;

        Tally(Instant first, String userAgent) {
            this.first = first;
            this.last = new AtomicReference<>(first);
            this.userAgent = userAgent;
        }
    }

    private final AuditTrail trail;
    private final Clock clock;
    private final AuditTallies<Key, Tally> tallies = new AuditTallies<>(IntrospectionAudit::event,
            (into, from) -> into.calls.add(from.calls.sum()));

    public IntrospectionAudit(AuditTrail trail, Clock clock) {
        this.trail = trail;
        this.clock = clock;
    }

    /** Counts one introspection by {@code clientId} of the token with fingerprint {@code token}. */
    public void introspected(String clientId, String token, boolean active) {
        HttpServletRequest request = AuditTrail.currentRequest();
        String ip = request == null ? null : request.getRemoteAddr();
        Key key = new Key(clientId, token, active, ip);
        if (!tallies.hasRoomFor(key, MAX_KEYS)) {
            key = new Key(clientId, null, active, null);
        }
        Instant now = clock.instant();
        Tally tally = tallies.tally(key,
                k -> new Tally(now, request == null ? null : request.getHeader("User-Agent")));
        tally.calls.increment();
        tally.last.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Writes the counts gathered since the last flush; called on a schedule and at shutdown. */
    public void flush() {
        try {
            tallies.flush(events -> trail.inTransaction(() -> {
                trail.recordAll(events);
                return null;
            }));
        } catch (RuntimeException e) {
            log.warn("Could not write introspection audit events ({}); will retry", e.getClass().getSimpleName());
        }
    }

    private static AuditEvent event(Key key, Tally tally) {
        AuditEvent.Builder event = AuditEvent.builder(Actor.app(key.clientId()), "token.introspected",
                        key.active() ? Outcome.SUCCESS : Outcome.FAILURE)
                .occurredAt(tally.first)
                .source(key.sourceIp(), tally.userAgent)
                .detail("active", key.active())
                .detail("introspections", tally.calls.sum())
                .detail("first_at", tally.first.toString())
                .detail("last_at", tally.last.get().toString());
        if (key.token() != null) {
            event.target("token", key.token());
        } else {
            event.detail("tokens_not_listed", true);
        }
        return event.build();
    }
}
