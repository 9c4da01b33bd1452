package dev.latchkey.audit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The non-secret details of an audit event: a JSON object kept in one canonical text form.
 *
 * <p>PostgreSQL's {@code jsonb} reorders keys and reformats numbers, so the text an application records and the text
 * read back differ; their canonical forms do not. The record MAC covers the canonical form, which is therefore a
 * function of the stored value alone. Canonical form: no whitespace, object keys sorted (Java {@link String} order),
 * numbers as exact decimals without trailing zeros, strings escaped minimally, UTF-8.
 *
 * <p>Details never hold secret values: record identifiers and fingerprints ({@link Fingerprints}). Values built with
 * {@link #of} are cleaned: NUL and unpaired surrogates become U+FFFD and issued secret values ({@code lk_at_…}) are
 * redacted.
 */
public final class AuditDetails {

    /** Largest canonical form accepted from an application, in bytes. */
    public static final int MAX_BYTES = 16 * 1024;
    /** Deepest nesting accepted from an application. */
    public static final int MAX_DEPTH = 16;

    private static final int PARSE_MAX_DEPTH = 64;
    private static final AuditDetails EMPTY = new AuditDetails("{}");
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String json;

    private AuditDetails(String json) {
        this.json = json;
    }

    public static AuditDetails empty() {
        return EMPTY;
    }

    /**
     * Details from application values: strings (and {@link UUID}, enums, {@code java.time} values, written as
     * strings), numbers, booleans, null, maps with string keys, collections and arrays of these. Byte arrays are
     * refused: record a {@link Fingerprints fingerprint}.
     *
     * @throws IllegalArgumentException for other types, non-finite numbers, nesting deeper than {@link #MAX_DEPTH} or
     *     a canonical form larger than {@link #MAX_BYTES}
     */
    public static AuditDetails of(Map<String, ?> values) {
        if (values == null || values.isEmpty()) {
            return EMPTY;
        }
        StringBuilder out = new StringBuilder(64);
        writeValue(out, values, 0);
        String json = out.toString();
        if (json.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException("audit details larger than " + MAX_BYTES + " bytes");
        }
        return new AuditDetails(json);
    }

    /**
     * Details as stored ({@code jsonb} text) or exported: parsed exactly, without cleaning, so that the canonical form
     * is a function of the stored value.
     *
     * @throws IllegalArgumentException if {@code json} is not one JSON object
     */
    public static AuditDetails parse(String json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("audit details are not valid JSON");
        }
        return fromTree(tree);
    }

    /** Details from a parsed JSON tree (an export line's {@code details}); exact, like {@link #parse}. */
    public static AuditDetails fromTree(JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("audit details must be a JSON object");
        }
        StringBuilder out = new StringBuilder(64);
        writeTree(out, tree, 0);
        return new AuditDetails(out.toString());
    }

    /** The canonical JSON text. */
    public String json() {
        return json;
    }

    public byte[] canonicalBytes() {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** The details as maps, lists, strings, {@link BigInteger}/{@link BigDecimal} numbers, booleans and nulls. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        return JSON.readValue(json, Map.class);
    }

    public boolean isEmpty() {
        return "{}".equals(json);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditDetails other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }

    private static void writeValue(StringBuilder out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("audit details nested deeper than " + MAX_DEPTH);
        }
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b.booleanValue());
            case Number n -> out.append(number(decimal(n)));
            case CharSequence s -> string(out, AuditText.clean(s.toString()));
            case UUID u -> string(out, u.toString());
            case Enum<?> e -> string(out, AuditText.clean(e.name()));
            case TemporalAccessor t -> string(out, AuditText.clean(t.toString()));
            case Map<?, ?> map -> {
                TreeMap<String, Object> sorted = new TreeMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("audit detail keys must be strings");
                    }
                    if (sorted.put(AuditText.clean(key), e.getValue()) != null) {
                        throw new IllegalArgumentException("audit detail keys collide after cleaning: " + key);
                    }
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : sorted.entrySet()) {
                    out.append(first ? "" : ",");
                    first = false;
                    string(out, e.getKey());
                    out.append(':');
                    writeValue(out, e.getValue(), depth + 1);
                }
                out.append('}');
            }
            case Collection<?> list -> {
                out.append('[');
                boolean first = true;
                for (Object element : list) {
                    out.append(first ? "" : ",");
                    first = false;
                    writeValue(out, element, depth + 1);
                }
                out.append(']');
            }
            case Object[] array -> writeValue(out, java.util.Arrays.asList(array), depth);
            case byte[] bytes -> throw new IllegalArgumentException(
                    "audit details take no raw bytes: record Fingerprints.of(keyedHash) instead");
            default -> throw new IllegalArgumentException(
                    "audit details take strings, numbers, booleans, maps and lists, not " + value.getClass().getName());
        }
    }

    private static void writeTree(StringBuilder out, JsonNode node, int depth) {
        if (depth > PARSE_MAX_DEPTH) {
            throw new IllegalArgumentException("audit details nested too deeply");
        }
        if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                sorted.put(e.getKey(), e.getValue());
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                string(out, e.getKey());
                out.append(':');
                writeTree(out, e.getValue(), depth + 1);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            boolean first = true;
            for (JsonNode element : node.values()) {
                out.append(first ? "" : ",");
                first = false;
                writeTree(out, element, depth + 1);
            }
            out.append(']');
        } else if (node.isString()) {
            string(out, node.stringValue());
        } else if (node.isNumber()) {
            out.append(number(node.decimalValue()));
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else if (node.isNull()) {
            out.append("null");
        } else {
            throw new IllegalArgumentException("audit details hold an unsupported JSON value");
        }
    }

    private static BigDecimal decimal(Number n) {
        BigDecimal d = switch (n) {
            case BigDecimal b -> b;
            case BigInteger b -> new BigDecimal(b);
            case Double x -> {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("audit details take finite numbers only");
                }
                yield new BigDecimal(Double.toString(x));
            }
            case Float x -> {
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException("audit details take finite numbers only");
                }
                yield new BigDecimal(Float.toString(x));
            }
            case Long x -> BigDecimal.valueOf(x);
            case Integer x -> BigDecimal.valueOf(x);
            case Short x -> BigDecimal.valueOf(x);
            case Byte x -> BigDecimal.valueOf(x);
            case AtomicLong x -> BigDecimal.valueOf(x.get());
            case AtomicInteger x -> BigDecimal.valueOf(x.get());
            default -> throw new IllegalArgumentException("unsupported number type " + n.getClass().getName());
        };
        // PostgreSQL numeric holds these exactly; far larger exponents would fail the insert (and the action).
        if (d.precision() > 1000 || Math.abs((long) d.scale()) > 1000) {
            throw new IllegalArgumentException("audit detail number out of range");
        }
        return d;
    }

    /** Equal values give equal text: the unique stripped representation, plain unless the exponent is large. */
    private static String number(BigDecimal d) {
        BigDecimal s = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        return Math.abs((long) s.scale()) <= 30 ? s.toPlainString() : s.toString();
    }

    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
