package dev.latchkey.broker.catalog;

import java.time.Duration;

/**
 * What is known about the provider's refresh tokens.
 *
 * @param rotates          a refresh returns a new refresh token and the old one may stop working (QuickBooks, Xero,
 *                         Airtable, Box): the new one must be stored in the same transaction as the access token, and
 *                         refreshes must never run concurrently
 * @param absoluteLifetime lifetime from issue, or null when not documented
 * @param idleLifetime     lifetime when unused, or null; the refresh engine refreshes idle connections before it
 * @param maxActivePerUser the provider silently invalidates older refresh tokens beyond this many per user and client
 *                         (Google 100, Salesforce 5), or null
 */
public record RefreshTokenPolicy(boolean rotates, Duration absoluteLifetime, Duration idleLifetime,
        Integer maxActivePerUser) {

    static RefreshTokenPolicy defaults() {
        return new RefreshTokenPolicy(false, null, null, null);
    }
}
