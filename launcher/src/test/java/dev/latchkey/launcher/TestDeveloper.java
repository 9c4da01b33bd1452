package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Fixtures for the developer portal: personal API tokens (made through the portal page) and portal apps. */
final class TestDeveloper {

    private static final Pattern TOKEN = Pattern.compile("value=\"(lk_pat_[A-Za-z0-9_-]+)\"");

    private TestDeveloper() {}

    /** Signs the developer in and creates a personal API token on the tokens page, as a person would. */
    static String apiToken(User developer) {
        Http browser = Http.browser();
        TestOAuth.login(browser, developer);
        HttpResponse<String> page = browser.get("/developer/tokens");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        HttpResponse<String> created = browser.postForm("/developer/tokens",
                Map.of("name", "test " + UUID.randomUUID().toString().substring(0, 6), "days", "7", "_csrf", TestOAuth.csrf(page.body())));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        Matcher matcher = TOKEN.matcher(created.body());
        assertThat(matcher.find()).as("the token is shown once").isTrue();
        return matcher.group(1);
    }

    /** A confidential portal app through the developer API; {@code overrides} replace defaults. */
    static App app(String apiToken, Map<String, Object> overrides) {
        HttpResponse<String> response = Http.api().postJson("/developer/v1/apps", body(overrides), "Authorization", TestOAuth.bearer(apiToken));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode json = Http.json(response);
        JsonNode secret = json.get("clientSecret");
        return new App(UUID.fromString(json.get("app").get("id").asText()), json.get("app").get("clientId").asText(),
                secret == null || secret.isNull() ? null : secret.asText());
    }

    static Map<String, Object> body(Map<String, Object> overrides) {
        Map<String, Object> body = new HashMap<>(Map.of(
                "name", "Portal App " + UUID.randomUUID().toString().substring(0, 6),
                "redirectUris", List.of(TestOAuth.REDIRECT_URI),
                "scopes", List.of("openid", "profile")));
        body.putAll(overrides);
        return body;
    }

    /**
     * Whether the token endpoint accepts this client id and secret: a refresh with an unknown refresh token answers
     * 400 {@code invalid_grant} after client authentication succeeds, 401 {@code invalid_client} when it fails.
     */
    static boolean clientAuthenticates(String clientId, String secret) {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "refresh_token", "refresh_token", "lk_rt_not-a-real-token"),
                "Authorization", Http.basic(clientId, secret));
        assertThat(response.statusCode()).as(response.body()).isIn(400, 401);
        if (response.statusCode() == 400) {
            assertThat(Http.json(response).get("error").asText()).isEqualTo("invalid_grant");
        }
        return response.statusCode() == 400;
    }
}
