package dev.latchkey.broker.connect;

import java.util.List;
import java.util.Map;

/**
 * What an internal service asks for when it opens a connect session.
 *
 * @param parameters   per-connection values the provider's URL templates need (Shopify shop, Zendesk subdomain)
 * @param returnUrl    where the end user's browser goes when the flow ends (https, or http to loopback); may be null

 */
public record OpenSession(String tenant, String endUser, String provider, List<String> scopes,
        Map<String, String> parameters, String returnUrl) {
}
