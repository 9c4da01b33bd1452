package dev.latchkey.broker.token;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.audit.AuditTallies;
import dev.latchkey.audit.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Audits credential reads without putting a database write on the token fetch: reads are counted per (service,
 * tenant) in memory and written as one {@code credential.read} event per pair and interval, with the number of
 * reads and the connections read (up to {@value #MAX_LISTED}). A fetch answered at 25,000 per second would
 * otherwise write 25,000 audit rows per second. The cost, stated in the threat model: a node that crashes loses
 * the counts of its last interval.
 */
public final class CredentialReads {

    static final int MAX_LISTED = 50;
    private static final Logger log = LoggerFactory.getLogger(CredentialReads.class);

    private record Key(String clientId, String tenant) {
    }

    private static final class Tally {
        final LongAdder reads = new LongAdder();
        final Set<UUID> connections = ConcurrentHashMap.newKeySet();
    }

    private final AuditLog audit;
    private final TransactionTemplate transactions;
    private final AuditTallies<Key, Tally> tallies = new AuditTallies<>(CredentialReads::event, (into, from) -> {
        into.reads.add(from.reads.sum());
        from.connections.stream().limit(MAX_LISTED).forEach(into.connections::add);
    });

    public CredentialReads(AuditLog audit, TransactionTemplate transactions) {
        this.audit = audit;
        this.transactions = transactions;
    }

    public void read(String clientId, String tenant, UUID connectionId) {
        Tally tally = tallies.tally(new Key(clientId, tenant), key -> new Tally());
        tally.reads.increment();
        if (tally.connections.size() < MAX_LISTED) {
            tally.connections.add(connectionId);
        }
    }

    /** Writes the counts gathered since the last flush; called on a schedule and at shutdown. */
    public void flush() {
        try {
            // One statement for the whole interval, as the introspection counts are written.
            tallies.flush(events -> transactions.executeWithoutResult(status -> audit.recordAll(events)));
        } catch (RuntimeException e) {
            log.warn("Could not write credential read audit events ({}); will retry", e.getClass().getSimpleName());
        }
    }

    private static AuditEvent event(Key key, Tally tally) {
        List<String> ids = new ArrayList<>();
        tally.connections.forEach(id -> ids.add(id.toString()));
        return AuditEvent.builder(Actor.service(key.clientId()), "credential.read", Outcome.SUCCESS)
                .tenant(key.tenant()).target("tenant", key.tenant())
                .details(Map.of("reads", tally.reads.sum(), "connections", ids,
                        "connections_truncated", ids.size() >= MAX_LISTED))
                .build();
    }
}
