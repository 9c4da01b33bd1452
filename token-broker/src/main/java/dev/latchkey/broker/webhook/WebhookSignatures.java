package dev.latchkey.broker.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures as the Standard Webhooks specification defines them (https://www.standardwebhooks.com,
 * "Signature scheme"): {@code webhook-signature: v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>}, where
 * the key is the decoded {@code whsec_<base64>} endpoint secret and the timestamp is Unix seconds. Receivers call
 * {@link #verify} on the raw request body before parsing it.
 */
public final class WebhookSignatures {

    /** The message id header; the same on every retry of one event to one endpoint. */
    public static final String ID_HEADER = "webhook-id";
    /** Unix seconds at which this attempt was signed. */
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    /** Space-separated {@code v1,<base64>} signatures. */
    public static final String SIGNATURE_HEADER = "webhook-signature";
    /** Prefix of the secret shown to the endpoint's owner. */
    public static final String SECRET_PREFIX = "whsec_";
    /** The tolerance the specification suggests: five minutes either way. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private static final String VERSION = "v1,";
    private static final int MIN_KEY_BYTES = 16;
    private static final int MAX_KEY_BYTES = 64;
    // A dot in the id would make "{id}.{timestamp}.{body}" ambiguous (id "a.1", ts 2 signs what id "a", ts 1 and a
    // body starting "2." sign), so ids are restricted to the characters our UUIDs and common message ids use.
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

    private WebhookSignatures() {
    }

    /**
     * The {@code webhook-signature} value for one attempt.
     *
     * @param key       the endpoint's secret key (decoded, not the {@code whsec_} string)
     * @param id        the {@code webhook-id}
     * @param timestamp the {@code webhook-timestamp}, Unix seconds
     * @param body      the exact request body bytes
     */
    public static String sign(byte[] key, String id, long timestamp, byte[] body) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(body, "body");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must match " + ID.pattern());
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must not be negative");
        }
        return VERSION + Base64.getEncoder().encodeToString(mac(key, id, Long.toString(timestamp), body));
    }

    /**
     * Checks a delivery: true only when the timestamp is within {@code tolerance} of {@code now} (either way, which
     * bounds replays) and one of the {@code v1} signatures in {@code signatureHeader} is the HMAC of
     * {@code "{id}.{timestamp}.{body}"} under {@code secret}. Signatures are compared in constant time; malformed
     * headers are simply not valid.
     *
     * @param secret          the endpoint secret as shown at creation, {@code whsec_<base64>}
     * @param id              the {@code webhook-id} header
     * @param timestamp       the {@code webhook-timestamp} header
     * @param body            the raw request body, before any parsing
     * @param signatureHeader the {@code webhook-signature} header
     * @throws IllegalArgumentException if {@code secret} is not a {@code whsec_} secret (a configuration error)
     */
    public static boolean verify(String secret, String id, String timestamp, byte[] body, String signatureHeader,
            Instant now, Duration tolerance) {
        byte[] key = decodeSecret(secret);
        try {
            return verifyWithKey(key, id, timestamp, body, signatureHeader, now, tolerance);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** {@link #verify(String, String, String, byte[], String, Instant, Duration)} for a body read as UTF-8 text. */
    public static boolean verify(String secret, String id, String timestamp, String body, String signatureHeader,
            Instant now, Duration tolerance) {
        return verify(secret, id, timestamp, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                signatureHeader, now, tolerance);
    }

    /** The secret as shown once to the endpoint's owner: {@code whsec_} and the standard base64 of the key. */
    public static String encodeSecret(byte[] key) {
        checkKeyLength(key.length);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * The key inside a {@code whsec_<base64>} secret; the caller should zero it after use.
     *
     * @throws IllegalArgumentException if the value is not such a secret (the message never contains the value)
     */
    public static byte[] decodeSecret(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a webhook secret is " + SECRET_PREFIX + " and base64");
        }
        checkKeyLength(key.length);
        return key;
    }

    static boolean verifyWithKey(byte[] key, String id, String timestamp, byte[] body, String signatureHeader,
            Instant now, Duration tolerance) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(tolerance, "tolerance");
        if (id == null || timestamp == null || body == null || signatureHeader == null
                || !ID.matcher(id).matches() || !TIMESTAMP.matcher(timestamp).matches()) {
            return false;
        }
        Instant signedAt = Instant.ofEpochSecond(Long.parseLong(timestamp));
        if (Duration.between(signedAt, now).abs().compareTo(tolerance) > 0) {
            return false;
        }
        byte[] expected = mac(key, id, timestamp, body);
        boolean valid = false;
        for (String candidate : signatureHeader.trim().split(" +")) {
            if (!candidate.startsWith(VERSION)) {
                continue; // other schemes (v1a asymmetric) are not ours
            }
            byte[] presented;
            try {
                presented = Base64.getDecoder().decode(candidate.substring(VERSION.length()));
            } catch (IllegalArgumentException e) {
                continue;
            }
            // No early exit: every candidate is compared, in constant time.
            valid |= MessageDigest.isEqual(expected, presented);
        }
        return valid;
    }

    private static byte[] mac(byte[] key, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(id.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static void checkKeyLength(int length) {
        if (length < MIN_KEY_BYTES || length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("a webhook secret key is " + MIN_KEY_BYTES + ".." + MAX_KEY_BYTES
                    + " bytes");
        }
    }
}
