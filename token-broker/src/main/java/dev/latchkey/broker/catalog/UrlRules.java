package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/** The one rule for where tokens may be sent: https, or http to a loopback host for tests' local providers. */
final class UrlRules {

    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    private UrlRules() {
    }

    static boolean acceptableScheme(URI uri, boolean allowInsecureForTesting) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return uri.getHost() != null;
        }
        return allowInsecureForTesting && scheme.equals("http") && uri.getHost() != null
                && LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT));
    }
}
