package dev.latchkey.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Frequent reads audited in aggregate: a tally per key kept in memory, written by {@link #flush} as one event per
 * key and interval in a single write. For reads answered thousands of times a second (token introspection,
 * credential reads), where a row per call would make the audit table the busiest write in the system and put a
 * commit on every read. A flush whose write fails folds its tallies back into the next interval, so counts are lost
 * only when the node stops before the next flush succeeds: the cost each user states.
 *
 * @param <K> what one event is about (an immutable key)
 * @param <T> the thread-safe, mutable tally of one key
 */
public final class AuditTallies<K, T> {

    private final BiFunction<K, T, AuditEvent> toEvent;
    private final BiConsumer<T, T> absorb;
    private volatile ConcurrentHashMap<K, T> current = new ConcurrentHashMap<>();

    /**
     * @param toEvent the event that reports one key's tally for an interval
     * @param absorb  adds the second tally (of a failed flush) into the first (of the current interval)
     */
    public AuditTallies(BiFunction<K, T, AuditEvent> toEvent, BiConsumer<T, T> absorb) {
        this.toEvent = toEvent;
        this.absorb = absorb;
    }

    /** The current interval's tally of {@code key}, made by {@code create} if this is its first count. */
    public T tally(K key, Function<? super K, ? extends T> create) {
        return current.computeIfAbsent(key, create);
    }

    /** Whether the current interval already counts {@code key} or counts fewer than {@code maxKeys} keys. */
    public boolean hasRoomFor(K key, int maxKeys) {
        ConcurrentHashMap<K, T> tallies = current;
        return tallies.size() < maxKeys || tallies.containsKey(key);
    }

    /**
     * Starts a new interval and hands the events of the one that ended to {@code write} in one call (one statement
     * in one transaction). If {@code write} throws, the tallies are folded into the new interval and the exception
     * is rethrown.
     */
    public void flush(Consumer<List<AuditEvent>> write) {
        ConcurrentHashMap<K, T> done = current;
        current = new ConcurrentHashMap<>();
        if (done.isEmpty()) {
            return;
        }
        List<AuditEvent> events = new ArrayList<>(done.size());
        done.forEach((key, tally) -> events.add(toEvent.apply(key, tally)));
        try {
            write.accept(events);
        } catch (RuntimeException e) {
            done.forEach((key, tally) -> current.merge(key, tally, (fresh, old) -> {
                absorb.accept(fresh, old);
                return fresh;
            }));
            throw e;
        }
    }
}
