package dev.latchkey.authz.audit;

import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditTallies;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls audited by count rather than one row each ({@link IntrospectionAudit}, {@link GrantFailureAudit}): counted in
 * memory per key over an interval with {@link AuditTallies}, and written by {@link #flush()} as one event per key, all
 * in one transaction. At most {@code maxKeys} keys are kept per interval; calls beyond go to a coarser key.
 */
final class CountedCalls<K> {

    private static final Logger log = LoggerFactory.getLogger(CountedCalls.class);

    private final AuditTrail trail;
    private final Clock clock;
    private final String what;
    private final int maxKeys;
    private final AuditTallies<K, Tally> tallies;

    /**
     * @param what    names the calls in the warning when a write fails (the counts are kept for the next one)
     * @param toEvent the event of one key's tally; {@link Tally#describe} adds the count and times
     */
    CountedCalls(AuditTrail trail, Clock clock, String what, int maxKeys, BiFunction<K, Tally, AuditEvent> toEvent) {
        this.trail = trail;
        this.clock = clock;
        this.what = what;
        this.maxKeys = maxKeys;
        this.tallies = new AuditTallies<>(toEvent, (into, from) -> into.calls.add(from.calls.sum()));
    }

    /**
     * Counts one call of the current request under {@code keyForSource} (given the request's source address), or
     * under {@code overflow} when the interval already holds {@code maxKeys} keys.
     */
    void count(Function<String, K> keyForSource, K overflow) {
        HttpServletRequest request = AuditTrail.currentRequest();
        K key = keyForSource.apply(request == null ? null : request.getRemoteAddr());
        if (!tallies.hasRoomFor(key, maxKeys)) {
            key = overflow;
        }
        Instant now = clock.instant();
        tallies.tally(key, k -> new Tally(now, request == null ? null : request.getHeader("User-Agent"))).count(now);
    }

    /** Writes the counts gathered since the last flush; called on a schedule and at shutdown. */
    void flush() {
        try {
            tallies.flush(events -> trail.inTransaction(() -> {
                trail.recordAll(events);
                return null;
            }));
        } catch (RuntimeException e) {
            log.warn("Could not write {} audit events ({}); will retry", what, e.getClass().getSimpleName());
        }
    }

    /** One key's calls in an interval: how many, the first and the last, and the user agent of the first. */
    static final class Tally {
        private final LongAdder calls = new LongAdder();
        private final Instant first;
        private final AtomicReference<Instant> last;
        private final String userAgent;

        private Tally(Instant first, String userAgent) {
            this.first = first;
            this.last = new AtomicReference<>(first);
            this.userAgent = userAgent;
        }

        private void count(Instant at) {
            calls.increment();
            last.accumulateAndGet(at, (a, b) -> a.isAfter(b) ? a : b);
        }

        /** The event's time and user agent (beside {@code sourceIp}), the count under {@code countName}, first and last. */
        AuditEvent.Builder describe(AuditEvent.Builder event, String sourceIp, String countName) {
            return event.occurredAt(first)
                    .source(sourceIp, userAgent)
                    .detail(countName, calls.sum())
                    .detail("first_at", first.toString())
                    .detail("last_at", last.get().toString());
        }
    }
}
