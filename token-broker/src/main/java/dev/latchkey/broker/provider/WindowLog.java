package dev.latchkey.broker.provider;

/**
 * The most recent instants of one kind (at most {@code capacity}, oldest first, never decreasing) that are still
 * less than a window old: enough to tell whether one more would put {@code capacity + 1} into some window, and from
 * when it no longer would. Instants are {@link System#nanoTime} values, compared by difference.
 *
 * <p>A ring that grows with use, so a large capacity (a million per day) costs memory only for the instants really
 * kept. Not thread-safe: {@link ProviderRateLimiter} touches it only under the cache's per-entry lock.
 */
final class WindowLog {

    private final long windowNanos;
    private final int capacity;
    private long[] instants = new long[4];
    private int head;
    private int size;

    WindowLog(long windowNanos, int capacity) {
        this.windowNanos = windowNanos;
        this.capacity = capacity;
    }

    /** Drops instants a window or more before {@code now}: they constrain nothing at or after it. */
    void forgetBefore(long now) {
        while (size > 0 && now - (instants[head] + windowNanos) >= 0) {
            head = (head + 1) % instants.length;
            size--;
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** {@code capacity} instants within a window: another one may only come a window after the oldest. */
    boolean isFull() {
        return size == capacity;
    }

    /** When the oldest instant is a window old; meaningful when {@link #isFull()}. */
    long freeAt() {
        return instants[head] + windowNanos;
    }

    /** The latest instant; meaningful when not {@link #isEmpty()}. */
    long newest() {
        return instants[(head + size - 1) % instants.length];
    }

    /** When the latest instant is a window old, from which on this log constrains nothing. */
    long idleAt() {
        return newest() + windowNanos;
    }

    /** A log of another capacity holding the newest of these instants that fit. */
    WindowLog resizedTo(int newCapacity) {
        WindowLog resized = new WindowLog(windowNanos, newCapacity);
        for (int i = 0; i < size; i++) {
            resized.add(instants[(head + i) % instants.length]);
        }
        return resized;
    }

    /**
     * Records an instant no earlier than {@link #newest()}. When full the oldest makes room: the caller made sure the
     * new instant is at least {@link #freeAt()}.
     */
    void add(long instant) {
        if (size == capacity) {
            head = (head + 1) % instants.length;
            size--;
        } else if (size == instants.length) {
            long[] grown = new long[Math.min(capacity, instants.length * 2)];
            for (int i = 0; i < size; i++) {
                grown[i] = instants[(head + i) % instants.length];
            }
            instants = grown;
            head = 0;
        }
        instants[(head + size) % instants.length] = instant;
        size++;
    }
}
