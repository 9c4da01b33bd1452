package dev.latchkey.vault.rewrap;

import dev.latchkey.vault.KeyRef;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedHeader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A {@link SealedValueStore} in memory, for tests and development. It behaves like the PostgreSQL recipe: claims
 * skip values another claim holds (like {@code FOR UPDATE SKIP LOCKED}), ids are walked in ascending string order,
 * and every write increments the revision. Application writes through {@link #put} do not wait for claims; they make
 * the claimant's compare-and-swap fail instead. Malformed values count as stale, so the job reports them. Thread-safe.
 */
public final class InMemorySealedValueStore implements SealedValueStore {

    private record Row(long revision, byte[] sealed, SealContext context) {
    }

    private final TreeMap<String, Row> rows = new TreeMap<>();
    private final Set<String> claimed = new HashSet<>();

    /** Inserts or overwrites a value (an application write); returns its new revision. */
    public synchronized long put(String id, byte[] sealed, SealContext context) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        Row old = rows.get(id);
        long revision = old == null ? 1 : old.revision() + 1;
        rows.put(id, new Row(revision, sealed.clone(), context));
        return revision;
    }

    /** The stored value, or null. */
    public synchronized StoredSealedValue get(String id) {
        Row row = rows.get(id);
        return row == null ? null : new StoredSealedValue(id, row.revision(), row.sealed(), row.context());
    }

    /** All stored values in id order. */
    public synchronized List<StoredSealedValue> all() {
        List<StoredSealedValue> out = new ArrayList<>();
        rows.forEach((id, row) -> out.add(new StoredSealedValue(id, row.revision(), row.sealed(), row.context())));
        return out;
    }

    /** Values not under {@code target}, as {@link #claimStale} would see them if nothing were claimed. */
    public synchronized long countStale(KeyRef target) {
        return rows.values().stream().filter(r -> stale(r.sealed(), target)).count();
    }

    @Override
    public int claimStale(KeyRef target, String afterId, int limit, Consumer<List<StoredSealedValue>> work) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or greater");
        }
        List<StoredSealedValue> batch = new ArrayList<>();
        synchronized (this) {
            Map<String, Row> candidates = afterId == null ? rows : rows.tailMap(afterId, false);
            for (Map.Entry<String, Row> e : candidates.entrySet()) {
                if (batch.size() == limit) {
                    break;
                }
                Row row = e.getValue();
                if (!claimed.contains(e.getKey()) && stale(row.sealed(), target)) {
                    batch.add(new StoredSealedValue(e.getKey(), row.revision(), row.sealed(), row.context()));
                }
            }
            batch.forEach(v -> claimed.add(v.id()));
        }
        try {
            if (!batch.isEmpty()) {
                work.accept(List.copyOf(batch));
            }
            return batch.size();
        } finally {
            synchronized (this) {
                batch.forEach(v -> claimed.remove(v.id()));
            }
        }
    }

    @Override
    public synchronized boolean replaceIfUnchanged(StoredSealedValue claimedValue, byte[] rewrapped) {
        Row row = rows.get(claimedValue.id());
        if (row == null || row.revision() != claimedValue.revision()) {
            return false;
        }
        SealedHeader.parse(rewrapped); // a store records the new key version from the header; reject garbage
        rows.put(claimedValue.id(), new Row(row.revision() + 1, rewrapped.clone(), row.context()));
        return true;
    }

    private static boolean stale(byte[] sealed, KeyRef target) {
        try {
            KeyRef key = SealedHeader.parse(sealed).key();
            return !key.sameKey(target) || key.version() < target.version();
        } catch (SealedDataException e) {
            return true;
        }
    }
}
