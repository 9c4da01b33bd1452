package dev.latchkey.vault.local;

import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.KeyProviderException;
import dev.latchkey.vault.KeyStatus;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.WrappedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key-encryption key from a local keyring: versioned AES-256 keys in a JSON file (mode 600) or an environment
 * variable. For development and tests only: the keys sit on the same machine as the data they protect.
 *
 * <p>A data key is wrapped with AES-256-GCM under the primary version: the wrapped form is a random 96-bit nonce, the
 * encrypted 32-byte key and the 16-byte tag (60 bytes), with the owner's canonical context as associated data.
 * {@link #rotate()} adds a new primary version; {@link #setMinDecryptionVersion(int)} disables older versions.
 */
public final class LocalKeyEncryptionKey implements KeyEncryptionKey {

    /** Provider id written into sealed values. */
    public static final String PROVIDER_ID = "local";

    private static final Logger log = LoggerFactory.getLogger(LocalKeyEncryptionKey.class);
    private static final int NONCE_BYTES = 12;
    private static final int WRAPPED_BYTES = NONCE_BYTES + LocalKeyring.KEY_BYTES + 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final SecureRandom random = new SecureRandom();
    // Readers (wrap, unwrap) hold the read lock while they use key bytes; close() zeroes them under the write lock,
    // so no call ever encrypts with a zeroed key.
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private final Path file;
    private final boolean readOnly;
    private volatile LocalKeyring keyring;

    private LocalKeyEncryptionKey(LocalKeyring keyring, Path file, boolean readOnly) {
        this.keyring = keyring;
        this.file = file;
        this.readOnly = readOnly;
    }

    /**
     * Loads the keyring at {@code file}. If it does not exist and {@code createIfMissing} is true, creates it with one
     * fresh key (mode 600, parent directories mode 700) and logs a loud warning that it is not for production.
     *
     * @throws KeyProviderException if the file cannot be read, written or parsed
     */
    public static LocalKeyEncryptionKey fromFile(Path file, boolean createIfMissing) {
        Objects.requireNonNull(file, "file");
        Path path = file.toAbsolutePath().normalize();
        try {
            if (Files.exists(path)) {
                return new LocalKeyEncryptionKey(load(path), path, false);
            }
            if (!createIfMissing) {
                throw new KeyProviderException("local keyring " + path + " does not exist");
            }
            LocalKeyring fresh = LocalKeyring.generate(new SecureRandom());
            try {
                create(path, fresh);
            } catch (FileAlreadyExistsException raced) {
                return new LocalKeyEncryptionKey(load(path), path, false);
            }
            log.warn("""

                    ==========================================================================
                     LATCHKEY LOCAL KEYRING CREATED: {}
                     It holds raw key-encryption keys on this machine's disk (mode 600).
                     For development only, NOT FOR PRODUCTION: set latchkey.keys.provider to
                     vault-transit or aws-kms. Losing this file makes every sealed value
                     unreadable; copying it gives away every sealed value.
                    ==========================================================================""", path);
            return new LocalKeyEncryptionKey(fresh, path, false);
        } catch (IOException e) {
            throw new KeyProviderException("cannot use local keyring " + path + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new KeyProviderException("invalid local keyring " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the keyring from the environment variable {@code name}: either keyring JSON (as written to a keyring file)
     * or a single base64 AES-256 key, used as version 1. The result is read-only: {@link #rotate()} is refused.
     *
     * @throws KeyProviderException if the variable is missing or invalid
     */
    public static LocalKeyEncryptionKey fromEnvironment(String name) {
        Objects.requireNonNull(name, "name");
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new KeyProviderException("environment variable " + name + " holds no keyring");
        }
        return fromKeyringText(value, "environment variable " + name);
    }

    /**
     * A read-only keyring from text: keyring JSON, or a single base64 AES-256 key used as version 1.
     *
     * @param source names where the text came from, for error messages
     * @throws KeyProviderException if the text is not a valid keyring
     */
    public static LocalKeyEncryptionKey fromKeyringText(String text, String source) {
        String trimmed = text.strip();
        try {
            if (trimmed.startsWith("{")) {
                return new LocalKeyEncryptionKey(LocalKeyring.fromJson(trimmed), null, true);
            }
            byte[] key = Base64.getDecoder().decode(trimmed);
            try {
                return new LocalKeyEncryptionKey(LocalKeyring.ofSingleKey("local-env", key), null, true);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } catch (IllegalArgumentException e) {
            throw new KeyProviderException("invalid keyring in " + source + ": " + e.getMessage(), e);
        }
    }

    /** A fresh keyring held only in memory, for tests and benchmarks. Rotation works; nothing is persisted. */
    public static LocalKeyEncryptionKey ephemeral() {
        return new LocalKeyEncryptionKey(LocalKeyring.generate(new SecureRandom()), null, false);
    }

    @Override
    public String providerId() {
        return PROVIDER_ID;
    }

    @Override
    public String keyId() {
        return keyring.keyId();
    }

    @Override
    public int primaryVersion() {
        return keyring.primaryVersion();
    }

    /** The oldest version still allowed to unwrap. */
    public int minDecryptionVersion() {
        return keyring.minDecryptionVersion();
    }

    /** All versions in the keyring, enabled or not, in ascending order. */
    public List<Integer> versions() {
        return List.copyOf(keyring.versions().keySet());
    }

    /** The keyring file, or null if the keyring came from the environment or memory. */
    public Path file() {
        return file;
    }

    @Override
    public WrappedKey wrap(SecretBytes dataKey, SealContext context) {
        Objects.requireNonNull(context, "context");
        lifecycle.readLock().lock();
        try {
            return wrapOpen(dataKey, context);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private WrappedKey wrapOpen(SecretBytes dataKey, SealContext context) {
        checkOpen();
        LocalKeyring ring = keyring;
        int version = ring.primaryVersion();
        byte[] plain = dataKey.revealBytes();
        try {
            if (plain.length != LocalKeyring.KEY_BYTES) {
                throw new IllegalArgumentException("data key must be 32 bytes");
            }
            byte[] out = new byte[WRAPPED_BYTES];
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(ring.enabledKey(version), "AES"),
                    new GCMParameterSpec(128, nonce));
            cipher.updateAAD(context.canonicalBytes());
            cipher.doFinal(plain, 0, plain.length, out, NONCE_BYTES);
            return new WrappedKey(ring.keyId(), version, out);
        } catch (GeneralSecurityException e) {
            throw new KeyProviderException("local wrap failed", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, SealContext context) {
        Objects.requireNonNull(context, "context");
        lifecycle.readLock().lock();
        try {
            return unwrapOpen(wrapped, context);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private SecretBytes unwrapOpen(WrappedKey wrapped, SealContext context) {
        checkOpen();
        LocalKeyring ring = keyring;
        byte[] bytes = wrapped.ciphertext();
        byte[] key = ring.enabledKey(wrapped.version());
        if (!ring.keyId().equals(wrapped.keyId()) || key == null || bytes.length != WRAPPED_BYTES) {
            throw new SealedDataException();
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(128, bytes, 0, NONCE_BYTES));
            cipher.updateAAD(context.canonicalBytes());
            return SecretBytes.adopt(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES));
        } catch (GeneralSecurityException e) {
            throw new SealedDataException();
        }
    }

    @Override
    public KeyStatus status() {
        LocalKeyring ring = keyring;
        return new KeyStatus(PROVIDER_ID, ring.keyId(), ring.primaryVersion(), ring.minDecryptionVersion());
    }

    /**
     * Adds a fresh key as the new primary version and persists the keyring (file-backed keyrings). Older versions
     * keep unwrapping until {@link #setMinDecryptionVersion(int)} disables them.
     *
     * @return the new primary version
     * @throws UnsupportedOperationException for a keyring read from the environment
     * @throws KeyProviderException          if the keyring file cannot be written
     */
    public synchronized int rotate() {
        checkOpen();
        LocalKeyring next = keyring.rotated(random);
        persist(next);
        keyring = next;
        log.info("local keyring {} rotated to version {}", next.keyId(), next.primaryVersion());
        return next.primaryVersion();
    }

    /**
     * Disables versions below {@code version}: data keys wrapped by them no longer unwrap. Re-wrap stored values first
     * (see {@code RewrapJob}). Unwrapped data keys already cached by a sealer stay usable until they expire.
     *
     * @throws IllegalArgumentException if {@code version} is below 1 or above the primary version
     */
    public synchronized void setMinDecryptionVersion(int version) {
        checkOpen();
        LocalKeyring next = keyring.withMinDecryptionVersion(version);
        persist(next);
        keyring = next;
    }

    /** Zeroes the key material held in memory; later calls fail with {@link KeyProviderException}. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                keyring.destroy();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new KeyProviderException("local keyring is closed");
        }
    }

    @Override
    public String toString() {
        return "LocalKeyEncryptionKey[" + keyring.keyId() + ", v" + keyring.primaryVersion() + "]";
    }

    private void persist(LocalKeyring next) {
        if (readOnly) {
            throw new UnsupportedOperationException("a keyring read from the environment is read-only");
        }
        if (file == null) {
            return;
        }
        try {
            Path tmp = writeTemp(file, next);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KeyProviderException("cannot write local keyring " + file + ": " + e.getMessage(), e);
        }
    }

    private static LocalKeyring load(Path path) throws IOException {
        if (posix()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            if (!OWNER_ONLY.containsAll(perms)) {
                log.warn("local keyring {} is accessible to other users ({}); run chmod 600 on it", path,
                        PosixFilePermissions.toString(perms));
            }
        }
        return LocalKeyring.fromJson(Files.readString(path, StandardCharsets.UTF_8));
    }

    private static void create(Path path, LocalKeyring ring) throws IOException {
        Path dir = path.getParent();
        if (dir != null && !Files.exists(dir)) {
            if (posix()) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        Path tmp = writeTemp(path, ring);
        try {
            Files.move(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path writeTemp(Path target, LocalKeyring ring) throws IOException {
        Path dir = target.getParent() != null ? target.getParent() : Path.of(".");
        FileAttribute<?>[] attrs = posix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, ".keyring-", ".tmp", attrs);
        Files.writeString(tmp, ring.toJson(), StandardCharsets.UTF_8);
        return tmp;
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
