package dev.latchkey.vault;

/**
 * The readable header of a sealed value: which key wrapped its data key. Stores use it to record the key version in
 * a column (so stale values can be found with an index) without opening anything.
 *
 * @param formatVersion    the sealed format version (1)
 * @param key              provider, key id and key version that wrapped the data key
 * @param wrappedKeyLength length in bytes of the wrapped data key
 */
public record SealedHeader(int formatVersion, KeyRef key, int wrappedKeyLength) {

    /**
     * Parses and bounds-checks the header of {@code sealed}. Succeeding says nothing about authenticity: only
     * {@link Sealer#open} proves that.
     *
     * @throws SealedDataException if {@code sealed} is not a well-formed sealed value
     */
    public static SealedHeader parse(byte[] sealed) {
        SealedFormat.Parsed parsed = SealedFormat.parse(sealed);
        return new SealedHeader(SealedFormat.FORMAT_VERSION, parsed.key(), parsed.wrappedKey().length);
    }
}
