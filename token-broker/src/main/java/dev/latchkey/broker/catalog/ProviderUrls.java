package dev.latchkey.broker.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * The provider's endpoint templates. For {@code oauth2} providers {@link #authorize()} and {@link #token()} are
 * present; {@link #refresh()} is present only when refresh has its own endpoint (Figma), {@link #revoke()} only when
 * the provider offers revocation, {@link #api()} is the API base the proxy will use later.
 */
public record ProviderUrls(UrlTemplate authorize, UrlTemplate token, UrlTemplate refresh, UrlTemplate revoke,
        UrlTemplate api) {

    /** The endpoint refresh requests go to: {@link #refresh()} when set, else {@link #token()}. */
    public UrlTemplate refreshOrToken() {
        return refresh != null ? refresh : token;
    }

    /** Every present template with its catalog field name, in catalog order. */
    List<Named> all() {
        List<Named> named = new ArrayList<>(5);
        add(named, "authorize", authorize);
        add(named, "token", token);
        add(named, "refresh", refresh);
        add(named, "revoke", revoke);
        add(named, "api", api);
        return named;
    }

    private static void add(List<Named> named, String field, UrlTemplate template) {
        if (template != null) {
            named.add(new Named(field, template));
        }
    }

    record Named(String field, UrlTemplate template) {
    }
}
