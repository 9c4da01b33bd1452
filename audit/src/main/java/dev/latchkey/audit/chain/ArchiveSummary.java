package dev.latchkey.audit.chain;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A signed summary of an archived range of the chain (rows {@code firstSeq..lastSeq}, exported, then deleted): the
 * hash the range continued from and the hash it ended with. The chain left in the database continues from
 * {@code lastHash}; an export of the range verifies against the summary ({@link AuditVerifier#verifyExport}).
 */
public record ArchiveSummary(long firstSeq, long lastSeq, long count, byte[] firstPrevHash, byte[] lastHash,
        Instant archivedAt, String keyId, byte[] signature) {

    /** The {@code format} of {@link #toJson()}. */
    public static final String JSON_FORMAT = "latchkey.audit.archive-summary.v1";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

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

    /**
     * The summary as a JSON object (byte strings lower-case hex, the time RFC 3339 UTC), kept next to an archive
     * file so that the file can be checked without the database ({@link #fromJson}).
     */
    public String toJson() {
        HexFormat hex = HexFormat.of();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", JSON_FORMAT);
        json.put("first_seq", firstSeq);
        json.put("last_seq", lastSeq);
        json.put("count", count);
        json.put("first_prev_hash", hex.formatHex(firstPrevHash));
        json.put("last_hash", hex.formatHex(lastHash));
        json.put("archived_at", archivedAt.toString());
        json.put("key_id", keyId);
        json.put("signature", hex.formatHex(signature));
        return JSON.writeValueAsString(json) + "\n";
    }

    /**
     * Parses {@link #toJson()}. Parsing checks only the shape: whether the summary is authentic is for
     * {@link #verifiesWith} to say.
     *
     * @throws IllegalArgumentException if the text is not such a summary
     */
    public static ArchiveSummary fromJson(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject() || !JSON_FORMAT.equals(string(n, "format"))) {
                throw new IllegalArgumentException("not an audit archive summary");
            }
            HexFormat hex = HexFormat.of();
            return new ArchiveSummary(number(n, "first_seq"), number(n, "last_seq"), number(n, "count"),
                    hex.parseHex(string(n, "first_prev_hash")), hex.parseHex(string(n, "last_hash")),
                    Instant.parse(string(n, "archived_at")), string(n, "key_id"), hex.parseHex(string(n, "signature")));
        } catch (JacksonException | DateTimeParseException e) {
            throw new IllegalArgumentException("not an audit archive summary");
        }
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("archive summary: " + field + " is not a number");
        }
        return v.longValue();
    }

    private static String string(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isString()) {
            throw new IllegalArgumentException("archive summary: " + field + " is not a string");
        }
        return v.stringValue();
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "ArchiveSummary[seq " + firstSeq + ".." + lastSeq + ", count=" + count + ", firstPrevHash="
                + hex.formatHex(firstPrevHash) + ", lastHash=" + hex.formatHex(lastHash) + ", archivedAt="
                + archivedAt + ", keyId=" + keyId + "]";
    }
}
