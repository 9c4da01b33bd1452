package dev.latchkey.broker.refresh;

import dev.latchkey.broker.credential.StoredCredential;
import java.time.Duration;

/**
 * What a refresh request came to.
 *
 * @param credential the credential as it now stands (null when the connection is gone)
 * @param retryAfter for {@link Kind#UNAVAILABLE}: when trying again makes sense
 */
public record RefreshResult(Kind kind, StoredCredential credential, Duration retryAfter) {

    public enum Kind {
        /** This request renewed the credential. */
        REFRESHED,
        /** Nothing to do: another request or node already replaced the version asked about. */
        CURRENT,
        /** The provider refused the grant; the connection is {@code needs_reauth}. */
        NEEDS_REAUTH,
        /** The provider (or the lease holder) did not answer in time; the credential is unchanged. */
        UNAVAILABLE,
        /** The connection no longer exists. */
        GONE
    }

    static RefreshResult of(Kind kind, StoredCredential credential) {
        return new RefreshResult(kind, credential, null);
    }
}
