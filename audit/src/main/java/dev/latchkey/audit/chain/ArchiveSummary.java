package dev.latchkey.audit.chain;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A signed summary of an archived range of the chain (rows {@code firstSeq..lastSeq}, exported, then deleted): the
 * hash the range continued from and the hash it ended with. The chain left in the database continues from
 * {@code lastHash}; an export of the range verifies against the summary ({@link AuditVerifier#verifyExport}).
 */
public record ArchiveSummary(long firstSeq, long lastSeq, long count, byte[] firstPrevHash, byte[] lastHash,
        Instant archivedAt, String keyId, byte[] signature) {

    public ArchiveSummary {
        Objects.requireNonNull(firstPrevHash, "first prev hash");
        Objects.requireNonNull(lastHash, "last hash");
        Objects.requireNonNull(archivedAt, "archived at");
        Objects.requireNonNull(keyId, "key id");
        Objects.requireNonNull(signature, "signature");
    }

    /** The bytes {@link #signature} covers. */
    public byte[] signedMessage() {
        return SignedMessages.archive(firstSeq, lastSeq, count, firstPrevHash, lastHash, archivedAt, keyId);
    }

    public boolean verifiesWith(SignatureVerifier verifier) {
        return verifier.verify(keyId, signedMessage(), signature);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "ArchiveSummary[seq " + firstSeq + ".." + lastSeq + ", count=" + count + ", firstPrevHash="
                + hex.formatHex(firstPrevHash) + ", lastHash=" + hex.formatHex(lastHash) + ", archivedAt="
                + archivedAt + ", keyId=" + keyId + "]";
    }
}
