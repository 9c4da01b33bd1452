package dev.latchkey.audit.query;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Keyset cursor: the id of the last entry on a page, in an opaque, versioned wrapper ({@code c1} + base64url of the
 * 8-byte id). Decoding is strict; anything else is an {@link InvalidCursorException}. A cursor only positions a
 * search: the filters are applied again on every page, so a forged cursor reveals nothing more.
 */
final class AuditCursor {

    private static final String PREFIX = "c1";

    private AuditCursor() {}

    static String encode(long id) {
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(8).putLong(id).array());
    }

    static long decode(String cursor) {
        if (cursor == null || cursor.length() != 13 || !cursor.startsWith(PREFIX)) {
            throw new InvalidCursorException();
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length()));
            long id = ByteBuffer.wrap(bytes).getLong();
            if (bytes.length != 8 || id <= 0 || !encode(id).equals(cursor)) {
                throw new InvalidCursorException();
            }
            return id;
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new InvalidCursorException();
        }
    }
}
