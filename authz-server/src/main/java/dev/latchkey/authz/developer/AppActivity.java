package dev.latchkey.authz.developer;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * What the database knows about an app's use: counts and times of grants and issued tokens. Never a token value
 * or hash, and never who the users are (a third-party developer sees how much, not whom).
 *
 * @param usersAuthorized       users with a standing consent for the app
 * @param activeGrants          grants not revoked
 * @param liveTokens            access and refresh tokens neither expired nor revoked
 * @param accessTokens24h       access tokens issued in the last 24 hours
 * @param accessTokens30d       access tokens issued in the last 30 days
 * @param refreshTokens30d      refresh tokens issued in the last 30 days
 * @param authorizationCodes30d authorization codes issued in the last 30 days
 * @param lastIssuedAt          when the app was last issued anything (null if never)
 * @param recentGrants          the newest grants, newest first
 */
public record AppActivity(
        long usersAuthorized,
        long activeGrants,
        long liveTokens,
        long accessTokens24h,
        long accessTokens30d,
        long refreshTokens30d,
        long authorizationCodes30d,
        OffsetDateTime lastIssuedAt,
        List<Grant> recentGrants) {

    /**
     * One grant (an authorization-code or client-credentials grant and every token issued from it).
     *
     * @param status {@code active} (a live token), {@code pending} (no access token yet), {@code expired} or
     *               {@code revoked}
     */
    public record Grant(
            OffsetDateTime createdAt,
            String grantType,
            List<String> scopes,
            long accessTokens,
            long refreshTokens,
            OffsetDateTime lastIssuedAt,
            String status,
            OffsetDateTime revokedAt,
            String revokedReason) {}
}
