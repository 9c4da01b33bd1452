package dev.latchkey.vault.kms;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A <b>fake</b> AWS KMS for tests: a local HTTP server on 127.0.0.1 (ephemeral port) that speaks the AWS JSON 1.1
 * protocol of KMS ({@code POST /}, {@code X-Amz-Target: TrentService.<Operation>},
 * {@code Content-Type: application/x-amz-json-1.1}) for {@code GenerateDataKey}, {@code Encrypt}, {@code Decrypt},
 * {@code ReEncrypt} and {@code DescribeKey}, with real AES-256-GCM and key-material versions inside. It is not KMS:
 *
 * <ul>
 *   <li>requests must carry a SigV4 {@code Authorization} header (the signature itself is not verified);</li>
 *   <li>the {@code EncryptionContext} is authenticated (canonical, sorted) as GCM associated data, so a different
 *   context fails with {@code InvalidCiphertextException}, as in KMS;</li>
 *   <li>errors are HTTP 400 (500 for internal) with KMS's {@code {"__type": …, "message": …}} shape;</li>
 *   <li>ciphertext blobs are this fake's own format (KMS's are opaque too): magic, key id, material version,
 *   nonce, ciphertext and tag.</li>
 * </ul>
 */
public final class FakeKmsServer implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "111122223333";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] MAGIC = "FKMS".getBytes(StandardCharsets.US_ASCII);

    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, FakeKey> keys = new ConcurrentHashMap<>();
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile String failType;
    private volatile int failStatus;
    private volatile Duration delay = Duration.ZERO;

    private static final class FakeKey {
        final String id;
        final TreeMap<Integer, byte[]> materials = new TreeMap<>();
        volatile boolean enabled = true;

        FakeKey(String id) {
            this.id = id;
        }

        String arn() {
            return "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/" + id;
        }
    }

    private FakeKmsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-kms");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeKmsServer start() {
        try {
            return new FakeKmsServer();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Creates a symmetric key, optionally with an alias ({@code alias/…}); returns its ARN. */
    public String createKey(String alias) {
        FakeKey key = new FakeKey(UUID.randomUUID().toString());
        key.materials.put(1, randomKey());
        keys.put(key.id, key);
        if (alias != null) {
            aliases.put(alias, key.id);
        }
        return key.arn();
    }

    /** Rotates the key material (like {@code RotateKeyOnDemand}); returns the new material version. */
    public synchronized int rotate(String keyId) {
        FakeKey key = resolve(keyId);
        int next = key.materials.lastKey() + 1;
        key.materials.put(next, randomKey());
        return next;
    }

    public void setEnabled(String keyId, boolean enabled) {
        resolve(keyId).enabled = enabled;
    }

    /** The key-material version inside a ciphertext blob made by this fake. */
    public int materialVersionOf(byte[] blob) {
        return parse(blob).materialVersion;
    }

    /** Answers every request with this KMS error until {@link #clearFailure()}. */
    public void failWith(int status, String type) {
        this.failType = type;
        this.failStatus = status;
    }

    public void clearFailure() {
        this.failStatus = 0;
    }

    public void delayResponses(Duration delay) {
        this.delay = delay;
    }

    /** Number of requests for {@code operation}, e.g. {@code "Decrypt"}. */
    public long requestCount(String operation) {
        synchronized (requests) {
            return requests.stream().filter(operation::equals).count();
        }
    }

    public void resetRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // --- protocol --------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target != null && target.startsWith("TrentService.")
                    ? target.substring("TrentService.".length()) : String.valueOf(target);
            requests.add(operation);
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                if (failStatus != 0) {
                    throw new KmsError(failStatus, failType, "injected failure");
                }
                if (!"POST".equals(exchange.getRequestMethod())) {
                    throw new KmsError(400, "UnknownOperationException", "POST required");
                }
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType == null || !contentType.startsWith("application/x-amz-json-1.1")) {
                    throw new KmsError(400, "SerializationException", "expected application/x-amz-json-1.1");
                }
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 Credential=") || !auth.contains("/kms/")
                        || exchange.getRequestHeaders().getFirst("X-Amz-Date") == null) {
                    throw new KmsError(400, "MissingAuthenticationTokenException",
                            "Request is missing Authentication Token");
                }
                JsonNode body = JSON.readTree(readAll(exchange.getRequestBody()));
                ObjectNode response;
                synchronized (this) {
                    response = switch (operation) {
                        case "GenerateDataKey" -> generateDataKey(body);
                        case "Encrypt" -> encrypt(body);
                        case "Decrypt" -> decrypt(body);
                        case "ReEncrypt" -> reEncrypt(body);
                        case "DescribeKey" -> describeKey(body);
                        default -> throw new KmsError(400, "UnknownOperationException", operation);
                    };
                }
                send(exchange, 200, response);
            } catch (KmsError e) {
                ObjectNode error = JSON.createObjectNode();
                error.put("__type", e.type);
                error.put("message", e.getMessage());
                send(exchange, e.status, error);
            }
        }
    }

    private ObjectNode generateDataKey(JsonNode body) {
        FakeKey key = usable(text(body, "KeyId"));
        int bytes = body.has("NumberOfBytes") ? body.get("NumberOfBytes").asInt()
                : "AES_128".equals(text(body, "KeySpec")) ? 16 : 32;
        byte[] plaintext = new byte[bytes];
        random.nextBytes(plaintext);
        ObjectNode out = JSON.createObjectNode();
        out.put("CiphertextBlob", b64(seal(key, plaintext, body.get("EncryptionContext"))));
        out.put("Plaintext", b64(plaintext));
        out.put("KeyId", key.arn());
        return out;
    }

    private ObjectNode encrypt(JsonNode body) {
        FakeKey key = usable(text(body, "KeyId"));
        byte[] plaintext = unb64(text(body, "Plaintext"));
        ObjectNode out = JSON.createObjectNode();
        out.put("CiphertextBlob", b64(seal(key, plaintext, body.get("EncryptionContext"))));
        out.put("KeyId", key.arn());
        out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        return out;
    }

    private ObjectNode decrypt(JsonNode body) {
        Blob blob = parse(unb64(text(body, "CiphertextBlob")));
        FakeKey key = blobKey(blob, text(body, "KeyId"));
        byte[] plaintext = open(key, blob, body.get("EncryptionContext"));
        ObjectNode out = JSON.createObjectNode();
        out.put("KeyId", key.arn());
        out.put("Plaintext", b64(plaintext));
        out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        return out;
    }

    private ObjectNode reEncrypt(JsonNode body) {
        Blob blob = parse(unb64(text(body, "CiphertextBlob")));
        FakeKey source = blobKey(blob, text(body, "SourceKeyId"));
        byte[] plaintext = open(source, blob, body.get("SourceEncryptionContext"));
        FakeKey destination = usable(text(body, "DestinationKeyId"));
        ObjectNode out = JSON.createObjectNode();
        out.put("CiphertextBlob", b64(seal(destination, plaintext, body.get("DestinationEncryptionContext"))));
        out.put("SourceKeyId", source.arn());
        out.put("KeyId", destination.arn());
        out.put("SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        out.put("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        return out;
    }

    private ObjectNode describeKey(JsonNode body) {
        FakeKey key = resolve(text(body, "KeyId"));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode meta = out.putObject("KeyMetadata");
        meta.put("AWSAccountId", ACCOUNT);
        meta.put("KeyId", key.id);
        meta.put("Arn", key.arn());
        meta.put("CreationDate", 1.7E9);
        meta.put("Enabled", key.enabled);
        meta.put("KeyState", key.enabled ? "Enabled" : "Disabled");
        meta.put("KeyUsage", "ENCRYPT_DECRYPT");
        meta.put("KeySpec", "SYMMETRIC_DEFAULT");
        meta.put("KeyManager", "CUSTOMER");
        meta.put("Origin", "AWS_KMS");
        meta.put("MultiRegion", false);
        return out;
    }

    // --- keys and blobs --------------------------------------------------------------------------------------

    private FakeKey resolve(String keyId) {
        if (keyId == null || keyId.isBlank()) {
            throw new KmsError(400, "ValidationException", "KeyId is required");
        }
        String id = keyId;
        if (id.startsWith("alias/")) {
            id = aliases.get(id);
        } else if (id.startsWith("arn:aws:kms:")) {
            int slash = id.indexOf(":key/");
            int alias = id.indexOf(":alias/");
            id = slash > 0 ? id.substring(slash + 5) : alias > 0 ? aliases.get(id.substring(alias + 1)) : null;
        }
        FakeKey key = id == null ? null : keys.get(id);
        if (key == null) {
            throw new KmsError(400, "NotFoundException", "Key '" + keyId + "' does not exist");
        }
        return key;
    }

    private FakeKey usable(String keyId) {
        FakeKey key = resolve(keyId);
        if (!key.enabled) {
            throw new KmsError(400, "DisabledException", key.arn() + " is disabled.");
        }
        return key;
    }

    private FakeKey blobKey(Blob blob, String requestedKeyId) {
        FakeKey key = keys.get(blob.keyId);
        if (key == null) {
            throw new KmsError(400, "InvalidCiphertextException", null);
        }
        if (requestedKeyId != null && resolve(requestedKeyId) != key) {
            throw new KmsError(400, "IncorrectKeyException",
                    "The key ID in the request does not identify a CMK that can perform this operation.");
        }
        if (!key.enabled) {
            throw new KmsError(400, "DisabledException", key.arn() + " is disabled.");
        }
        return key;
    }

    private record Blob(String keyId, int materialVersion, byte[] nonce, byte[] ciphertext) {
    }

    private byte[] seal(FakeKey key, byte[] plaintext, JsonNode context) {
        int version = key.materials.lastKey();
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        byte[] id = key.id.getBytes(StandardCharsets.US_ASCII);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.materials.get(version), "AES"),
                    new GCMParameterSpec(128, nonce));
            cipher.updateAAD(canonical(context));
            byte[] ct = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(4 + 1 + id.length + 4 + 12 + ct.length)
                    .put(MAGIC).put((byte) id.length).put(id).putInt(version).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new KmsError(500, "KMSInternalException", e.toString());
        }
    }

    private byte[] open(FakeKey key, Blob blob, JsonNode context) {
        byte[] material = key.materials.get(blob.materialVersion);
        if (material == null) {
            throw new KmsError(400, "InvalidCiphertextException", null);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"),
                    new GCMParameterSpec(128, blob.nonce));
            cipher.updateAAD(canonical(context));
            return cipher.doFinal(blob.ciphertext);
        } catch (GeneralSecurityException e) {
            throw new KmsError(400, "InvalidCiphertextException", null);
        }
    }

    private static Blob parse(byte[] raw) {
        try {
            ByteBuffer in = ByteBuffer.wrap(raw);
            byte[] magic = new byte[4];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new KmsError(400, "InvalidCiphertextException", null);
            }
            byte[] id = new byte[in.get() & 0xff];
            in.get(id);
            int version = in.getInt();
            byte[] nonce = new byte[12];
            in.get(nonce);
            byte[] ct = new byte[in.remaining()];
            in.get(ct);
            if (ct.length < 16) {
                throw new KmsError(400, "InvalidCiphertextException", null);
            }
            return new Blob(new String(id, StandardCharsets.US_ASCII), version, nonce, ct);
        } catch (RuntimeException e) {
            if (e instanceof KmsError k) {
                throw k;
            }
            throw new KmsError(400, "InvalidCiphertextException", null);
        }
    }

    /** Sorted key=value pairs, length-prefixed: the context as associated data. */
    private static byte[] canonical(JsonNode context) {
        TreeMap<String, String> sorted = new TreeMap<>();
        if (context != null && context.isObject()) {
            context.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asString()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sorted.forEach((k, v) -> {
            for (String s : new String[] {k, v}) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
                out.writeBytes(b);
            }
        });
        return out.toByteArray();
    }

    private byte[] randomKey() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return key;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] unb64(String value) {
        if (value == null) {
            throw new KmsError(400, "ValidationException", "required blob missing");
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new KmsError(400, "SerializationException", "invalid base64");
        }
    }

    private static final class KmsError extends RuntimeException {
        final int status;
        final String type;

        KmsError(int status, String type, String message) {
            super(message);
            this.status = status;
            this.type = type;
        }
    }
}
