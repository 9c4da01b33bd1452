package dev.latchkey.audit.chain;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The exact bytes that checkpoint and archive signatures cover: a label, then fixed-width big-endian integers and
 * length-prefixed byte strings, so that no two different statements encode alike. Times are microseconds since the
 * epoch. Key ids are covered too, so a signature cannot be re-labelled as another key's.
 */
public final class SignedMessages {

    private SignedMessages() {}

    /** {@code "latchkey.audit.checkpoint.v1" ‖ seq ‖ hash ‖ signed_at ‖ key_id}. */
    public static byte[] checkpoint(long seq, byte[] hash, Instant signedAt, String keyId) {
        return new Out().bytes("latchkey.audit.checkpoint.v1".getBytes(StandardCharsets.US_ASCII))
                .i64(seq).bytes(hash).i64(micros(signedAt)).bytes(keyId.getBytes(StandardCharsets.UTF_8)).done();
    }

    /**
     * {@code "latchkey.audit.archive.v1" ‖ first_seq ‖ last_seq ‖ count ‖ first_prev_hash ‖ last_hash ‖ archived_at
     * ‖ key_id}.
     */
    public static byte[] archive(long firstSeq, long lastSeq, long count, byte[] firstPrevHash, byte[] lastHash,
            Instant archivedAt, String keyId) {
        return new Out().bytes("latchkey.audit.archive.v1".getBytes(StandardCharsets.US_ASCII))
                .i64(firstSeq).i64(lastSeq).i64(count).bytes(firstPrevHash).bytes(lastHash)
                .i64(micros(archivedAt)).bytes(keyId.getBytes(StandardCharsets.UTF_8)).done();
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

        Out i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
            return this;
        }

        Out bytes(byte[] b) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        byte[] done() {
            return out.toByteArray();
        }
    }
}
