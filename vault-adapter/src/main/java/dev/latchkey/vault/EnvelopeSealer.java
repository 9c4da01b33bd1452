package dev.latchkey.vault;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envelope encryption: each value is encrypted with AES-256-GCM under a data key, and the data key is wrapped by a
 * {@link KeyEncryptionKey}. The owner's {@link SealContext#canonicalBytes() canonical context} is the associated data
 * of the value and the context of the key wrap, so a value moved to another tenant, record or purpose does not open.
 *
 * <p>The sealed format is documented in the module README and in {@link SealedFormat}. {@link #rewrap} moves a value
 * to the newest key version by re-wrapping only its data key; nonce and ciphertext stay as they are.
 *
 * <p>Data keys are cached in a {@link DataKeyCache} (see there for the limits and for why reuse is nonce-safe). When
 * the KEK is unreachable, {@link #seal} fails closed with {@link KeyProviderException} unless a data key for that very
 * owner is still cached, and {@link #open} works only for data keys still cached. Thread-safe.
 */
public final class EnvelopeSealer implements Sealer, AutoCloseable {

    /** Default cap on the plaintext size: 1 MiB. Secrets are small; the cap keeps mistakes from going unnoticed. */
    public static final int DEFAULT_MAX_PLAINTEXT_BYTES = 1 << 20;

    private static final Logger log = LoggerFactory.getLogger(EnvelopeSealer.class);
    private static final int TAG_BITS = 128;

    private final KeyEncryptionKey primary;
    private final Map<String, KeyEncryptionKey> keksByProvider;
    private final DataKeyCache cache;
    private final GcmCiphers ciphers = new GcmCiphers();
    private final int maxPlaintextBytes;

    private EnvelopeSealer(Builder b) {
        this.primary = b.primary;
        var map = new LinkedHashMap<String, KeyEncryptionKey>();
        map.put(primary.providerId(), primary);
        for (KeyEncryptionKey k : b.decryptOnly) {
            if (map.putIfAbsent(k.providerId(), k) != null) {
                throw new IllegalArgumentException("two key-encryption keys for provider " + k.providerId());
            }
        }
        this.keksByProvider = Map.copyOf(map);
        this.cache = b.cache != null ? b.cache : new DataKeyCache(CacheSettings.defaults());
        this.maxPlaintextBytes = b.maxPlaintextBytes;
        if (!SealedFormat.validProviderId(primary.providerId())) {
            throw new IllegalArgumentException("invalid provider id: " + primary.providerId());
        }
    }

    /** A sealer over {@code kek} with a default cache ({@link CacheSettings#defaults()}). */
    public EnvelopeSealer(KeyEncryptionKey kek) {
        this(builder(kek));
    }

    /** A sealer over {@code kek} using {@code cache}. */
    public EnvelopeSealer(KeyEncryptionKey kek, DataKeyCache cache) {
        this(builder(kek).cache(cache));
    }

    public static Builder builder(KeyEncryptionKey primary) {
        return new Builder(primary);
    }

    @Override
    public byte[] seal(byte[] plaintext, SealContext context) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(context, "context");
        if (plaintext.length > maxPlaintextBytes) {
            throw new IllegalArgumentException("plaintext longer than " + maxPlaintextBytes + " bytes");
        }
        byte[] aad = context.canonicalBytes();
        ByteBuffer sealId = cache.enabled() ? sealCacheId(primary.providerId(), primary.keyId(),
                primary.primaryVersion(), aad) : null;
        DataKeyCache.SealLease lease = cache.acquireForSeal(sealId); // counts a miss when the cache is off
        byte[] key;
        byte[] header;
        if (lease != null) {
            key = lease.key();
            header = header(primary.providerId(), lease.wrapped());
        } else {
            WrappedKey wrapped;
            try (GeneratedDataKey fresh = generate(context)) {
                wrapped = fresh.wrapped();
                header = header(primary.providerId(), wrapped); // validates the provider's answer before caching
                key = fresh.plaintext().revealBytes();
            }
            if (sealId != null) {
                cache.putForSeal(sealId, key, wrapped);
                cache.putForOpen(openCacheId(primary.providerId(), wrapped, aad), key);
            }
        }
        try (RawAesKey dataKey = new RawAesKey(key)) {
            byte[] out = new byte[header.length + SealedFormat.NONCE_BYTES + plaintext.length
                    + SealedFormat.TAG_BYTES];
            System.arraycopy(header, 0, out, 0, header.length);
            byte[] nonce = new byte[SealedFormat.NONCE_BYTES];
            Randomness.SECURE.nextBytes(nonce);
            System.arraycopy(nonce, 0, out, header.length, nonce.length);
            Cipher cipher = ciphers.acquire();
            cipher.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            cipher.doFinal(plaintext, 0, plaintext.length, out, header.length + nonce.length);
            ciphers.release(cipher);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    @Override
    public SecretBytes open(byte[] sealed, SealContext context) {
        Objects.requireNonNull(context, "context");
        SealedFormat.Parsed parsed = SealedFormat.parse(sealed);
        KeyEncryptionKey kek = keksByProvider.get(parsed.key().providerId());
        if (kek == null) {
            throw new SealedDataException();
        }
        byte[] aad = context.canonicalBytes();
        ByteBuffer openId = cache.enabled() ? openCacheId(parsed.key().providerId(), parsed.wrapped(), aad) : null;
        byte[] key = cache.acquireForOpen(openId); // counts a miss when the cache is off
        if (key == null) {
            key = unwrap(kek, parsed.wrapped(), context);
            if (openId != null) {
                cache.putForOpen(openId, key);
            }
        }
        try (RawAesKey dataKey = new RawAesKey(key)) {
            Cipher cipher = ciphers.acquire();
            cipher.init(Cipher.DECRYPT_MODE, dataKey, new GCMParameterSpec(TAG_BITS, sealed, parsed.nonceOffset(),
                    SealedFormat.NONCE_BYTES));
            cipher.updateAAD(aad);
            int offset = parsed.ciphertextOffset();
            SecretBytes plaintext = SecretBytes.adopt(cipher.doFinal(sealed, offset, sealed.length - offset));
            ciphers.release(cipher);
            return plaintext;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SealedDataException();
        }
    }

    /**
     * Re-wraps the data key of {@code sealed} under the primary key version (and, during a migration between
     * providers, under the primary provider), leaving nonce and ciphertext untouched. A value already under the primary
     * version is returned as an equal copy.
     *
     * @throws SealedDataException  if the value is malformed or its data key does not unwrap under {@code context}
     * @throws KeyProviderException if a key-encryption key cannot be reached
     */
    public byte[] rewrap(byte[] sealed, SealContext context) {
        Objects.requireNonNull(context, "context");
        SealedFormat.Parsed parsed = SealedFormat.parse(sealed);
        KeyEncryptionKey source = keksByProvider.get(parsed.key().providerId());
        if (source == null) {
            throw new SealedDataException();
        }
        if (!needsRewrap(parsed.key())) {
            return sealed.clone();
        }
        WrappedKey rewrapped;
        if (source == primary) {
            rewrapped = callProvider(() -> primary.rewrap(parsed.wrapped(), context));
        } else {
            byte[] key = unwrap(source, parsed.wrapped(), context);
            try (SecretBytes dataKey = SecretBytes.adopt(key)) {
                rewrapped = callProvider(() -> primary.wrap(dataKey, context));
            }
        }
        byte[] header = header(primary.providerId(), rewrapped);
        int tail = sealed.length - parsed.nonceOffset();
        byte[] out = new byte[header.length + tail];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(sealed, parsed.nonceOffset(), out, header.length, tail);
        return out;
    }

    /**
     * True if {@code sealed} was wrapped by another key or an older version than the primary, so {@link #rewrap}
     * would change it.
     *
     * @throws SealedDataException if {@code sealed} is malformed
     */
    public boolean needsRewrap(byte[] sealed) {
        return needsRewrap(SealedFormat.parse(sealed).key());
    }

    /** The key that wraps new data keys. */
    public KeyRef primaryKey() {
        return primary.primaryKey();
    }

    public KeyEncryptionKey keyEncryptionKey() {
        return primary;
    }

    public DataKeyCache cache() {
        return cache;
    }

    /** Zeroes the cached data keys. Does not close the key-encryption keys. */
    @Override
    public void close() {
        cache.close();
    }

    private boolean needsRewrap(KeyRef key) {
        KeyRef current = primary.primaryKey();
        return !key.sameKey(current) || key.version() < current.version();
    }

    private GeneratedDataKey generate(SealContext context) {
        GeneratedDataKey fresh = callProvider(() -> primary.generateDataKey(context));
        if (fresh.plaintext().length() != KeyEncryptionKey.DATA_KEY_BYTES) {
            fresh.close();
            throw new KeyProviderException("key provider returned a data key of the wrong length");
        }
        return fresh;
    }

    private static byte[] unwrap(KeyEncryptionKey kek, WrappedKey wrapped, SealContext context) {
        SecretBytes unwrapped;
        try {
            unwrapped = kek.unwrap(wrapped, context);
        } catch (SealedDataException | KeyProviderException e) {
            throw e;
        } catch (RuntimeException e) {
            log.debug("unwrap failed in provider {}: {}", kek.providerId(), e.getClass().getName());
            throw new SealedDataException();
        }
        try (unwrapped) {
            byte[] key = unwrapped.revealBytes();
            if (key.length != KeyEncryptionKey.DATA_KEY_BYTES) {
                Arrays.fill(key, (byte) 0);
                throw new SealedDataException();
            }
            return key;
        }
    }

    private static <T> T callProvider(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (KeyProviderException | SealedDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KeyProviderException("key provider failed: " + e.getClass().getSimpleName(), e);
        }
    }

    private static byte[] header(String providerId, WrappedKey wrapped) {
        try {
            return SealedFormat.header(providerId, wrapped);
        } catch (IllegalArgumentException e) {
            throw new KeyProviderException("key provider returned a wrapped key that does not fit the sealed format",
                    e);
        }
    }

    // Cache ids are the identifying fields themselves, each length-prefixed so that no two field lists give the same
    // bytes. None of them is secret (the data key in them is wrapped), and a SHA-256 over them, as before, cost more
    // than the lookup it served.
    private static ByteBuffer sealCacheId(String providerId, String keyId, int version, byte[] aad) {
        return cacheId((byte) 's', version, providerId.getBytes(StandardCharsets.UTF_8),
                keyId.getBytes(StandardCharsets.UTF_8), aad);
    }

    private static ByteBuffer openCacheId(String providerId, WrappedKey wrapped, byte[] aad) {
        return cacheId((byte) 'o', wrapped.version(), providerId.getBytes(StandardCharsets.UTF_8),
                wrapped.keyId().getBytes(StandardCharsets.UTF_8), aad, wrapped.ciphertextNoCopy());
    }

    private static ByteBuffer cacheId(byte kind, int version, byte[]... fields) {
        int length = 1 + Integer.BYTES;
        for (byte[] field : fields) {
            length += Integer.BYTES + field.length;
        }
        ByteBuffer id = ByteBuffer.allocate(length).put(kind).putInt(version);
        for (byte[] field : fields) {
            id.putInt(field.length).put(field);
        }
        return id.flip();
    }

    /** Builds an {@link EnvelopeSealer}. */
    public static final class Builder {
        private final KeyEncryptionKey primary;
        private final List<KeyEncryptionKey> decryptOnly = new java.util.ArrayList<>();
        private DataKeyCache cache;
        private int maxPlaintextBytes = DEFAULT_MAX_PLAINTEXT_BYTES;

        private Builder(KeyEncryptionKey primary) {
            this.primary = Objects.requireNonNull(primary, "primary");
        }

        /** The data-key cache; defaults to a new cache with {@link CacheSettings#defaults()}. */
        public Builder cache(DataKeyCache cache) {
            this.cache = Objects.requireNonNull(cache, "cache");
            return this;
        }

        /** A new cache with these settings. */
        public Builder cacheSettings(CacheSettings settings) {
            return cache(new DataKeyCache(settings));
        }

        /**
         * Key-encryption keys of other providers that may still open (and be re-wrapped from) but never seal, for a
         * migration between providers, e.g. from the local keyring to Vault Transit.
         */
        public Builder decryptOnly(KeyEncryptionKey... keks) {
            decryptOnly.addAll(List.of(keks));
            return this;
        }

        public Builder maxPlaintextBytes(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("max must not be negative");
            }
            this.maxPlaintextBytes = max;
            return this;
        }

        public EnvelopeSealer build() {
            return new EnvelopeSealer(this);
        }
    }
}
