package dev.latchkey.broker.catalog;

import java.util.Map;

/**
 * RFC 9207 §2.4: whether an authorization response may be taken as coming from the provider the request went to,
 * judged by its {@code iss} parameter against the issuer the catalog states. A response that fails must be rejected
 * before anything else in it is used, error responses included: in a mix-up attack the code (or the error) comes
 * from another authorization server than the one the user was sent to.
 *
 * <p>An {@code iss} from a provider whose catalog entry states no issuer is not checked. There is nothing trusted
 * to compare it with: the value arrives through the user's browser, so it proves nothing by itself, and refusing
 * it would break every provider that sends {@code iss} without the catalog saying so. Those flows keep the
 * protection they have without RFC 9207: the state is bound to one connect session, its provider and the browser.
 */
public final class IssuerCheck {

    /** The response's verdict. */
    public enum Verdict {
        /** {@code iss} equals the catalogued issuer, or there is nothing to check. */
        ACCEPTED,
        /** The provider always sends {@code iss} ({@link AuthorizeSettings#issParameterSupported()}); this had none. */
        MISSING,
        /** {@code iss} differs from the catalogued issuer. */
        MISMATCH
    }

    private IssuerCheck() {
    }

    /**
     * @param urls          the connection's resolved URLs, whose {@link ConnectionUrls#issuer()} is the expected issuer
     * @param callbackQuery the authorization response's query parameters, already form-decoded (RFC 9207 §2.4)
     */
    public static Verdict check(Provider provider, ConnectionUrls urls, Map<String, String> callbackQuery) {
        if (urls.issuer() == null) {
            return Verdict.ACCEPTED;
        }
        String iss = callbackQuery.get("iss");
        if (iss == null) {
            return provider.authorize().issParameterSupported() ? Verdict.MISSING : Verdict.ACCEPTED;
        }
        // Simple string comparison (RFC 3986 §6.2.1), as RFC 9207 §2.4 requires: no normalisation of any kind.
        return iss.equals(urls.issuer().toString()) ? Verdict.ACCEPTED : Verdict.MISMATCH;
    }
}
