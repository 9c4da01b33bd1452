package dev.latchkey.vault;

/** The key-encryption key provider is unreachable or refused the request; callers fail closed. */
public final class KeyProviderException extends RuntimeException {

    public KeyProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    public KeyProviderException(String message) {
        super(message);
    }
}
