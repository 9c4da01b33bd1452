package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.Map;

/**
 * A provider's endpoints resolved for one connection's validated parameters. {@link #refresh()} already falls back
 * to the token endpoint; {@link #issuer()} is null when the catalog states none. The revocation URL stays a template
 * because it may carry the reserved {@code {token}} or {@code {clientId}} placeholders, filled per request by
 * {@link TokenRequests#revocation}. Obtain it from {@link Provider#resolveUrls}, which validates the parameters; the
 * request builders trust what it holds.
 */
public record ConnectionUrls(URI authorize, URI token, URI refresh, URI api, UrlTemplate revoke, URI issuer,
        Map<String, String> parameters) {

    public ConnectionUrls {
        parameters = Map.copyOf(parameters);
    }
}
