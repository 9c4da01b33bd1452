package dev.latchkey.vault.spring;

import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import dev.latchkey.vault.kms.AwsKmsKeyEncryptionKey;
import dev.latchkey.vault.kms.AwsKmsSettings;
import dev.latchkey.vault.transit.VaultTransitKeyEncryptionKey;
import dev.latchkey.vault.transit.VaultTransitSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the configured {@link KeyEncryptionKey} from {@link LatchkeyKeysProperties}. */
final class KeyEncryptionKeyFactory {

    private static final Logger log = LoggerFactory.getLogger(KeyEncryptionKeyFactory.class);

    private KeyEncryptionKeyFactory() {
    }

    static KeyEncryptionKey create(LatchkeyKeysProperties properties) {
        LatchkeyKeysProperties.Provider provider = properties.getProvider();
        if (provider == null) {
            provider = LatchkeyKeysProperties.Provider.LOCAL;
        }
        return switch (provider) {
            case LOCAL -> local(properties.getLocal());
            case VAULT_TRANSIT -> vault(properties.getVault());
            case AWS_KMS -> kms(properties.getKms());
        };
    }

    private static KeyEncryptionKey local(LatchkeyKeysProperties.Local local) {
        LocalKeyEncryptionKey kek = hasText(local.getKeyringEnv())
                ? LocalKeyEncryptionKey.fromEnvironment(local.getKeyringEnv())
                : LocalKeyEncryptionKey.fromFile(local.getKeyringFile(), local.isCreateIfMissing());
        log.warn("latchkey.keys.provider=local: secrets are sealed with a local keyring ({}); "
                + "for development only, use vault-transit or aws-kms in production",
                kek.file() != null ? kek.file() : "environment variable " + local.getKeyringEnv());
        return kek;
    }

    private static KeyEncryptionKey vault(LatchkeyKeysProperties.Vault vault) {
        if (!hasText(vault.getAddress())) {
            throw new IllegalStateException("latchkey.keys.vault.address is required for provider vault-transit");
        }
        var approle = vault.getApprole();
        return new VaultTransitKeyEncryptionKey(new VaultTransitSettings(vault.getAddress(), vault.getToken(),
                approle.getRoleId(), approle.getSecretId(), approle.getMount(), vault.getMount(), vault.getKeyName(),
                vault.getNamespace(), vault.getConnectTimeout(), vault.getReadTimeout(), vault.getKeyInfoTtl()));
    }

    private static KeyEncryptionKey kms(LatchkeyKeysProperties.Kms kms) {
        if (!hasText(kms.getKeyId())) {
            throw new IllegalStateException("latchkey.keys.kms.key-id is required for provider aws-kms");
        }
        String region = firstText(kms.getRegion(), System.getenv("AWS_REGION"), System.getenv("AWS_DEFAULT_REGION"),
                System.getProperty("aws.region"));
        if (region == null) {
            throw new IllegalStateException("latchkey.keys.kms.region (or AWS_REGION) is required for provider aws-kms");
        }
        return new AwsKmsKeyEncryptionKey(new AwsKmsSettings(kms.getKeyId(), region, kms.getEndpointOverride(),
                kms.getKeyVersion(), kms.getMinDecryptionVersion(), kms.getConnectTimeout(), kms.getAttemptTimeout(),
                kms.getCallTimeout(), kms.getMaxAttempts(), null));
    }

    private static String firstText(String... values) {
        for (String v : values) {
            if (hasText(v)) {
                return v;
            }
        }
        return null;
    }

    private static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }
}
