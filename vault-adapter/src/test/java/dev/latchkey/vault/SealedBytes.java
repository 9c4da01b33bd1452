package dev.latchkey.vault;

import java.util.Arrays;

/** Reads the wrapped data key out of a sealed value by the documented layout, for assertions. */
public final class SealedBytes {

    private SealedBytes() {
    }

    public static byte[] wrappedKey(byte[] sealed) {
        int p = sealed[1] & 0xff;
        int k = sealed[2 + p] & 0xff;
        int at = 2 + p + 1 + k + 4;
        int w = ((sealed[at] & 0xff) << 8) | (sealed[at + 1] & 0xff);
        return Arrays.copyOfRange(sealed, at + 2, at + 2 + w);
    }
}
