package dev.latchkey.vault;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test wrapper around a real {@link KeyEncryptionKey}: counts calls, can go "offline" (every call fails with
 * {@link KeyProviderException}, like an unreachable provider) and can present another provider id.
 */
public class CountingKeyEncryptionKey implements KeyEncryptionKey {

    public final AtomicInteger generates = new AtomicInteger();
    public final AtomicInteger wraps = new AtomicInteger();
    public final AtomicInteger unwraps = new AtomicInteger();
    public final AtomicInteger rewraps = new AtomicInteger();
    private final KeyEncryptionKey delegate;
    private final String providerId;
    private volatile boolean offline;

    public CountingKeyEncryptionKey(KeyEncryptionKey delegate) {
        this(delegate, delegate.providerId());
    }

    public CountingKeyEncryptionKey(KeyEncryptionKey delegate, String providerId) {
        this.delegate = delegate;
        this.providerId = providerId;
    }

    public void offline(boolean offline) {
        this.offline = offline;
    }

    private void check() {
        if (offline) {
            throw new KeyProviderException("key provider unreachable (test)");
        }
    }

    @Override
    public String providerId() {
        return providerId;
    }

    @Override
    public String keyId() {
        return delegate.keyId();
    }

    @Override
    public int primaryVersion() {
        return delegate.primaryVersion();
    }

    @Override
    public GeneratedDataKey generateDataKey(SealContext context) {
        generates.incrementAndGet();
        check();
        return delegate.generateDataKey(context);
    }

    @Override
    public WrappedKey wrap(SecretBytes dataKey, SealContext context) {
        wraps.incrementAndGet();
        check();
        return delegate.wrap(dataKey, context);
    }

    @Override
    public SecretBytes unwrap(WrappedKey wrapped, SealContext context) {
        unwraps.incrementAndGet();
        check();
        return delegate.unwrap(wrapped, context);
    }

    @Override
    public WrappedKey rewrap(WrappedKey wrapped, SealContext context) {
        rewraps.incrementAndGet();
        check();
        return delegate.rewrap(wrapped, context);
    }

    @Override
    public KeyStatus status() {
        check();
        return delegate.status();
    }
}
