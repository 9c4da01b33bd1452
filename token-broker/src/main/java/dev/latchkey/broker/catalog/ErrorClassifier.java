package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Classifies a failed token, refresh or revocation call as {@link ErrorCategory#REAUTH_REQUIRED},
 * {@link ErrorCategory#TRANSIENT} or {@link ErrorCategory#INVALID_REQUEST}, using the provider's
 * {@link ErrorClassification}. In order:
 * <ol>
 *   <li>an error code in the provider's transient codes (plus RFC 6749 {@code temporarily_unavailable},
 *       {@code server_error}) → TRANSIENT;</li>
 *   <li>an error code in its reauth codes (plus {@code invalid_grant}), or a description matching its reauth
 *       patterns → REAUTH_REQUIRED;</li>
 *   <li>HTTP 408, 425, 429 or any 5xx → TRANSIENT;</li>
 *   <li>anything else (400 {@code invalid_client}, {@code invalid_request}, a malformed response…) →
 *       INVALID_REQUEST.</li>
 * </ol>
 * TRANSIENT errors carry the parsed {@code Retry-After}, when the provider sent one.
 */
public final class ErrorClassifier {

    private ErrorClassifier() {
    }

    /** Classifies a response that is an error: a non-2xx status, or a 2xx whose body signals an error. */
    public static ProviderError classify(Provider provider, ProviderResponse response, Instant now) {
        return classify(provider, response, ResponseBodies.parse(response.body()), now);
    }

    static ProviderError classify(Provider provider, ProviderResponse response, JsonNode body, Instant now) {
        ErrorClassification rules = provider.errors();
        String code = firstText(body, rules.codePointers().toArray(String[]::new));
        String description = firstText(body, rules.descriptionPointers().toArray(String[]::new));
        ErrorCategory category = categorize(rules, response.status(), code, description);
        Duration retryAfter = category == ErrorCategory.TRANSIENT
                ? RetryAfter.parse(response.header("Retry-After"), now)
                : null;
        return new ProviderError(category, response.status(), code, description, retryAfter);
    }

    static ErrorCategory categorize(ErrorClassification rules, int status, String code, String description) {
        if (code != null && rules.transientCodes().contains(code)) {
            return ErrorCategory.TRANSIENT;
        }
        if (code != null && rules.reauthCodes().contains(code)) {
            return ErrorCategory.REAUTH_REQUIRED;
        }
        if (description != null) {
            for (Pattern pattern : rules.reauthDescriptionPatterns()) {
                if (pattern.matcher(description).find()) {
                    return ErrorCategory.REAUTH_REQUIRED;
                }
            }
        }
        if (status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599)) {
            return ErrorCategory.TRANSIENT;
        }
        return ErrorCategory.INVALID_REQUEST;
    }

    static String firstText(JsonNode body, String... pointers) {
        for (String pointer : pointers) {
            String text = JsonPointers.text(body, pointer);
            if (text != null) {
                return text;
            }
        }
        return null;
    }
}
