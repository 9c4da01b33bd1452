package dev.latchkey.broker.catalog;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One catalog entry: a third-party provider's endpoints and quirks. Built by {@link ProviderCatalog} from validated
 * data; every field has its catalog default applied, so consumers never see "absent" where a default exists.
 *
 * @param id                     catalog key, e.g. {@code salesforce}
 * @param docs                   the provider's own documentation for its OAuth flow; may be null
 * @param allowInsecureForTesting URL templates may use http to a loopback host (tests' local providers only)
 * @param issuer                 the authorization server's issuer identifier (RFC 8414 §2), which an authorization
 *                               response's {@code iss} must equal (RFC 9207 §2.4); null when not catalogued
 * @param revocation             null when the provider offers no revocation endpoint
 * @param rateLimit              null when the provider documents no token-endpoint limit
 * @param apiKey                 present for {@link AuthMode#API_KEY} only
 */
public record Provider(
        String id,
        String displayName,
        AuthMode authMode,
        String docs,
        boolean allowInsecureForTesting,
        Map<String, ConnectionParameter> connectionParameters,
        UrlTemplate issuer,
        ProviderUrls urls,
        AuthorizeSettings authorize,
        TokenRequestSettings tokenRequest,
        TokenResponseMapping tokenResponse,
        Map<String, MetadataField> metadata,
        ExpiryPolicy expiry,
        RefreshTokenPolicy refreshToken,
        Revocation revocation,
        ErrorClassification errors,
        RateLimit rateLimit,
        ApiKeySettings apiKey) {

    public Provider {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(authMode, "authMode");
        Objects.requireNonNull(urls, "urls");
        connectionParameters = Maps.ordered(connectionParameters);
        metadata = Maps.ordered(metadata);
    }

    /**
     * Checks a connection's parameters against the declared ones and fills in defaults.
     *
     * @param supplied the connection's values; null means none
     * @return every declared parameter with its value, in declaration order
     * @throws InvalidConnectionParameterException for an undeclared parameter, a missing required one, or a value
     *                                             outside its pattern or the safe character set
     */
    public Map<String, String> validateConnectionParameters(Map<String, String> supplied) {
        Map<String, String> given = supplied == null ? Map.of() : supplied;
        for (String name : given.keySet()) {
            if (!connectionParameters.containsKey(name)) {
                throw new InvalidConnectionParameterException(id, name, "is not declared by this provider");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (ConnectionParameter parameter : connectionParameters.values()) {
            String value = given.get(parameter.name());
            if (value == null) {
                value = parameter.defaultValue();
            }
            String problem = parameter.problemWith(value);
            if (problem != null) {
                throw new InvalidConnectionParameterException(id, parameter.name(), problem);
            }
            values.put(parameter.name(), value);
        }
        return values;
    }

    /**
     * Resolves the endpoint templates, and the issuer, for one connection.
     *
     * @throws InvalidConnectionParameterException as {@link #validateConnectionParameters}, or when a resolved URL
     *                                             is not https (or http to loopback for test providers) or its host
     *                                             differs from what the template's host part allows
     */
    public ConnectionUrls resolveUrls(Map<String, String> supplied) {
        Map<String, String> values = validateConnectionParameters(supplied);
        return new ConnectionUrls(
                resolve(urls.authorize(), values),
                resolve(urls.token(), values),
                resolve(urls.refreshOrToken(), values),
                resolve(urls.api(), values),
                urls.revoke(),
                resolve(issuer, values),
                values);
    }

    URI resolve(UrlTemplate template, Map<String, String> values) {
        if (template == null) {
            return null;
        }
        URI uri;
        try {
            uri = template.expandToUri(values);
        } catch (IllegalArgumentException e) {
            throw new InvalidConnectionParameterException(id, String.join(",", template.placeholders()),
                    "makes " + template.template() + " invalid: " + e.getMessage());
        }
        String expectedAuthority = UrlTemplate.parse(template.authorityTemplate()).expand(values);
        if (!expectedAuthority.equals(uri.getRawAuthority()) || uri.getRawUserInfo() != null) {
            throw new InvalidConnectionParameterException(id, String.join(",", template.placeholders()),
                    "moves " + template.template() + " to another host");
        }
        if (!UrlRules.acceptableScheme(uri, allowInsecureForTesting)) {
            throw new InvalidConnectionParameterException(id, String.join(",", template.placeholders()),
                    "makes " + template.template() + " leave https");
        }
        return uri;
    }
}
