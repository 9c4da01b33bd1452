package dev.latchkey.vault.spring;

import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.KeyStatus;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the key-encryption key provider, reported as {@code keyProvider}: DOWN when the provider cannot be
 * reached, refuses the caller, or the key is not usable, since sealing then fails closed.
 */
public class KeyProviderHealthIndicator implements HealthIndicator {

    private final KeyEncryptionKey kek;

    public KeyProviderHealthIndicator(KeyEncryptionKey kek) {
        this.kek = Objects.requireNonNull(kek, "kek");
    }

    @Override
    public Health health() {
        try {
            KeyStatus status = kek.status();
            return Health.up()
                    .withDetail("provider", status.providerId())
                    .withDetail("keyId", status.keyId())
                    .withDetail("primaryVersion", status.primaryVersion())
                    .withDetail("minDecryptionVersion", status.minDecryptionVersion())
                    .build();
        } catch (RuntimeException e) {
            return Health.down()
                    .withDetail("provider", kek.providerId())
                    .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage())
                    .build();
        }
    }
}
