package dev.latchkey.broker.catalog;

import java.util.Objects;

/**
 * Our OAuth client registration at one provider (per deployment or per tenant).
 *
 * @param clientSecret null for a public client ({@link ClientAuthMethod#NONE})
 */
public record ClientCredentials(String clientId, Secret clientSecret) {

    public ClientCredentials {
        Objects.requireNonNull(clientId, "clientId");
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("clientId is empty");
        }
    }
}
