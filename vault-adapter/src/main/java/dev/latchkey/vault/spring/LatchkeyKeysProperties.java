package dev.latchkey.vault.spring;

import dev.latchkey.vault.CacheSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings under {@code latchkey.keys}: which key-encryption key provider seals secrets, and the data-key cache. */
@ConfigurationProperties("latchkey.keys")
public class LatchkeyKeysProperties {

    /** Key-encryption key providers. */
    public enum Provider {
        /** Local keyring file or environment variable: development only. */
        LOCAL,
        /** HashiCorp Vault Transit secrets engine. */
        VAULT_TRANSIT,
        /** AWS KMS. */
        AWS_KMS
    }

    /** Which provider holds the key-encryption key: local, vault-transit or aws-kms. */
    private Provider provider = Provider.LOCAL;

    private final Local local = new Local();
    private final Vault vault = new Vault();
    private final Kms kms = new Kms();
    private final Cache cache = new Cache();
    private final Rewrap rewrap = new Rewrap();

    public Provider getProvider() {
        return provider;
    }

    public void setProvider(Provider provider) {
        this.provider = provider;
    }

    public Local getLocal() {
        return local;
    }

    public Vault getVault() {
        return vault;
    }

    public Kms getKms() {
        return kms;
    }

    public Cache getCache() {
        return cache;
    }

    public Rewrap getRewrap() {
        return rewrap;
    }

    /** Local keyring (development). */
    public static class Local {

        /** Keyring file (JSON, mode 600), created on first start if missing and create-if-missing is true. */
        private Path keyringFile = Path.of("./data/keyring.json");

        /**
         * Name of an environment variable holding the keyring (keyring JSON, or one base64 AES-256 key); when set,
         * the keyring file is not used and the keyring is read-only.
         */
        private String keyringEnv;

        /** Whether a missing keyring file is created with a fresh key. */
        private boolean createIfMissing = true;

        public Path getKeyringFile() {
            return keyringFile;
        }

        public void setKeyringFile(Path keyringFile) {
            this.keyringFile = keyringFile;
        }

        public String getKeyringEnv() {
            return keyringEnv;
        }

        public void setKeyringEnv(String keyringEnv) {
            this.keyringEnv = keyringEnv;
        }

        public boolean isCreateIfMissing() {
            return createIfMissing;
        }

        public void setCreateIfMissing(boolean createIfMissing) {
            this.createIfMissing = createIfMissing;
        }
    }

    /** HashiCorp Vault Transit. */
    public static class Vault {

        /** Vault address, e.g. https://vault.internal:8200. */
        private String address;

        /** Vault token; leave empty to use AppRole. */
        private String token;

        /** Vault Enterprise namespace. */
        private String namespace;

        private final AppRole approle = new AppRole();

        /** Path the Transit engine is mounted at. */
        private String mount = "transit";

        /** Transit key name. */
        private String keyName = "latchkey";

        /** Bound on opening a connection to Vault. */
        private Duration connectTimeout = Duration.ofSeconds(2);

        /** Bound on waiting for one Vault response (whole seconds, rounded up). */
        private Duration readTimeout = Duration.ofSeconds(5);

        /** How long the key's latest and minimum decryption versions are cached. */
        private Duration keyInfoTtl = Duration.ofSeconds(60);

        public String getAddress() {
            return address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }

        public String getNamespace() {
            return namespace;
        }

        public void setNamespace(String namespace) {
            this.namespace = namespace;
        }

        public AppRole getApprole() {
            return approle;
        }

        public String getMount() {
            return mount;
        }

        public void setMount(String mount) {
            this.mount = mount;
        }

        public String getKeyName() {
            return keyName;
        }

        public void setKeyName(String keyName) {
            this.keyName = keyName;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Duration getKeyInfoTtl() {
            return keyInfoTtl;
        }

        public void setKeyInfoTtl(Duration keyInfoTtl) {
            this.keyInfoTtl = keyInfoTtl;
        }

        /** AppRole authentication. */
        public static class AppRole {

            /** AppRole role id. */
            private String roleId;

            /** AppRole secret id. */
            private String secretId;

            /** Path the AppRole auth method is mounted at. */
            private String mount = "approle";

            public String getRoleId() {
                return roleId;
            }

            public void setRoleId(String roleId) {
                this.roleId = roleId;
            }

            public String getSecretId() {
                return secretId;
            }

            public void setSecretId(String secretId) {
                this.secretId = secretId;
            }

            public String getMount() {
                return mount;
            }

            public void setMount(String mount) {
                this.mount = mount;
            }
        }
    }

    /** AWS KMS. */
    public static class Kms {

        /** KMS key id, key ARN, alias name or alias ARN (a key ARN saves a DescribeKey call). */
        private String keyId;

        /** AWS region; defaults to AWS_REGION, AWS_DEFAULT_REGION or the aws.region system property. */
        private String region;

        /** KMS endpoint to use instead of the regional one (VPC endpoint, test server). */
        private URI endpointOverride;

        /** Key generation written into sealed values; raise it after rotating the KMS key, then run the rewrap job. */
        private int keyVersion = 1;

        /** Key generations below this are refused. */
        private int minDecryptionVersion = 1;

        /** Bound on opening a connection to KMS. */
        private Duration connectTimeout = Duration.ofSeconds(2);

        /** Bound on one HTTP attempt. */
        private Duration attemptTimeout = Duration.ofSeconds(3);

        /** Bound on one KMS call including retries. */
        private Duration callTimeout = Duration.ofSeconds(6);

        /** Attempts per KMS call. */
        private int maxAttempts = 2;

        public String getKeyId() {
            return keyId;
        }

        public void setKeyId(String keyId) {
            this.keyId = keyId;
        }

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public URI getEndpointOverride() {
            return endpointOverride;
        }

        public void setEndpointOverride(URI endpointOverride) {
            this.endpointOverride = endpointOverride;
        }

        public int getKeyVersion() {
            return keyVersion;
        }

        public void setKeyVersion(int keyVersion) {
            this.keyVersion = keyVersion;
        }

        public int getMinDecryptionVersion() {
            return minDecryptionVersion;
        }

        public void setMinDecryptionVersion(int minDecryptionVersion) {
            this.minDecryptionVersion = minDecryptionVersion;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getAttemptTimeout() {
            return attemptTimeout;
        }

        public void setAttemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
        }

        public Duration getCallTimeout() {
            return callTimeout;
        }

        public void setCallTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }
    }

    /** Cache of unwrapped data keys. */
    public static class Cache {

        /** Whether data keys are cached; off means one KEK call per seal and per open. */
        private boolean enabled = true;

        /** Maximum age of a cached data key. */
        private Duration maxAge = CacheSettings.DEFAULT_MAX_AGE;

        /** Maximum seals or opens served by one cached data key (at most 1048576). */
        private long maxUses = CacheSettings.DEFAULT_MAX_USES;

        /** Maximum number of cached data keys. */
        private int maxEntries = CacheSettings.DEFAULT_MAX_ENTRIES;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public long getMaxUses() {
            return maxUses;
        }

        public void setMaxUses(long maxUses) {
            this.maxUses = maxUses;
        }

        public int getMaxEntries() {
            return maxEntries;
        }

        public void setMaxEntries(int maxEntries) {
            this.maxEntries = maxEntries;
        }

        CacheSettings toSettings() {
            return new CacheSettings(enabled, maxAge, maxUses, maxEntries);
        }
    }

    /** Rewrap job (created when the application defines exactly one SealedValueStore bean). */
    public static class Rewrap {

        /** Values per claimed batch. */
        private int batchSize = 100;

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }
    }
}
