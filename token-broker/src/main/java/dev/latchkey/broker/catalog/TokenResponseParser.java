package dev.latchkey.broker.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads a token-endpoint response through the provider's catalog entry. A non-2xx response, a 2xx whose body
 * signals an error ({@code errors.errorWhen}, e.g. Slack {@code ok: false}), and a 2xx without an access token all
 * become a classified {@link ProviderError}; otherwise the result is a {@link TokenGrant}.
 */
public final class TokenResponseParser {

    /** Longest metadata value kept. */
    static final int MAX_METADATA_CHARS = 2048;

    private static final Pattern SCOPE_SPLIT = Pattern.compile("[\\s,]+");

    private TokenResponseParser() {
    }

    /**
     * Parses the response to a code exchange or refresh.
     *
     * @param callbackQuery the authorization callback's query parameters (code exchange), or an empty map (refresh)
     * @param now           when the response was received; expiry is computed from it
     */
    public static TokenResult parse(Provider provider, ProviderResponse response, Map<String, String> callbackQuery,
            Instant now) {
        JsonNode body = ResponseBodies.parse(response.body());
        if (!response.successful()) {
            return ErrorClassifier.classify(provider, response, body, now);
        }
        if (body == null) {
            return invalid(response, "token response is not a JSON object");
        }
        if (signalsError(provider.errors().errorWhen(), body)) {
            return ErrorClassifier.classify(provider, response, body, now);
        }
        TokenResponseMapping mapping = provider.tokenResponse();
        String root = null;
        String accessToken = null;
        for (String candidate : mapping.roots()) {
            accessToken = JsonPointers.text(body, candidate + mapping.accessToken());
            if (accessToken != null) {
                root = candidate;
                break;
            }
        }
        if (accessToken == null) {
            if (ErrorClassifier.firstText(body, provider.errors().codePointers().toArray(String[]::new)) != null) {
                return ErrorClassifier.classify(provider, response, body, now);
            }
            return invalid(response, "no access token at " + mapping.accessToken());
        }

        String refreshToken = JsonPointers.text(body, root + mapping.refreshToken());
        Long expiresIn = positiveSeconds(body, root + mapping.expiresIn());
        Long refreshExpiresIn = mapping.refreshTokenExpiresIn() == null
                ? null
                : positiveSeconds(body, root + mapping.refreshTokenExpiresIn());
        ExpiryPolicy.Outcome expiry = provider.expiry().apply(expiresIn, now);

        Map<String, String> metadata = new LinkedHashMap<>();
        for (MetadataField field : provider.metadata().values()) {
            String value = field.source() == MetadataField.Source.TOKEN_RESPONSE
                    ? metadataText(JsonPointers.at(body, field.pointer()))
                    : callbackQuery == null ? null : emptyToNull(callbackQuery.get(field.param()));
            if (value == null) {
                continue;
            }
            if (value.length() > MAX_METADATA_CHARS
                    || (field.pattern() != null && !field.pattern().matcher(value).matches())) {
                return new ProviderError(ErrorCategory.INVALID_REQUEST, response.status(), "unexpected_metadata",
                        "metadata '" + field.name() + "' does not match its catalog pattern", null);
            }
            metadata.put(field.name(), value);
        }

        return new TokenGrant(
                Secret.of(accessToken),
                refreshToken == null ? null : Secret.of(refreshToken),
                JsonPointers.text(body, root + mapping.tokenType()),
                expiry.expiresAt(),
                expiry.source(),
                expiry.statedLifetime(),
                refreshExpiresIn == null ? null : now.plusSeconds(refreshExpiresIn),
                scopes(JsonPointers.at(body, root + mapping.scope())),
                metadata);
    }

    private static boolean signalsError(ErrorClassification.ErrorSignal signal, JsonNode body) {
        if (signal == null) {
            return false;
        }
        JsonNode value = JsonPointers.at(body, signal.pointer());
        if (value == null) {
            return false;
        }
        if (signal.equals() == null) {
            return !value.isValueNode() || !value.asString().isEmpty();
        }
        return value.isValueNode() && value.asString().equals(signal.equals());
    }

    /** A positive number of seconds, as a JSON number or numeric string; anything else counts as absent. */
    private static Long positiveSeconds(JsonNode body, String pointer) {
        JsonNode node = JsonPointers.at(body, pointer);
        if (node == null) {
            return null;
        }
        long seconds;
        if (node.isNumber()) {
            seconds = node.asLong();
        } else if (node.isString() && node.stringValue().strip().matches("[0-9]{1,12}")) {
            seconds = Long.parseLong(node.stringValue().strip());
        } else {
            return null;
        }
        return seconds > 0 ? seconds : null;
    }

    private static List<String> scopes(JsonNode node) {
        if (node == null) {
            return null;
        }
        List<String> scopes = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(item -> {
                if (item.isString() && !item.stringValue().isBlank()) {
                    scopes.add(item.stringValue().strip());
                }
            });
        } else if (node.isString()) {
            for (String scope : SCOPE_SPLIT.split(node.stringValue().strip())) {
                if (!scope.isEmpty()) {
                    scopes.add(scope);
                }
            }
        } else {
            return null;
        }
        return scopes;
    }

    private static String metadataText(JsonNode node) {
        if (node == null) {
            return null;
        }
        return emptyToNull(node.isValueNode() ? node.asString() : node.toString());
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static ProviderError invalid(ProviderResponse response, String description) {
        return new ProviderError(ErrorCategory.INVALID_REQUEST, response.status(), "invalid_token_response",
                description, null);
    }
}
