package dev.latchkey.vault.local;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An immutable snapshot of a local keyring: versioned 256-bit AES keys, the primary version and the minimum
 * decryption version. Serialized as JSON:
 *
 * <pre>{@code
 * {
 *   "format": "latchkey-keyring-v1",
 *   "keyId": "local-5f0c…",
 *   "primaryVersion": 2,
 *   "minDecryptionVersion": 1,
 *   "keys": [
 *     {"version": 1, "createdAt": "2025-01-01T00:00:00Z", "key": "<base64 of 32 bytes>"},
 *     {"version": 2, "createdAt": "2025-04-01T00:00:00Z", "key": "<base64 of 32 bytes>"}
 *   ]
 * }
 * }</pre>
 *
 * The JSON holds raw key material: keep the file at mode 600 and out of backups that leave the machine.
 */
final class LocalKeyring {

    static final String FORMAT = "latchkey-keyring-v1";
    static final int KEY_BYTES = 32;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String keyId;
    private final int primaryVersion;
    private final int minDecryptionVersion;
    private final Map<Integer, Version> versions;

    record Version(int version, Instant createdAt, byte[] key) {
    }

    private LocalKeyring(String keyId, int primaryVersion, int minDecryptionVersion, Map<Integer, Version> versions) {
        if (keyId == null || keyId.isBlank() || keyId.length() > 255) {
            throw new IllegalArgumentException("keyring keyId must be 1..255 characters");
        }
        if (!versions.containsKey(primaryVersion)) {
            throw new IllegalArgumentException("keyring has no key for its primary version " + primaryVersion);
        }
        if (minDecryptionVersion < 1 || minDecryptionVersion > primaryVersion) {
            throw new IllegalArgumentException("minDecryptionVersion must be 1.." + primaryVersion);
        }
        this.keyId = keyId;
        this.primaryVersion = primaryVersion;
        this.minDecryptionVersion = minDecryptionVersion;
        this.versions = Collections.unmodifiableMap(new TreeMap<>(versions));
    }

    /** A new keyring with one fresh key, version 1. */
    static LocalKeyring generate(SecureRandom random) {
        byte[] id = new byte[6];
        random.nextBytes(id);
        var versions = new TreeMap<Integer, Version>();
        versions.put(1, new Version(1, Instant.now(), freshKey(random)));
        return new LocalKeyring("local-" + HexFormat.of().formatHex(id), 1, 1, versions);
    }

    /** A keyring with one given key as version 1 (from an environment variable holding a bare base64 key). */
    static LocalKeyring ofSingleKey(String keyId, byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a keyring key must be 32 bytes (AES-256)");
        }
        var versions = new TreeMap<Integer, Version>();
        versions.put(1, new Version(1, Instant.EPOCH, key.clone()));
        return new LocalKeyring(keyId, 1, 1, versions);
    }

    String keyId() {
        return keyId;
    }

    int primaryVersion() {
        return primaryVersion;
    }

    int minDecryptionVersion() {
        return minDecryptionVersion;
    }

    Map<Integer, Version> versions() {
        return versions;
    }

    /** The key of an enabled version, or null if the version is unknown or below the minimum decryption version. */
    byte[] enabledKey(int version) {
        if (version < minDecryptionVersion) {
            return null;
        }
        Version v = versions.get(version);
        return v == null ? null : v.key();
    }

    /** A copy with a new key as the primary version. */
    LocalKeyring rotated(SecureRandom random) {
        int next = versions.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        var copy = new TreeMap<>(versions);
        copy.put(next, new Version(next, Instant.now(), freshKey(random)));
        return new LocalKeyring(keyId, next, minDecryptionVersion, copy);
    }

    /** A copy with versions below {@code min} disabled. */
    LocalKeyring withMinDecryptionVersion(int min) {
        return new LocalKeyring(keyId, primaryVersion, min, versions);
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("keyId", keyId);
        root.put("primaryVersion", primaryVersion);
        root.put("minDecryptionVersion", minDecryptionVersion);
        ArrayNode keys = root.putArray("keys");
        for (Version v : versions.values()) {
            ObjectNode k = keys.addObject();
            k.put("version", v.version());
            k.put("createdAt", v.createdAt().toString());
            k.put("key", Base64.getEncoder().encodeToString(v.key()));
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    static LocalKeyring fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("keyring is not valid JSON");
        }
        if (root == null || !root.isObject() || !FORMAT.equals(text(root, "format"))) {
            throw new IllegalArgumentException("keyring format must be " + FORMAT);
        }
        JsonNode keys = root.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty()) {
            throw new IllegalArgumentException("keyring has no keys");
        }
        var versions = new TreeMap<Integer, Version>();
        for (JsonNode k : keys) {
            int version = integer(k, "version");
            if (version < 1) {
                throw new IllegalArgumentException("key versions start at 1");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(Objects.requireNonNullElse(text(k, "key"), ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key version " + version + " is not base64");
            }
            if (key.length != KEY_BYTES) {
                Arrays.fill(key, (byte) 0);
                throw new IllegalArgumentException("key version " + version + " is not 32 bytes");
            }
            String created = text(k, "createdAt");
            Instant createdAt;
            try {
                createdAt = created == null ? Instant.EPOCH : Instant.parse(created);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("key version " + version + " has an invalid createdAt");
            }
            if (versions.put(version, new Version(version, createdAt, key)) != null) {
                throw new IllegalArgumentException("key version " + version + " appears twice");
            }
        }
        return new LocalKeyring(text(root, "keyId"), integer(root, "primaryVersion"),
                integer(root, "minDecryptionVersion"), versions);
    }

    /** Zeroes the key material of this snapshot. */
    void destroy() {
        versions.values().forEach(v -> Arrays.fill(v.key(), (byte) 0));
    }

    private static byte[] freshKey(SecureRandom random) {
        byte[] key = new byte[KEY_BYTES];
        random.nextBytes(key);
        return key;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }

    private static int integer(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isInt()) {
            throw new IllegalArgumentException("keyring field " + field + " must be an integer");
        }
        return v.intValue();
    }
}
