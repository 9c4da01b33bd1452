package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Fixtures for OAuth tests: admin token, teams, users, apps, PKCE pairs and a full code flow over HTTP. */
public final class TestOAuth {

    public static final String REDIRECT_URI = "https://client.example/callback";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"|value=\"([^\"]+)\"\\s+name=\"_csrf\"");

    private TestOAuth() {}

    public record App(UUID id, String clientId, String clientSecret) {}

    public record User(UUID teamId, String username, String password) {}

    public record Pkce(String verifier, String challenge) {
        public static Pkce create() {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static String adminToken() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", "admin"),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response).get("access_token").asText();
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    public static UUID team() {
        HttpResponse<String> response = Http.api().postJson("/admin/v1/teams",
                Map.of("name", "team-" + UUID.randomUUID()), "Authorization", bearer(adminToken()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return UUID.fromString(Http.json(response).get("id").asText());
    }

    public static User user(UUID teamId, String... roles) {
        String username = "user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        HttpResponse<String> response = Http.api().postJson("/admin/v1/users",
                Map.of("teamId", teamId, "username", username, "password", password,
                        "roles", roles.length == 0 ? List.of("user") : List.of(roles)),
                "Authorization", bearer(adminToken()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return new User(teamId, username, password);
    }

    /** A confidential code-flow app; {@code overrides} replace defaults in the admin API request. */
    public static App app(UUID teamId, Map<String, Object> overrides) {
        Map<String, Object> body = new HashMap<>(Map.of(
                "teamId", teamId,
                "name", "Test App " + UUID.randomUUID().toString().substring(0, 6),
                "redirectUris", List.of(REDIRECT_URI, "http://127.0.0.1/callback"),
                "scopes", List.of("openid", "profile", "read", "write"),
                "grantTypes", List.of("authorization_code", "refresh_token")));
        body.putAll(overrides);
        HttpResponse<String> response = Http.api().postJson("/admin/v1/apps", body, "Authorization", bearer(adminToken()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode json = Http.json(response);
        JsonNode secret = json.get("clientSecret");
        return new App(UUID.fromString(json.get("app").get("id").asText()), json.get("app").get("clientId").asText(),
                secret == null || secret.isNull() ? null : secret.asText());
    }

    public static String csrf(String html) {
        Matcher matcher = CSRF.matcher(html);
        assertThat(matcher.find()).as("page has a CSRF token").isTrue();
        return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    }

    /** Signs in through the login page; the browser keeps the session cookie. */
    public static void login(Http browser, User user) {
        HttpResponse<String> page = browser.get("/login");
        assertThat(page.statusCode()).isEqualTo(200);
        HttpResponse<String> result = browser.postForm("/login",
                Map.of("username", user.username(), "password", user.password(), "_csrf", csrf(page.body())));
        assertThat(result.statusCode()).isEqualTo(302);
        assertThat(result.headers().firstValue("Location").orElseThrow()).doesNotContain("error");
    }

    public static String authorizePath(App app, String scope, String state, Pkce pkce, String redirectUri) {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", app.clientId());
        params.put("redirect_uri", redirectUri);
        params.put("scope", scope);
        params.put("state", state);
        if (pkce != null) {
            params.put("code_challenge", pkce.challenge());
            params.put("code_challenge_method", "S256");
        }
        return "/oauth2/authorize?" + Http.form(params);
    }

    /**
     * Runs authorize → (login already done) → consent (allow all) → redirect, returning the redirect's query
     * parameters (code, state, iss).
     */
    public static Map<String, String> authorize(Http browser, App app, String scope, Pkce pkce) {
        String state = "st-" + UUID.randomUUID();
        HttpResponse<String> response = browser.get(authorizePath(app, scope, state, pkce, REDIRECT_URI));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        String location = response.headers().firstValue("Location").orElseThrow();
        if (location.contains("/oauth2/consent")) {
            HttpResponse<String> consentPage = browser.get(location);
            assertThat(consentPage.statusCode()).as(consentPage.body()).isEqualTo(200);
            Map<String, String> consentQuery = Http.query(location);
            String form = "client_id=" + enc(app.clientId()) + "&state=" + enc(consentQuery.get("state"))
                    + "&_csrf=" + enc(csrf(consentPage.body()));
            for (String s : scope.split(" ")) {
                if (!s.equals("openid")) {
                    form += "&scope=" + enc(s);
                }
            }
            response = browser.send(browser.request("/oauth2/authorize").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
            location = response.headers().firstValue("Location").orElseThrow();
        }
        assertThat(location).startsWith(REDIRECT_URI);
        Map<String, String> query = Http.query(location);
        assertThat(query.get("state")).isEqualTo(state);
        return query;
    }

    public static HttpResponse<String> exchange(App app, String code, Pkce pkce, String redirectUri) {
        Map<String, String> form = new java.util.LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        if (pkce != null) {
            form.put("code_verifier", pkce.verifier());
        }
        if (app.clientSecret() == null) {
            form.put("client_id", app.clientId());
            return Http.api().postForm("/oauth2/token", form);
        }
        return Http.api().postForm("/oauth2/token", form, "Authorization", Http.basic(app.clientId(), app.clientSecret()));
    }

    public static HttpResponse<String> refresh(App app, String refreshToken) {
        return Http.api().postForm("/oauth2/token", Map.of("grant_type", "refresh_token", "refresh_token", refreshToken),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()));
    }

    public static JsonNode introspect(String token) {
        HttpResponse<String> response = Http.api().postForm("/oauth2/introspect", Map.of("token", token),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static String enc(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
