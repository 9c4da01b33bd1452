package dev.latchkey.broker.apps;

import java.time.Instant;

/** A registration at a provider as the admin API shows it: never the secret, only whether there is one. */
public record ProviderApp(String providerId, String tenant, String clientId, boolean hasClientSecret,
        Instant updatedAt) {
}
