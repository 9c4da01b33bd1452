package dev.latchkey.broker.catalog;

import static dev.latchkey.broker.catalog.TestCatalogs.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorClassifierTest {

    private static ProviderError classify(String id, int status, String body) {
        return ErrorClassifier.classify(TestCatalogs.provider(id), ProviderResponse.of(status, body), NOW);
    }

    private static ProviderError classify(String id, int status, String body, String retryAfter) {
        return ErrorClassifier.classify(TestCatalogs.provider(id),
                new ProviderResponse(status, Map.of("retry-after", List.of(retryAfter)), body), NOW);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "google     | 400 | {\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"} | REAUTH_REQUIRED",
            "google     | 400 | {\"error\":\"invalid_rapt\"}                                                          | REAUTH_REQUIRED",
            "microsoft  | 400 | {\"error\":\"interaction_required\",\"error_description\":\"AADSTS50076\"}            | REAUTH_REQUIRED",
            "hubspot    | 400 | {\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"missing or unknown refresh token\"}   | REAUTH_REQUIRED",
            "zoom       | 400 | {\"reason\":\"Invalid Token!\",\"error\":\"invalid_request\"}                        | REAUTH_REQUIRED",
            "atlassian  | 403 | {\"error\":\"unauthorized_client\",\"error_description\":\"refresh_token is invalid\"} | REAUTH_REQUIRED",
            "docusign   | 400 | {\"error\":\"consent_required\"}                                                      | REAUTH_REQUIRED",
            "xero       | 400 | {\"error\":\"invalid_client\"}                                                        | INVALID_REQUEST",
            "salesforce | 400 | {\"error\":\"redirect_uri_mismatch\"}                                                 | INVALID_REQUEST",
            "zoom       | 400 | {\"reason\":\"Invalid client_id or client_secret\",\"error\":\"invalid_client\"}     | INVALID_REQUEST",
            "xero       | 401 | ''                                                                                      | INVALID_REQUEST",
            "hubspot    | 400 | {\"status\":\"BAD_CLIENT_ID\"}                                                        | INVALID_REQUEST",
            "xero       | 400 | {\"error\":\"temporarily_unavailable\"}                                               | TRANSIENT",
            "google     | 500 | <html>oops</html>                                                                       | TRANSIENT",
            "box        | 502 | ''                                                                                      | TRANSIENT",
            "dropbox    | 408 | ''                                                                                      | TRANSIENT",
            "slack      | 200 | {\"ok\":false,\"error\":\"internal_error\"}                                           | TRANSIENT",
            "box        | 503 | {\"error\":\"invalid_grant\"}                                                         | REAUTH_REQUIRED"})
    void whenAProviderAnswersWithAnErrorThenItIsClassifiedPerTheCatalog(String id, int status, String body,
            ErrorCategory expected) {
        assertThat(classify(id, status, body).category()).isEqualTo(expected);
    }

    @Test
    void whenTheProviderSays503WithRetryAfterSecondsThenTheWaitIsKept() {
        ProviderError error = classify("google", 503, "", "120");

        assertThat(error.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error.retryAfter()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void whenTheProviderSays429WithAnHttpDateThenTheWaitRunsToThatDate() {
        ProviderError error = classify("hubspot", 429, "{\"status\":\"error\"}", "Fri, 21 Aug 2026 10:01:30 GMT");

        assertThat(error.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(error.retryAfter()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void whenTheErrorIsNotTransientThenRetryAfterIsIgnored() {
        assertThat(classify("xero", 400, "{\"error\":\"invalid_grant\"}", "30").retryAfter()).isNull();
    }

    @Test
    void whenTheNetworkFailsThenItIsTransient() {
        ProviderError timeout = ProviderError.network(new HttpTimeoutException("request timed out"));
        ProviderError reset = ProviderError.network(new IOException("Connection reset"));

        assertThat(timeout.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(timeout.status()).isZero();
        assertThat(timeout.code()).isEqualTo("network_error");
        assertThat(reset.description()).isEqualTo("IOException");
    }

    @Test
    void whenADescriptionIsLongOrHasControlCharactersThenItIsTrimmed() {
        ProviderError error = classify("google", 400,
                "{\"error\":\"invalid_request\",\"error_description\":\"line1\\nline2" + "x".repeat(500) + "\"}");

        assertThat(error.description()).doesNotContain("\n").hasSizeLessThanOrEqualTo(201);
    }
}
