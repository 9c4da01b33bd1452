package dev.latchkey.vault.kms;

import dev.latchkey.vault.GeneratedDataKey;
import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.KeyStatus;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.WrappedKey;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.InvalidKeyUsageException;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;

/**
 * Key-encryption key held by AWS KMS (symmetric {@code ENCRYPT_DECRYPT} key); the key never leaves KMS.
 *
 * <p>Data keys come from {@code GenerateDataKey} ({@code AES_256}), unwrap is {@code Decrypt} with the key id from the
 * sealed header, rotation is {@code ReEncrypt}. The {@code EncryptionContext} of every call is the owner's
 * {@link SealContext#asMap()} plus {@code kek-version}, the key generation written into the sealed header, so KMS
 * authenticates the header's version as well as the owner (see {@link AwsKmsSettings#keyVersion()}).
 *
 * <p>{@code InvalidCiphertextException}, {@code IncorrectKeyException}, {@code NotFoundException} and
 * {@code InvalidKeyUsageException} on unwrap mean the input does not open: {@link SealedDataException}. Every other
 * failure (access denied, disabled key, throttling, timeouts, network) is a {@link KeyProviderException}, within the
 * configured call timeout. IAM permissions needed: {@code kms:GenerateDataKey}, {@code kms:Encrypt},
 * {@code kms:Decrypt}, {@code kms:ReEncryptFrom}, {@code kms:ReEncryptTo} and {@code kms:DescribeKey} on the key.
 */
public final class AwsKmsKeyEncryptionKey implements KeyEncryptionKey {

    /** Provider id written into sealed values. */
    public static final String PROVIDER_ID = "aws-kms";
    /** The EncryptionContext entry carrying the key generation. */
    public static final String VERSION_CONTEXT_KEY = "kek-version";

    private static final Logger log = LoggerFactory.getLogger(AwsKmsKeyEncryptionKey.class);

    private final AwsKmsSettings settings;
    private final KmsClient kms;
    private final boolean ownsClient;
    private volatile String resolvedKeyArn;

    /** Builds a {@link KmsClient} from {@code settings}: region, endpoint, credentials, timeouts and retries. */
    public AwsKmsKeyEncryptionKey(AwsKmsSettings settings) {
        this(settings, buildClient(settings), true);
    }

    /** Uses a client built by the caller, who keeps ownership of it; the timeouts in {@code settings} do not apply. */
    public AwsKmsKeyEncryptionKey(AwsKmsSettings settings, KmsClient kms) {
        this(settings, kms, false);
    }

    private AwsKmsKeyEncryptionKey(AwsKmsSettings settings, KmsClient kms, boolean ownsClient) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kms = Objects.requireNonNull(kms, "kms");
        this.ownsClient = ownsClient;
        if (isKeyArn(settings.keyId())) {
            resolvedKeyArn = settings.keyId();
        }
    }

    public AwsKmsSettings settings() {
        return settings;
    }

    @Override
    public String providerId() {
        return PROVIDER_ID;
    }

    /**
     * The key's ARN, as KMS reports it in responses: resolved once with {@code DescribeKey} when the configured id is
     * an alias or a bare key id. If that call fails (no {@code kms:DescribeKey} permission, KMS unreachable), the
     * configured id is returned until a data-key response names the ARN.
     */
    @Override
    public String keyId() {
        String arn = resolvedKeyArn;
        if (arn != null) {
            return arn;
        }
        try {
            arn = describe().arn();
            resolvedKeyArn = arn;
            return arn;
        } catch (KeyProviderException e) {
            log.debug("cannot resolve KMS key {} yet: {}", settings.keyId(), e.getMessage());
            return settings.keyId();
        }
    }

    @Override
    public int primaryVersion() {
        return settings.keyVersion();
    }

    @Override
    public GeneratedDataKey generateDataKey(SealContext context) {
        Objects.requireNonNull(context, "context");
        GenerateDataKeyResponse r = call("GenerateDataKey", false, () -> kms.generateDataKey(b -> b
                .keyId(settings.keyId())
                .keySpec(DataKeySpec.AES_256)
                .encryptionContext(encryptionContext(context, settings.keyVersion()))));
        SecretBytes plaintext = SecretBytes.adopt(r.plaintext().asByteArrayUnsafe());
        try {
            return new GeneratedDataKey(plaintext, wrapped(r.keyId(), r.ciphertextBlob()));
        } catch (RuntimeException e) {
            plaintext.close();
            throw e;
        }
    }

    @Override
    public WrappedKey wrap(SecretBytes dataKey, SealContext context) {
        Objects.requireNonNull(context, "context");
        byte[] plain = dataKey.revealBytes();
        try {
            EncryptResponse r = call("Encrypt", false, () -> kms.encrypt(b -> b
                    .keyId(settings.keyId())
                    .plaintext(SdkBytes.fromByteArrayUnsafe(plain))
                    .encryptionContext(encryptionContext(context, settings.keyVersion()))));
            return wrapped(r.keyId(), r.ciphertextBlob());
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, SealContext context) {
        Objects.requireNonNull(context, "context");
        checkDecryptable(wrapped);
        DecryptResponse r = call("Decrypt", true, () -> kms.decrypt(b -> b
                .keyId(wrapped.keyId())
                .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrapped.ciphertext()))
                .encryptionContext(encryptionContext(context, wrapped.version()))));
        byte[] plaintext = r.plaintext() == null ? new byte[0] : r.plaintext().asByteArrayUnsafe();
        if (!wrapped.keyId().equals(r.keyId())) {
            Arrays.fill(plaintext, (byte) 0);
            throw new SealedDataException();
        }
        return SecretBytes.adopt(plaintext);
    }

    @Override
    public WrappedKey rewrap(WrappedKey wrapped, SealContext context) {
        Objects.requireNonNull(context, "context");
        checkDecryptable(wrapped);
        ReEncryptResponse r = call("ReEncrypt", true, () -> kms.reEncrypt(b -> b
                .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrapped.ciphertext()))
                .sourceKeyId(wrapped.keyId())
                .sourceEncryptionContext(encryptionContext(context, wrapped.version()))
                .destinationKeyId(settings.keyId())
                .destinationEncryptionContext(encryptionContext(context, settings.keyVersion()))));
        return wrapped(r.keyId(), r.ciphertextBlob());
    }

    @Override
    public KeyStatus status() {
        KeyMetadata key = describe();
        if (key.keyState() != KeyState.ENABLED) {
            throw new KeyProviderException("KMS key " + key.arn() + " is " + key.keyStateAsString());
        }
        resolvedKeyArn = key.arn();
        return new KeyStatus(PROVIDER_ID, key.arn(), settings.keyVersion(), settings.minDecryptionVersion());
    }

    @Override
    public void close() {
        if (ownsClient) {
            kms.close();
        }
    }

    @Override
    public String toString() {
        return "AwsKmsKeyEncryptionKey[" + settings.keyId() + " in " + settings.region() + ", v"
                + settings.keyVersion() + "]";
    }

    /** The EncryptionContext for {@code context} and key generation {@code version}. */
    public static Map<String, String> encryptionContext(SealContext context, int version) {
        var map = new LinkedHashMap<>(context.asMap());
        map.put(VERSION_CONTEXT_KEY, Integer.toString(version));
        return map;
    }

    private KeyMetadata describe() {
        return call("DescribeKey", false, () -> kms.describeKey(b -> b.keyId(settings.keyId()))).keyMetadata();
    }

    private void checkDecryptable(WrappedKey wrapped) {
        // No upper bound: during a rolling change of key-version, nodes still on the old number must open values
        // written by nodes already on the new one. KMS authenticates the number through the EncryptionContext.
        if (wrapped.version() < settings.minDecryptionVersion() || !isKeyArn(wrapped.keyId())) {
            throw new SealedDataException();
        }
    }

    private WrappedKey wrapped(String keyArn, SdkBytes blob) {
        if (keyArn == null || blob == null) {
            throw new KeyProviderException("AWS KMS response lacks a key id or ciphertext");
        }
        resolvedKeyArn = keyArn;
        return new WrappedKey(keyArn, settings.keyVersion(), blob.asByteArrayUnsafe());
    }

    private static <T> T call(String operation, boolean unwrapping, Supplier<T> call) {
        try {
            return call.get();
        } catch (InvalidCiphertextException | IncorrectKeyException | NotFoundException
                 | InvalidKeyUsageException e) {
            if (unwrapping) {
                throw new SealedDataException();
            }
            throw new KeyProviderException("AWS KMS " + operation + " refused: " + code(e), e);
        } catch (AwsServiceException e) {
            throw new KeyProviderException("AWS KMS " + operation + " refused: " + code(e) + " (HTTP "
                    + e.statusCode() + ")", e);
        } catch (SdkException e) {
            throw new KeyProviderException("AWS KMS " + operation + " failed: " + e.getClass().getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static String code(AwsServiceException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                ? e.awsErrorDetails().errorCode() : e.getClass().getSimpleName();
    }

    private static boolean isKeyArn(String id) {
        return id.startsWith("arn:") && id.contains(":key/");
    }

    private static KmsClient buildClient(AwsKmsSettings s) {
        KmsClientBuilder builder = KmsClient.builder()
                .region(Region.of(s.region()))
                .credentialsProvider(s.credentialsProvider() != null ? s.credentialsProvider()
                        : DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(s.connectTimeout())
                        .socketTimeout(s.attemptTimeout()))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(s.attemptTimeout())
                        .apiCallTimeout(s.callTimeout())
                        .retryStrategy(r -> r.maxAttempts(s.maxAttempts())));
        if (s.endpointOverride() != null) {
            builder.endpointOverride(s.endpointOverride());
        }
        return builder.build();
    }
}
