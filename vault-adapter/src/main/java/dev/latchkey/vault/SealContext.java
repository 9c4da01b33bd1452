package dev.latchkey.vault;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The owner of a sealed value: the associated data that binds a ciphertext (and its wrapped data key) to one
 * tenant, one record and one purpose. A ciphertext sealed under one context never opens under another.
 *
 * @param tenant   tenant (team) id, or {@code "system"} for platform-owned secrets
 * @param recordId the id of the row or object that owns the value
 * @param purpose  what the value is, e.g. {@code "credential.access_token"}
 */
public record SealContext(String tenant, String recordId, String purpose) {

    public SealContext {
        requireText(tenant, "tenant");
        requireText(recordId, "recordId");
        requireText(purpose, "purpose");
    }

    /**
     * Canonical, unambiguous encoding (length-prefixed UTF-8 fields) used as AES-GCM associated data and as the
     * KMS/Vault context, so the same context binds both the data encryption and the key wrap.
     */
    public byte[] canonicalBytes() {
        var out = new ByteArrayOutputStream();
        for (String field : new String[] {"latchkey.seal.v1", tenant, recordId, purpose}) {
            byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** The same context as a string map, the shape of an AWS KMS {@code EncryptionContext}. */
    public Map<String, String> asMap() {
        return Map.of("tenant", tenant, "record", recordId, "purpose", purpose);
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.length() > 1024) {
            throw new IllegalArgumentException(name + " must be 1..1024 characters");
        }
    }
}
