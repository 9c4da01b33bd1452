package dev.latchkey.audit;

import dev.latchkey.vault.SecretBytes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The audit trail's 256-bit secret key, supplied by the application (a sealed system secret named
 * {@value #SYSTEM_SECRET_NAME}). Two subkeys are derived from it, {@code HMAC-SHA256(key, label)}:
 *
 * <ul>
 *   <li>the <b>record key</b>: {@code record_mac = HMAC(record key, canonical content)} is computed when a row is
 *       written, so a row inserted or edited with database access alone never verifies, even before it is chained;
 *   <li>the <b>link key</b>: {@code hash = HMAC(link key, seq ‖ prev_hash ‖ record_mac)} chains rows, so nobody
 *       without the key can recompute the chain after deleting, reordering or editing rows.
 * </ul>
 *
 * <p>Canonical content, in this order: the label {@code latchkey.audit.record.v1}, event id (16 bytes), occurred at
 * (signed 64-bit microseconds since the epoch), actor type, actor id, action, target type, target id, tenant,
 * outcome, source IP, user agent, request id, canonical details. Strings are UTF-8 with a 32-bit big-endian length;
 * optional ones are preceded by a byte, 0 for null and 1 for present. The first row links to 32 zero bytes.
 */
public final class AuditChainKey {

    /** Name of the sealed system secret that holds the key. */
    public static final String SYSTEM_SECRET_NAME = "audit-chain-key";
    /** Length of record MACs and chain hashes. */
    public static final int HASH_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] RECORD_LABEL = "latchkey.audit.record.v1".getBytes(StandardCharsets.US_ASCII);

    private final ThreadLocal<Mac> recordMacs;
    private final ThreadLocal<Mac> linkMacs;

    private AuditChainKey(SecretKeySpec recordKey, SecretKeySpec linkKey) {
        this.recordMacs = ThreadLocal.withInitial(() -> mac(recordKey));
        this.linkMacs = ThreadLocal.withInitial(() -> mac(linkKey));
    }

    /** The key; at least 256 bits. The caller keeps and may close {@code key}. */
    public static AuditChainKey of(SecretBytes key) {
        byte[] master = key.revealBytes();
        try {
            if (master.length < 32) {
                throw new IllegalArgumentException("the audit chain key must be at least 256 bits");
            }
            Mac mac = mac(new SecretKeySpec(master, ALGORITHM));
            byte[] recordKey = mac.doFinal("latchkey.audit.record-key.v1".getBytes(StandardCharsets.US_ASCII));
            byte[] linkKey = mac.doFinal("latchkey.audit.link-key.v1".getBytes(StandardCharsets.US_ASCII));
            try {
                return new AuditChainKey(new SecretKeySpec(recordKey, ALGORITHM), new SecretKeySpec(linkKey, ALGORITHM));
            } finally {
                Arrays.fill(recordKey, (byte) 0);
                Arrays.fill(linkKey, (byte) 0);
            }
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    /** The prev_hash of the first row ever chained. */
    public static byte[] genesisHash() {
        return new byte[HASH_BYTES];
    }

    /** {@code HMAC(record key, canonical content of event)}. */
    public byte[] recordMac(AuditEvent event) {
        return recordMacs.get().doFinal(canonicalContent(event));
    }

    /** {@code HMAC(link key, seq ‖ prevHash ‖ recordMac)}: the row's chain hash. */
    public byte[] link(long seq, byte[] prevHash, byte[] recordMac) {
        if (prevHash == null || prevHash.length != HASH_BYTES || recordMac == null || recordMac.length != HASH_BYTES) {
            return new byte[HASH_BYTES + 1]; // never equal to a stored hash: malformed input fails verification
        }
        Mac mac = linkMacs.get();
        mac.update(ByteBuffer.allocate(8).putLong(seq).array());
        mac.update(prevHash);
        mac.update(recordMac);
        return mac.doFinal();
    }

    /** The bytes the record MAC covers (see the class comment). */
    public static byte[] canonicalContent(AuditEvent e) {
        Encoder out = new Encoder();
        out.bytes(RECORD_LABEL);
        UUID id = e.eventId();
        out.raw(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array());
        out.raw(ByteBuffer.allocate(8)
                .putLong(Math.addExact(Math.multiplyExact(e.occurredAt().getEpochSecond(), 1_000_000L),
                        e.occurredAt().getNano() / 1_000))
                .array());
        out.string(e.actor().type().dbValue());
        out.optional(e.actor().id());
        out.string(e.action());
        out.optional(e.target() == null ? null : e.target().type());
        out.optional(e.target() == null ? null : e.target().id());
        out.optional(e.tenant());
        out.string(e.outcome().dbValue());
        out.optional(e.sourceIp());
        out.optional(e.userAgent());
        out.optional(e.requestId());
        out.bytes(e.details().canonicalBytes());
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "AuditChainKey[redacted]";
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static final class Encoder extends ByteArrayOutputStream {

        Encoder() {
            super(256);
        }

        void raw(byte[] b) {
            write(b, 0, b.length);
        }

        void bytes(byte[] b) {
            raw(ByteBuffer.allocate(4).putInt(b.length).array());
            raw(b);
        }

        void string(String s) {
            bytes(Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8));
        }

        void optional(String s) {
            if (s == null) {
                write(0);
            } else {
                write(1);
                string(s);
            }
        }
    }
}
