package dev.latchkey.vault;

import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * An AES key over an array this class owns, so it can be zeroed: {@link javax.crypto.spec.SecretKeySpec} keeps a copy
 * that nobody can wipe. JCE providers read the key through {@link #getEncoded()}, which hands out a copy.
 */
final class RawAesKey implements SecretKey, AutoCloseable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final byte[] key;
    private boolean destroyed;

    /** Takes ownership of {@code key}. */
    RawAesKey(byte[] key) {
        this.key = key;
    }

    @Override
    public String getAlgorithm() {
        return "AES";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public synchronized byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return key.clone();
    }

    @Override
    public synchronized void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        destroy();
    }

    @Serial
    private void writeObject(ObjectOutputStream out) throws NotSerializableException {
        throw new NotSerializableException("keys are not serializable");
    }
}
