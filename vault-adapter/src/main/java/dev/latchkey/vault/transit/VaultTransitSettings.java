package dev.latchkey.vault.transit;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link VaultTransitKeyEncryptionKey}. Authenticate with a token, or with AppRole (role id and secret
 * id; the token is obtained at first use and renewed by logging in again).
 *
 * @param address         Vault address, e.g. {@code https://vault.internal:8200}
 * @param token           Vault token, or null when AppRole is used
 * @param appRoleRoleId   AppRole role id, or null
 * @param appRoleSecretId AppRole secret id, or null
 * @param appRoleMount    path the AppRole auth method is mounted at (default {@code approle})
 * @param mount           path the Transit engine is mounted at (default {@code transit})
 * @param keyName         Transit key name (default {@code latchkey})
 * @param namespace       Vault Enterprise namespace, or null
 * @param connectTimeout  bound on opening a connection
 * @param readTimeout     bound on waiting for one response; Vault's driver counts it in whole seconds (rounded up)
 * @param keyInfoTtl      how long the key's latest and minimum decryption versions are cached
 */
public record VaultTransitSettings(String address, String token, String appRoleRoleId, String appRoleSecretId,
        String appRoleMount, String mount, String keyName, String namespace, Duration connectTimeout,
        Duration readTimeout, Duration keyInfoTtl) {

    public VaultTransitSettings {
        Objects.requireNonNull(address, "address");
        if (address.isBlank()) {
            throw new IllegalArgumentException("Vault address is required");
        }
        address = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
        boolean appRole = notBlank(appRoleRoleId) || notBlank(appRoleSecretId);
        if (appRole && !(notBlank(appRoleRoleId) && notBlank(appRoleSecretId))) {
            throw new IllegalArgumentException("AppRole needs both role id and secret id");
        }
        if (!appRole && !notBlank(token)) {
            throw new IllegalArgumentException("Vault needs a token or an AppRole role id and secret id");
        }
        appRoleMount = notBlank(appRoleMount) ? trimSlashes(appRoleMount) : "approle";
        mount = notBlank(mount) ? trimSlashes(mount) : "transit";
        keyName = notBlank(keyName) ? keyName : "latchkey";
        if (keyName.contains("/")) {
            throw new IllegalArgumentException("Transit key name must not contain '/'");
        }
        connectTimeout = positive(connectTimeout, Duration.ofSeconds(2));
        readTimeout = positive(readTimeout, Duration.ofSeconds(5));
        keyInfoTtl = keyInfoTtl == null || keyInfoTtl.isNegative() ? Duration.ofSeconds(60) : keyInfoTtl;
    }

    /** Token authentication with defaults for everything else. */
    public static VaultTransitSettings withToken(String address, String token) {
        return new VaultTransitSettings(address, token, null, null, null, null, null, null, null, null, null);
    }

    /** AppRole authentication with defaults for everything else. */
    public static VaultTransitSettings withAppRole(String address, String roleId, String secretId) {
        return new VaultTransitSettings(address, null, roleId, secretId, null, null, null, null, null, null, null);
    }

    public boolean usesAppRole() {
        return notBlank(appRoleRoleId);
    }

    public VaultTransitSettings withKey(String mount, String keyName) {
        return new VaultTransitSettings(address, token, appRoleRoleId, appRoleSecretId, appRoleMount, mount, keyName,
                namespace, connectTimeout, readTimeout, keyInfoTtl);
    }

    public VaultTransitSettings withTimeouts(Duration connectTimeout, Duration readTimeout) {
        return new VaultTransitSettings(address, token, appRoleRoleId, appRoleSecretId, appRoleMount, mount, keyName,
                namespace, connectTimeout, readTimeout, keyInfoTtl);
    }

    public VaultTransitSettings withKeyInfoTtl(Duration keyInfoTtl) {
        return new VaultTransitSettings(address, token, appRoleRoleId, appRoleSecretId, appRoleMount, mount, keyName,
                namespace, connectTimeout, readTimeout, keyInfoTtl);
    }

    public VaultTransitSettings withNamespace(String namespace) {
        return new VaultTransitSettings(address, token, appRoleRoleId, appRoleSecretId, appRoleMount, mount, keyName,
                namespace, connectTimeout, readTimeout, keyInfoTtl);
    }

    public VaultTransitSettings withAppRoleMount(String appRoleMount) {
        return new VaultTransitSettings(address, token, appRoleRoleId, appRoleSecretId, appRoleMount, mount, keyName,
                namespace, connectTimeout, readTimeout, keyInfoTtl);
    }

    @Override
    public String toString() {
        return "VaultTransitSettings[address=" + address + ", auth=" + (usesAppRole() ? "approle" : "token")
                + ", mount=" + mount + ", keyName=" + keyName + ", namespace=" + namespace + ", connectTimeout="
                + connectTimeout + ", readTimeout=" + readTimeout + ", keyInfoTtl=" + keyInfoTtl + "]";
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static String trimSlashes(String s) {
        String t = s.strip();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d == null || d.isNegative() || d.isZero() ? fallback : d;
    }
}
