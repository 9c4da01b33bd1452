package dev.latchkey.authz.keys;

import static dev.latchkey.db.Tables.SIGNING_KEYS;
import static dev.latchkey.db.Tables.SYSTEM_SECRETS;

import dev.latchkey.vault.KeyRef;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedHeader;
import dev.latchkey.vault.rewrap.SealedValueStore;
import dev.latchkey.vault.rewrap.StoredSealedValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.jooq.DSLContext;

/**
 * The platform's sealed values (signing keys, system secrets) for the rewrap job. Rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED} inside one transaction, so several nodes rewrapping at once take disjoint rows; the
 * replace compares the stored bytes (compare-and-swap), so a concurrent write always wins. These tables hold a
 * handful of rows, so staleness is read from each value's header rather than from extra columns.
 */
public final class PlatformSealedValueStore implements SealedValueStore {

    private static final String SIGNING = "signing_keys:";
    private static final String SYSTEM = "system_secrets:";

    private final DSLContext dsl;

    public PlatformSealedValueStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    @Override
    public int claimStale(KeyRef target, String afterId, int limit, Consumer<List<StoredSealedValue>> work) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            List<StoredSealedValue> candidates = new ArrayList<>();
            db.select(SIGNING_KEYS.KID, SIGNING_KEYS.PRIVATE_KEY_SEALED).from(SIGNING_KEYS).forUpdate().skipLocked()
                    .forEach(r -> candidates.add(value(SIGNING + r.value1(), r.value2(), SigningKeys.context(r.value1()))));
            db.select(SYSTEM_SECRETS.NAME, SYSTEM_SECRETS.SEALED).from(SYSTEM_SECRETS).forUpdate().skipLocked()
                    .forEach(r -> candidates.add(value(SYSTEM + r.value1(), r.value2(), SystemSecrets.context(r.value1()))));
            List<StoredSealedValue> batch = candidates.stream()
                    .filter(v -> afterId == null || v.id().compareTo(afterId) > 0)
                    .filter(v -> isStale(v.sealed(), target))
                    .sorted(Comparator.comparing(StoredSealedValue::id))
                    .limit(limit)
                    .toList();
            if (!batch.isEmpty()) {
                work.accept(batch);
            }
            return batch.size();
        });
    }

    @Override
    public boolean replaceIfUnchanged(StoredSealedValue claimed, byte[] rewrapped) {
        if (claimed.id().startsWith(SIGNING)) {
            String kid = claimed.id().substring(SIGNING.length());
            return dsl.update(SIGNING_KEYS).set(SIGNING_KEYS.PRIVATE_KEY_SEALED, rewrapped)
                    .where(SIGNING_KEYS.KID.eq(kid)).and(SIGNING_KEYS.PRIVATE_KEY_SEALED.eq(claimed.sealed())).execute() == 1;
        }
        String name = claimed.id().substring(SYSTEM.length());
        return dsl.update(SYSTEM_SECRETS).set(SYSTEM_SECRETS.SEALED, rewrapped)
                .where(SYSTEM_SECRETS.NAME.eq(name)).and(SYSTEM_SECRETS.SEALED.eq(claimed.sealed())).execute() == 1;
    }

    private static StoredSealedValue value(String id, byte[] sealed, SealContext context) {
        return new StoredSealedValue(id, 0, sealed, context);
    }

    /** A value that cannot be parsed is handed to the job, which counts it as failed instead of skipping it silently. */
    private static boolean isStale(byte[] sealed, KeyRef target) {
        try {
            KeyRef key = SealedHeader.parse(sealed).key();
            return !key.sameKey(target) || key.version() < target.version();
        } catch (RuntimeException unparseable) {
            return true;
        }
    }
}
