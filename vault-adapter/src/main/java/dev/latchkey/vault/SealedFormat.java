package dev.latchkey.vault;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes the sealed format, version 1 (documented in the module README):
 *
 * <pre>
 * offset  size  field
 * 0       1     format version, 0x01
 * 1       1     P: provider id length, 1..32
 * 2       P     provider id, ASCII [a-z0-9-]
 * .       1     K: key id length, 1..255
 * .       K     key id, UTF-8
 * .       4     key version, unsigned big-endian, 1..2^31-1
 * .       2     W: wrapped data key length, 1..1024
 * .       W     wrapped data key
 * .       12    nonce
 * .       C     AES-256-GCM ciphertext followed by its 16-byte tag (C &gt;= 16)
 * </pre>
 *
 * <p>Every length is checked against its cap and against the bytes that remain before it is used; any violation
 * becomes the one opaque {@link SealedDataException}.
 */
final class SealedFormat {

    static final int FORMAT_VERSION = 1;
    static final int MAX_PROVIDER_ID = 32;
    static final int MAX_KEY_ID = 255;
    static final int MAX_WRAPPED_KEY = 1024;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;

    private SealedFormat() {
    }

    /** A parsed sealed value: the header fields plus where nonce and ciphertext start. */
    record Parsed(KeyRef key, byte[] wrappedKey, int nonceOffset, int ciphertextOffset) {

        WrappedKey wrapped() {
            return new WrappedKey(key.keyId(), key.version(), wrappedKey);
        }
    }

    static Parsed parse(byte[] sealed) {
        if (sealed == null) {
            throw new SealedDataException();
        }
        Reader in = new Reader(sealed);
        if (in.u8() != FORMAT_VERSION) {
            throw new SealedDataException();
        }
        String providerId = in.ascii(in.length8(1, MAX_PROVIDER_ID));
        if (!validProviderId(providerId)) {
            throw new SealedDataException();
        }
        String keyId = in.utf8(in.length8(1, MAX_KEY_ID));
        long version = in.u32();
        if (version < 1 || version > Integer.MAX_VALUE) {
            throw new SealedDataException();
        }
        byte[] wrapped = in.bytes(in.length16(1, MAX_WRAPPED_KEY));
        int nonceOffset = in.position();
        in.skip(NONCE_BYTES);
        int ciphertextOffset = in.position();
        if (in.remaining() < TAG_BYTES) {
            throw new SealedDataException();
        }
        return new Parsed(new KeyRef(providerId, keyId, (int) version), wrapped, nonceOffset, ciphertextOffset);
    }

    /** The header for {@code wrapped} under {@code providerId}, up to and excluding the nonce. */
    static byte[] header(String providerId, WrappedKey wrapped) {
        byte[] provider = providerId.getBytes(StandardCharsets.US_ASCII);
        byte[] keyId = wrapped.keyId().getBytes(StandardCharsets.UTF_8);
        byte[] key = wrapped.ciphertextNoCopy();
        if (!validProviderId(providerId) || keyId.length < 1 || keyId.length > MAX_KEY_ID
                || key.length < 1 || key.length > MAX_WRAPPED_KEY) {
            throw new IllegalArgumentException("wrapped key does not fit the sealed format");
        }
        var out = new ByteArrayOutputStream(9 + provider.length + keyId.length + key.length);
        out.write(FORMAT_VERSION);
        out.write(provider.length);
        out.writeBytes(provider);
        out.write(keyId.length);
        out.writeBytes(keyId);
        out.writeBytes(ByteBuffer.allocate(4).putInt(wrapped.version()).array());
        out.write(key.length >>> 8);
        out.write(key.length);
        out.writeBytes(key);
        return out.toByteArray();
    }

    static boolean validProviderId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_PROVIDER_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Bounds-checked cursor; every violation is a {@link SealedDataException}. */
    private static final class Reader {
        private final byte[] data;
        private int pos;

        Reader(byte[] data) {
            this.data = data;
        }

        int position() {
            return pos;
        }

        int remaining() {
            return data.length - pos;
        }

        void need(int n) {
            if (n < 0 || n > remaining()) {
                throw new SealedDataException();
            }
        }

        int u8() {
            need(1);
            return data[pos++] & 0xff;
        }

        int length8(int min, int max) {
            int n = u8();
            if (n < min || n > max) {
                throw new SealedDataException();
            }
            return n;
        }

        int length16(int min, int max) {
            need(2);
            int n = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
            pos += 2;
            if (n < min || n > max) {
                throw new SealedDataException();
            }
            return n;
        }

        long u32() {
            need(4);
            long v = ((long) (data[pos] & 0xff) << 24) | ((data[pos + 1] & 0xff) << 16)
                    | ((data[pos + 2] & 0xff) << 8) | (data[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            System.arraycopy(data, pos, out, 0, n);
            pos += n;
            return out;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        String ascii(int n) {
            return decode(bytes(n), true);
        }

        String utf8(int n) {
            return decode(bytes(n), false);
        }

        private static String decode(byte[] bytes, boolean asciiOnly) {
            var decoder = (asciiOnly ? StandardCharsets.US_ASCII : StandardCharsets.UTF_8).newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                return decoder.decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new SealedDataException();
            }
        }
    }
}
