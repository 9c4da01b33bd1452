package dev.latchkey.audit;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A stored audit row: the event and its tamper-evidence columns.
 *
 * @param id insertion order (bigserial); the keyset of pagination, not part of any MAC
 * @param seq position in the chain, null until chained
 * @param recordMac {@code HMAC(record key, canonical content)}, written with the row
 * @param prevHash the previous row's hash (32 zero bytes for the first), null until chained
 * @param hash {@code HMAC(link key, seq ‖ prev_hash ‖ record_mac)}, null until chained
 */
public record AuditEntry(long id, Long seq, AuditEvent event, byte[] recordMac, byte[] prevHash, byte[] hash) {

    public AuditEntry {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(recordMac, "record MAC");
    }

    public boolean chained() {
        return seq != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditEntry other && id == other.id && Objects.equals(seq, other.seq)
                && event.equals(other.event) && Arrays.equals(recordMac, other.recordMac)
                && Arrays.equals(prevHash, other.prevHash) && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, seq, event, Arrays.hashCode(recordMac), Arrays.hashCode(hash));
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "AuditEntry[id=" + id + ", seq=" + seq + ", event=" + event + ", recordMac=" + hex.formatHex(recordMac)
                + ", prevHash=" + (prevHash == null ? null : hex.formatHex(prevHash))
                + ", hash=" + (hash == null ? null : hex.formatHex(hash)) + "]";
    }
}
