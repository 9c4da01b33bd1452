package dev.latchkey.vault.transit;

import java.util.Arrays;

/** Reads the wrapped data key out of a sealed value by the documented layout, for assertions. */
final class SealedHeaderBytes {

    private SealedHeaderBytes() {
    }

    static byte[] wrappedKey(byte[] sealed) {
        int p = sealed[1] & 0xff;
        int k = sealed[2 + p] & 0xff;
        int at = 2 + p + 1 + k + 4;
        int w = ((sealed[at] & 0xff) << 8) | (sealed[at + 1] & 0xff);
        return Arrays.copyOfRange(sealed, at + 2, at + 2 + w);
    }
}
