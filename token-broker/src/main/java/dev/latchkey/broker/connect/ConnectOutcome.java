package dev.latchkey.broker.connect;

import java.net.URI;
import java.util.UUID;

/**
 * How a connect flow ended, for the page that tells the end user.
 *
 * @param connectionId the connection created or reconnected; null on failure
 * @param error        why it failed; null on success
 * @param returnTo     where to send the browser (the session's return URL with the outcome added), or null
 */
public record ConnectOutcome(UUID sessionId, String providerName, UUID connectionId, ConnectException.Code error,
        URI returnTo) {

    public boolean succeeded() {
        return error == null;
    }
}
