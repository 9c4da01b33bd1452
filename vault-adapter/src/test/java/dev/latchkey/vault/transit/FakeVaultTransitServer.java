package dev.latchkey.vault.transit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A <b>fake</b> HashiCorp Vault for tests: a local HTTP server on 127.0.0.1 (ephemeral port) that speaks the
 * documented Vault HTTP API for the Transit secrets engine and AppRole login, with real AES-256-GCM and key versions
 * inside. It is not Vault; it implements what Latchkey uses, with Vault's status codes and error shapes:
 *
 * <ul>
 *   <li>{@code X-Vault-Token} checked on every call; unknown or revoked → 403 {@code {"errors":["permission denied"]}}</li>
 *   <li>{@code POST /v1/auth/approle/login} → {@code auth.client_token}, {@code lease_duration}</li>
 *   <li>{@code GET|POST /v1/transit/keys/:name}, {@code POST …/rotate}, {@code POST …/config}
 *   ({@code min_decryption_version}, {@code min_encryption_version})</li>
 *   <li>{@code POST /v1/transit/encrypt|decrypt|rewrap/:name}, {@code POST /v1/transit/datakey/plaintext|wrapped/:name}
 *   with {@code context} (derived keys: the key is derived from it) and {@code associated_data} (AEAD)</li>
 *   <li>ciphertexts {@code vault:vN:base64(nonce‖ciphertext‖tag)}; errors 400 with Vault's messages</li>
 * </ul>
 *
 * Hooks let tests rotate keys, revoke tokens, fail every request (e.g. 503 sealed) or delay responses.
 */
public final class FakeVaultTransitServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CIPHERTEXT = Pattern.compile("vault:v(\\d+):(.*)");

    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService executor;
    private final String rootToken;
    private final Map<String, TransitKey> keys = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Map<String, AppRole> appRoles = new ConcurrentHashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile int failStatus;
    private volatile String failError;
    private volatile Duration delay = Duration.ZERO;

    private record AppRole(String secretId, long leaseSeconds) {
    }

    private static final class TransitKey {
        final boolean derived;
        final TreeMap<Integer, byte[]> versions = new TreeMap<>();
        int minDecryptionVersion = 1;
        int minEncryptionVersion = 0;

        TransitKey(boolean derived) {
            this.derived = derived;
        }
    }

    private FakeVaultTransitServer(String rootToken) throws IOException {
        this.rootToken = rootToken;
        this.tokens.add(rootToken);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-vault");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a fake Vault accepting {@code rootToken}. */
    public static FakeVaultTransitServer start(String rootToken) {
        try {
            return new FakeVaultTransitServer(rootToken);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String rootToken() {
        return rootToken;
    }

    public synchronized void createKey(String name, boolean derived) {
        TransitKey key = new TransitKey(derived);
        key.versions.put(1, randomKey());
        keys.put(name, key);
    }

    public synchronized int rotate(String name) {
        TransitKey key = keys.get(name);
        int next = key.versions.lastKey() + 1;
        key.versions.put(next, randomKey());
        return next;
    }

    public synchronized void setMinDecryptionVersion(String name, int version) {
        keys.get(name).minDecryptionVersion = version;
    }

    public synchronized int latestVersion(String name) {
        return keys.get(name).versions.lastKey();
    }

    public void addAppRole(String roleId, String secretId, long leaseSeconds) {
        appRoles.put(roleId, new AppRole(secretId, leaseSeconds));
    }

    /** Revokes every token except the root token. */
    public void revokeIssuedTokens() {
        tokens.retainAll(Set.of(rootToken));
    }

    /** Answers every request with {@code status} and {@code {"errors":[error]}} until {@link #clearFailure()}. */
    public void failWith(int status, String error) {
        this.failError = error;
        this.failStatus = status;
    }

    public void clearFailure() {
        this.failStatus = 0;
    }

    /** Delays every response (to exercise client timeouts). */
    public void delayResponses(Duration delay) {
        this.delay = delay;
    }

    /** Requests received, as {@code "METHOD /v1/path"}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Number of requests whose path contains {@code fragment}. */
    public long requestCount(String fragment) {
        return requests().stream().filter(r -> r.contains(fragment)).count();
    }

    public void resetRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // --- HTTP ------------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            requests.add(method + " " + path);
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failStatus != 0) {
                error(exchange, failStatus, failError);
                return;
            }
            JsonNode body = readBody(exchange);
            if (!path.startsWith("/v1/")) {
                error(exchange, 404, "no handler for route");
                return;
            }
            String route = path.substring(4);
            if (route.equals("auth/approle/login") && method.equals("POST")) {
                login(exchange, body);
                return;
            }
            String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
            if (token == null || !tokens.contains(token)) {
                error(exchange, 403, "permission denied");
                return;
            }
            synchronized (this) {
                transit(exchange, method, route, body);
            }
        } catch (RuntimeException e) {
            error(exchange, 500, "internal error: " + e);
        }
    }

    private void login(HttpExchange exchange, JsonNode body) throws IOException {
        AppRole role = appRoles.get(text(body, "role_id"));
        if (role == null || !role.secretId().equals(text(body, "secret_id"))) {
            error(exchange, 400, "invalid role or secret ID");
            return;
        }
        String token = "hvs.fake-" + UUID.randomUUID();
        tokens.add(token);
        ObjectNode root = JSON.createObjectNode();
        root.put("request_id", UUID.randomUUID().toString());
        root.put("lease_id", "");
        root.put("renewable", false);
        root.put("lease_duration", 0);
        root.putNull("data");
        ObjectNode auth = root.putObject("auth");
        auth.put("client_token", token);
        auth.put("accessor", UUID.randomUUID().toString());
        auth.putArray("policies").add("default").add("latchkey");
        auth.putArray("token_policies").add("default").add("latchkey");
        auth.put("lease_duration", role.leaseSeconds());
        auth.put("renewable", true);
        send(exchange, 200, root);
    }

    private void transit(HttpExchange exchange, String method, String route, JsonNode body) throws IOException {
        String[] parts = route.split("/");
        if (parts.length < 3 || !parts[0].equals("transit")) {
            error(exchange, 404, "no handler for route \"" + route + "\"");
            return;
        }
        String op = parts[1];
        try {
            switch (op) {
                case "keys" -> keys(exchange, method, parts, body);
                case "encrypt" -> data(exchange, encrypt(parts[2], body, true));
                case "decrypt" -> data(exchange, decrypt(parts[2], body));
                case "rewrap" -> data(exchange, rewrap(parts[2], body));
                case "datakey" -> {
                    if (parts.length != 4 || !(parts[2].equals("plaintext") || parts[2].equals("wrapped"))) {
                        throw new VaultError(400, "invalid type");
                    }
                    data(exchange, datakey(parts[3], parts[2].equals("plaintext"), body));
                }
                default -> throw new VaultError(404, "no handler for route \"" + route + "\"");
            }
        } catch (VaultError e) {
            error(exchange, e.status, e.getMessage());
        }
    }

    private void keys(HttpExchange exchange, String method, String[] parts, JsonNode body) throws IOException {
        String name = parts[2];
        if (parts.length == 3 && method.equals("GET")) {
            TransitKey key = keys.get(name);
            if (key == null) {
                send(exchange, 404, JSON.createObjectNode().set("errors", JSON.createArrayNode()));
                return;
            }
            data(exchange, keyInfo(name, key));
        } else if (parts.length == 3 && method.equals("POST")) {
            if (!keys.containsKey(name)) {
                createKey(name, body.path("derived").asBoolean(false));
            }
            send(exchange, 204, null);
        } else if (parts.length == 4 && parts[3].equals("rotate") && method.equals("POST")) {
            requireKey(name);
            rotate(name);
            data(exchange, keyInfo(name, keys.get(name)));
        } else if (parts.length == 4 && parts[3].equals("config") && method.equals("POST")) {
            TransitKey key = requireKey(name);
            if (body.has("min_decryption_version")) {
                int min = body.get("min_decryption_version").asInt();
                if (min > key.versions.lastKey()) {
                    throw new VaultError(400, "cannot set min decryption version above latest version");
                }
                key.minDecryptionVersion = Math.max(1, min);
            }
            if (body.has("min_encryption_version")) {
                key.minEncryptionVersion = body.get("min_encryption_version").asInt();
            }
            data(exchange, keyInfo(name, key));
        } else {
            throw new VaultError(405, "unsupported operation");
        }
    }

    private ObjectNode keyInfo(String name, TransitKey key) {
        ObjectNode data = JSON.createObjectNode();
        data.put("name", name);
        data.put("type", "aes256-gcm96");
        data.put("derived", key.derived);
        data.put("deletion_allowed", false);
        data.put("exportable", false);
        data.put("latest_version", key.versions.lastKey());
        data.put("min_available_version", 0);
        data.put("min_decryption_version", key.minDecryptionVersion);
        data.put("min_encryption_version", key.minEncryptionVersion);
        data.put("supports_encryption", true);
        data.put("supports_decryption", true);
        data.put("supports_derivation", true);
        ObjectNode versions = data.putObject("keys");
        key.versions.keySet().forEach(v -> versions.put(Integer.toString(v), 1_700_000_000L + v));
        return data;
    }

    private ObjectNode encrypt(String name, JsonNode body, boolean upsert) {
        TransitKey key = keys.get(name);
        if (key == null) {
            if (!upsert) {
                throw new VaultError(400, "encryption key not found");
            }
            createKey(name, !text(body, "context", "").isEmpty());
            key = keys.get(name);
        }
        byte[] plaintext = b64(text(body, "plaintext"), "plaintext");
        int version = key.versions.lastKey();
        if (body.has("key_version") && body.get("key_version").asInt() != 0) {
            version = body.get("key_version").asInt();
        }
        ObjectNode data = JSON.createObjectNode();
        data.put("ciphertext", seal(key, version, plaintext, body));
        data.put("key_version", version);
        return data;
    }

    private ObjectNode decrypt(String name, JsonNode body) {
        TransitKey key = requireKey(name);
        byte[] plaintext = open(key, text(body, "ciphertext", ""), body);
        ObjectNode data = JSON.createObjectNode();
        data.put("plaintext", Base64.getEncoder().encodeToString(plaintext));
        return data;
    }

    private ObjectNode rewrap(String name, JsonNode body) {
        TransitKey key = requireKey(name);
        // Like Vault: rewrap accepts context (and nonce) but no associated_data.
        ObjectNode withoutAad = ((ObjectNode) body.deepCopy());
        withoutAad.remove("associated_data");
        byte[] plaintext = open(key, text(body, "ciphertext", ""), withoutAad);
        ObjectNode data = JSON.createObjectNode();
        int version = key.versions.lastKey();
        data.put("ciphertext", seal(key, version, plaintext, withoutAad));
        data.put("key_version", version);
        return data;
    }

    private ObjectNode datakey(String name, boolean includePlaintext, JsonNode body) {
        TransitKey key = requireKey(name);
        int bits = body.path("bits").asInt(256);
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new VaultError(400, "invalid bits value");
        }
        byte[] dataKey = new byte[bits / 8];
        random.nextBytes(dataKey);
        ObjectNode withoutAad = ((ObjectNode) body.deepCopy());
        withoutAad.remove("associated_data");
        int version = key.versions.lastKey();
        ObjectNode data = JSON.createObjectNode();
        data.put("ciphertext", seal(key, version, dataKey, withoutAad));
        data.put("key_version", version);
        if (includePlaintext) {
            data.put("plaintext", Base64.getEncoder().encodeToString(dataKey));
        }
        return data;
    }

    // --- crypto ----------------------------------------------------------------------------------------------

    private String seal(TransitKey key, int version, byte[] plaintext, JsonNode body) {
        if (!key.versions.containsKey(version) || version < key.minEncryptionVersion) {
            throw new VaultError(400, "requested version for encryption is invalid");
        }
        try {
            byte[] nonce = new byte[12];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, versionKey(key, version, body), new GCMParameterSpec(128, nonce));
            byte[] aad = b64(text(body, "associated_data", ""), "associated_data");
            if (aad.length > 0) {
                cipher.updateAAD(aad);
            }
            byte[] ct = cipher.doFinal(plaintext);
            byte[] out = new byte[nonce.length + ct.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(ct, 0, out, nonce.length, ct.length);
            return "vault:v" + version + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new VaultError(500, e.toString());
        }
    }

    private byte[] open(TransitKey key, String ciphertext, JsonNode body) {
        Matcher m = CIPHERTEXT.matcher(ciphertext);
        if (!m.matches()) {
            throw new VaultError(400, "invalid ciphertext: no prefix");
        }
        int version;
        try {
            version = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            throw new VaultError(400, "invalid ciphertext: version number could not be decoded");
        }
        if (version < key.minDecryptionVersion) {
            throw new VaultError(400, "ciphertext or signature version is disallowed by policy (too old)");
        }
        if (!key.versions.containsKey(version)) {
            throw new VaultError(400, "invalid ciphertext: key version not found");
        }
        byte[] raw = b64(m.group(2), "ciphertext");
        if (raw.length < 12 + 16) {
            throw new VaultError(400, "invalid ciphertext: ciphertext too short");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, versionKey(key, version, body), new GCMParameterSpec(128, raw, 0, 12));
            byte[] aad = b64(text(body, "associated_data", ""), "associated_data");
            if (aad.length > 0) {
                cipher.updateAAD(aad);
            }
            return cipher.doFinal(raw, 12, raw.length - 12);
        } catch (GeneralSecurityException e) {
            throw new VaultError(400, "cipher: message authentication failed");
        }
    }

    private SecretKeySpec versionKey(TransitKey key, int version, JsonNode body) throws GeneralSecurityException {
        byte[] material = key.versions.get(version);
        if (!key.derived) {
            return new SecretKeySpec(material, "AES");
        }
        byte[] context = b64(text(body, "context", ""), "context");
        if (context.length == 0) {
            throw new VaultError(400, "missing 'context' for key derivation; the key was created using a derived "
                    + "key, which means additional, per-request information must be included in order to perform "
                    + "operations with the key");
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(material, "HmacSHA256"));
        return new SecretKeySpec(mac.doFinal(context), "AES");
    }

    private TransitKey requireKey(String name) {
        TransitKey key = keys.get(name);
        if (key == null) {
            throw new VaultError(400, "encryption key not found");
        }
        return key;
    }

    private byte[] randomKey() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return key;
    }

    // --- JSON ------------------------------------------------------------------------------------------------

    private static JsonNode readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return JSON.createObjectNode();
            }
            try {
                return JSON.readTree(bytes);
            } catch (RuntimeException e) {
                return JSON.createObjectNode();
            }
        }
    }

    private static void data(HttpExchange exchange, ObjectNode data) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("request_id", UUID.randomUUID().toString());
        root.put("lease_id", "");
        root.put("renewable", false);
        root.put("lease_duration", 0);
        root.set("data", data);
        root.putNull("wrap_info");
        root.putNull("warnings");
        root.putNull("auth");
        send(exchange, 200, root);
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("errors").add(message);
        send(exchange, status, root);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String text(JsonNode body, String field) {
        return text(body, field, null);
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? fallback : v.asString();
    }

    private static byte[] b64(String value, String field) {
        if (value == null) {
            throw new VaultError(400, "missing " + field);
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new VaultError(400, "failed to base64-decode " + field);
        }
    }

    private static final class VaultError extends RuntimeException {
        final int status;

        VaultError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

}
