package dev.latchkey.vault.rewrap;

import dev.latchkey.vault.SealContext;
import java.util.Arrays;
import java.util.Objects;

/**
 * One sealed value as a {@link SealedValueStore} holds it.
 *
 * @param id       the value's stable id within the store; batches are claimed in ascending id order
 * @param revision the row version the store increments on every write, for compare-and-swap
 * @param sealed   the sealed bytes
 * @param context  the owner the value was sealed for (the store rebuilds it from its own columns)
 */
public record StoredSealedValue(String id, long revision, byte[] sealed, SealContext context) {

    public StoredSealedValue {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sealed, "sealed");
        Objects.requireNonNull(context, "context");
        sealed = sealed.clone();
    }

    /** A copy of the sealed bytes. */
    @Override
    public byte[] sealed() {
        return sealed.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredSealedValue other && id.equals(other.id) && revision == other.revision
                && Arrays.equals(sealed, other.sealed) && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, revision, Arrays.hashCode(sealed), context);
    }

    @Override
    public String toString() {
        return "StoredSealedValue[id=" + id + ", revision=" + revision + ", " + sealed.length + " bytes]";
    }
}
