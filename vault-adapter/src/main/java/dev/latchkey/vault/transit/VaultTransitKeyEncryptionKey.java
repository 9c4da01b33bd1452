package dev.latchkey.vault.transit;

import dev.latchkey.vault.GeneratedDataKey;
import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.KeyStatus;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.WrappedKey;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.Json;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key-encryption key held by HashiCorp Vault's Transit secrets engine; the key never leaves Vault.
 *
 * <p>The owner's canonical context is bound to every wrapped data key. How depends on the Transit key, read once from
 * {@code GET <mount>/keys/<name>}:
 * <ul>
 *   <li><b>Derived key</b> ({@code derived=true}): the context is Transit's key-derivation {@code context}. Data keys
 *   come from {@code datakey/plaintext}, re-wrapping uses {@code rewrap}, so a rewrap never exposes a data key.</li>
 *   <li><b>Plain AEAD key</b> (the default {@code aes256-gcm96}): the context is Transit's {@code associated_data} on
 *   {@code encrypt} and {@code decrypt}. Those endpoints are the only ones that accept associated data, so data keys
 *   are generated locally and re-wrapping is decrypt-then-encrypt.</li>
 * </ul>
 *
 * <p>Versions are Transit's: the wrapped key is the {@code vault:vN:…} ciphertext and N must equal the version in the
 * sealed header; {@code min_decryption_version} disables old versions. The Vault driver returns 4xx responses instead
 * of throwing; this class turns a 400 on decrypt or rewrap into {@link SealedDataException} and every other refusal
 * (403, 404, 5xx, connection failure, timeout) into {@link KeyProviderException}. With AppRole, a 403 triggers one
 * fresh login and one retry.
 *
 * <p>Vault policy needed: {@code update} on {@code <mount>/encrypt/<key>}, {@code <mount>/decrypt/<key>},
 * {@code <mount>/datakey/plaintext/<key>}, {@code <mount>/rewrap/<key>}, and {@code read} on
 * {@code <mount>/keys/<key>}. Rotation ({@link #rotate()}, {@link #setMinDecryptionVersion(int)}) also needs
 * {@code update} on {@code <mount>/keys/<key>/rotate} and {@code <mount>/keys/<key>/config}.
 */
public final class VaultTransitKeyEncryptionKey implements KeyEncryptionKey {

    /** Provider id written into sealed values. */
    public static final String PROVIDER_ID = "vault-transit";

    private static final Logger log = LoggerFactory.getLogger(VaultTransitKeyEncryptionKey.class);
    private static final Pattern CIPHERTEXT = Pattern.compile("vault:v([1-9][0-9]{0,9}):[A-Za-z0-9+/=]+");
    private static final Duration STALE_RETRY = Duration.ofSeconds(5);

    private final VaultTransitSettings settings;
    private final HttpClient http;
    private final String keyPath;
    private final Object authLock = new Object();
    private final Object keyInfoLock = new Object();
    private volatile Vault client;
    private volatile long tokenExpiresAtNanos;
    private volatile KeyInfo keyInfo;
    private volatile long keyInfoRefreshAtNanos;
    private volatile Boolean derived;

    /** What Transit says about the key. */
    record KeyInfo(int latestVersion, int minDecryptionVersion, boolean derived) {
    }

    public VaultTransitKeyEncryptionKey(VaultTransitSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .build();
        this.keyPath = settings.mount() + "/keys/" + settings.keyName();
        if (!settings.usesAppRole()) {
            this.client = newClient(settings.token());
        }
    }

    public VaultTransitSettings settings() {
        return settings;
    }

    @Override
    public String providerId() {
        return PROVIDER_ID;
    }

    @Override
    public String keyId() {
        return settings.keyName();
    }

    @Override
    public int primaryVersion() {
        return keyInfo().latestVersion();
    }

    @Override
    public GeneratedDataKey generateDataKey(SealContext context) {
        Objects.requireNonNull(context, "context");
        if (!derived()) {
            return KeyEncryptionKey.super.generateDataKey(context);
        }
        Map<String, String> data = call(op("datakey/plaintext"), body("context", b64(context.canonicalBytes())),
                false);
        String ciphertext = data.get("ciphertext");
        byte[] plaintext = decodeB64(data.get("plaintext"));
        try {
            return new GeneratedDataKey(SecretBytes.adopt(plaintext), wrappedKey(ciphertext));
        } catch (RuntimeException e) {
            Arrays.fill(plaintext, (byte) 0);
            throw e;
        }
    }

    @Override
    public WrappedKey wrap(SecretBytes dataKey, SealContext context) {
        Objects.requireNonNull(context, "context");
        byte[] plain = dataKey.revealBytes();
        Map<String, Object> body;
        try {
            body = body("plaintext", Base64.getEncoder().encodeToString(plain));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        bindContext(body, context);
        Map<String, String> data = call(op("encrypt"), body, false);
        return wrappedKey(data.get("ciphertext"));
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, SealContext context) {
        Objects.requireNonNull(context, "context");
        Map<String, Object> body = body("ciphertext", checkedCiphertext(wrapped));
        bindContext(body, context);
        Map<String, String> data = call(op("decrypt"), body, true);
        try {
            return SecretBytes.adopt(decodeB64(data.get("plaintext")));
        } catch (KeyProviderException e) {
            throw new SealedDataException();
        }
    }

    @Override
    public WrappedKey rewrap(WrappedKey wrapped, SealContext context) {
        Objects.requireNonNull(context, "context");
        if (!derived()) {
            // Transit's rewrap endpoint takes no associated_data, so an AEAD-bound key is re-wrapped here.
            return KeyEncryptionKey.super.rewrap(wrapped, context);
        }
        Map<String, Object> body = body("ciphertext", checkedCiphertext(wrapped));
        body.put("context", b64(context.canonicalBytes()));
        Map<String, String> data = call(op("rewrap"), body, true);
        return wrappedKey(data.get("ciphertext"));
    }

    @Override
    public KeyStatus status() {
        KeyInfo info = refreshKeyInfo();
        return new KeyStatus(PROVIDER_ID, settings.keyName(), info.latestVersion(), info.minDecryptionVersion());
    }

    /**
     * Rotates the Transit key ({@code POST <mount>/keys/<key>/rotate}): a new version becomes primary.
     *
     * @return the new primary version
     */
    public int rotate() {
        call(keyPath + "/rotate", new LinkedHashMap<>(), false);
        return refreshKeyInfo().latestVersion();
    }

    /** Sets the key's {@code min_decryption_version}, disabling older versions in Vault. */
    public void setMinDecryptionVersion(int version) {
        call(keyPath + "/config", body("min_decryption_version", version), false);
        refreshKeyInfo();
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "VaultTransitKeyEncryptionKey[" + settings.address() + "/v1/" + keyPath + "]";
    }

    // --- key info ----------------------------------------------------------------------------------------------

    private KeyInfo keyInfo() {
        KeyInfo info = keyInfo;
        if (info != null && System.nanoTime() - keyInfoRefreshAtNanos < 0) {
            return info;
        }
        synchronized (keyInfoLock) {
            info = keyInfo;
            if (info != null && System.nanoTime() - keyInfoRefreshAtNanos < 0) {
                return info;
            }
            try {
                return refreshKeyInfo();
            } catch (KeyProviderException e) {
                if (info == null) {
                    throw e;
                }
                // Keep serving the last known versions for a while; the calls that need Vault fail on their own.
                log.warn("cannot refresh Transit key info, using cached versions: {}", e.getMessage());
                keyInfoRefreshAtNanos = System.nanoTime() + STALE_RETRY.toNanos();
                return info;
            }
        }
    }

    /** Whether the Transit key is derived; fixed at key creation, so learned once. */
    private boolean derived() {
        Boolean known = derived;
        return known != null ? known : keyInfo().derived();
    }

    private KeyInfo refreshKeyInfo() {
        Map<String, String> data = call(keyPath, null, false);
        KeyInfo info;
        try {
            int latest = Integer.parseInt(data.get("latest_version"));
            String min = data.get("min_decryption_version");
            info = new KeyInfo(latest, min == null ? 1 : Math.max(1, Integer.parseInt(min)),
                    Boolean.parseBoolean(data.get("derived")));
        } catch (RuntimeException e) {
            throw new KeyProviderException("Vault Transit returned unreadable key info for " + keyPath);
        }
        if (info.latestVersion() < 1) {
            throw new KeyProviderException("Vault Transit key " + keyPath + " has no version");
        }
        keyInfo = info;
        derived = info.derived();
        keyInfoRefreshAtNanos = System.nanoTime() + settings.keyInfoTtl().toNanos();
        return info;
    }

    // --- HTTP --------------------------------------------------------------------------------------------------

    private Map<String, String> call(String path, Map<String, Object> body, boolean unwrapping) {
        for (int attempt = 0; ; attempt++) {
            Vault vault = client();
            LogicalResponse response;
            try {
                response = body == null ? vault.logical().read(path) : vault.logical().write(path, body);
            } catch (VaultException e) {
                throw new KeyProviderException("Vault Transit " + path + " failed: " + firstLine(e.getMessage()), e);
            }
            int status = response.getRestResponse().getStatus();
            if (status == 200 || status == 204) {
                return response.getData();
            }
            if (status == 403 && settings.usesAppRole() && attempt == 0) {
                dropToken(vault);
                continue;
            }
            String errors = errors(response.getRestResponse().getBody());
            if (unwrapping && status == 400) {
                log.debug("Vault Transit rejected ciphertext at {}: {}", path, errors);
                throw new SealedDataException();
            }
            throw new KeyProviderException("Vault Transit " + path + " refused: HTTP " + status + " " + errors);
        }
    }

    private Vault client() {
        if (!settings.usesAppRole()) {
            return client;
        }
        Vault current = client;
        if (current != null && System.nanoTime() - tokenExpiresAtNanos < 0) {
            return current;
        }
        synchronized (authLock) {
            if (client != null && System.nanoTime() - tokenExpiresAtNanos < 0) {
                return client;
            }
            return login();
        }
    }

    private Vault login() {
        AuthResponse auth;
        try {
            auth = newClient(null).auth().loginByAppRole(settings.appRoleMount(), settings.appRoleRoleId(),
                    settings.appRoleSecretId());
        } catch (VaultException e) {
            throw new KeyProviderException("Vault AppRole login failed: " + firstLine(e.getMessage()), e);
        }
        String token = auth.getAuthClientToken();
        if (token == null || token.isBlank()) {
            throw new KeyProviderException("Vault AppRole login returned no token");
        }
        long lease = auth.getAuthLeaseDuration();
        // Log in again at 80% of the lease, so a token never expires between two calls.
        tokenExpiresAtNanos = lease > 0 ? System.nanoTime() + Duration.ofSeconds(lease).toNanos() / 5 * 4
                : System.nanoTime() + Duration.ofDays(365).toNanos();
        Vault fresh = newClient(token);
        client = fresh;
        log.info("logged in to Vault with AppRole (token lease {}s)", lease);
        return fresh;
    }

    private void dropToken(Vault rejected) {
        synchronized (authLock) {
            if (client == rejected) {
                tokenExpiresAtNanos = System.nanoTime();
            }
        }
    }

    private Vault newClient(String token) {
        try {
            VaultConfig config = new VaultConfig()
                    .address(settings.address())
                    .openTimeout(seconds(settings.connectTimeout()))
                    .readTimeout(seconds(settings.readTimeout()))
                    .httpClient(http);
            // A null token would make the driver read VAULT_TOKEN from the environment; use an empty one instead.
            config.token(token == null ? "" : token);
            if (settings.namespace() != null && !settings.namespace().isBlank()) {
                config.nameSpace(settings.namespace());
            }
            // Engine version 1: the driver must not rewrite Transit paths the way it does for KV version 2.
            return Vault.create(config.build(), 1);
        } catch (VaultException e) {
            throw new KeyProviderException("invalid Vault configuration: " + firstLine(e.getMessage()), e);
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private String op(String operation) {
        return settings.mount() + "/" + operation + "/" + settings.keyName();
    }

    private void bindContext(Map<String, Object> body, SealContext context) {
        String bound = b64(context.canonicalBytes());
        body.put(derived() ? "context" : "associated_data", bound);
    }

    /** Validates a wrapped key before it is sent: our key, a Transit ciphertext, whose version matches the header. */
    private String checkedCiphertext(WrappedKey wrapped) {
        if (!settings.keyName().equals(wrapped.keyId())) {
            throw new SealedDataException();
        }
        String ciphertext = new String(wrapped.ciphertext(), StandardCharsets.US_ASCII);
        Matcher m = CIPHERTEXT.matcher(ciphertext);
        if (!m.matches() || parseVersion(m.group(1)) != wrapped.version()) {
            throw new SealedDataException();
        }
        return ciphertext;
    }

    private WrappedKey wrappedKey(String ciphertext) {
        Matcher m = ciphertext == null ? null : CIPHERTEXT.matcher(ciphertext);
        if (m == null || !m.matches()) {
            throw new KeyProviderException("Vault Transit returned no usable ciphertext");
        }
        return new WrappedKey(settings.keyName(), parseVersion(m.group(1)),
                ciphertext.getBytes(StandardCharsets.US_ASCII));
    }

    private static int parseVersion(String digits) {
        long v = Long.parseLong(digits);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    private static Map<String, Object> body(String name, Object value) {
        var body = new LinkedHashMap<String, Object>();
        body.put(name, value);
        return body;
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] decodeB64(String value) {
        if (value == null) {
            throw new KeyProviderException("Vault Transit response lacks a plaintext");
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new KeyProviderException("Vault Transit returned invalid base64");
        }
    }

    private static int seconds(Duration d) {
        long millis = Math.max(1, d.toMillis());
        return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
    }

    /** Vault's {@code {"errors":[…]}}, which never holds secrets; anything else is summarised. */
    static String errors(byte[] body) {
        if (body == null || body.length == 0) {
            return "(no body)";
        }
        try {
            JsonValue errors = Json.parse(new String(body, StandardCharsets.UTF_8)).asObject().get("errors");
            if (errors != null && errors.isArray()) {
                List<String> list = new ArrayList<>();
                errors.asArray().forEach(v -> list.add(v.isString() ? v.asString() : v.toString()));
                return list.toString();
            }
        } catch (RuntimeException ignored) {
            // not JSON
        }
        return "(" + body.length + " bytes)";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
