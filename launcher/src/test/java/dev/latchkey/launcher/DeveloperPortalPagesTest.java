package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.User;
import dev.latchkey.ui.UiSecurityConfiguration;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The portal's pages over HTTP: roles, security headers, CSRF, team scoping and malformed input (never a 500). */
class DeveloperPortalPagesTest {

    private static final Pattern APP_ID = Pattern.compile("/developer/apps/([0-9a-f-]{36})");
    private static UUID team;
    private static User developer;
    private static Http browser;

    @BeforeAll
    static void signedInDeveloper() {
        team = TestOAuth.team();
        developer = TestOAuth.user(team, "developer");
        browser = Http.browser();
        TestOAuth.login(browser, developer);
    }

    @Test
    void whenUserLacksTheRoleThenPortalAndAdminPagesAreForbidden() {
        assertThat(Http.browser().get("/developer").headers().firstValue("Location").orElse("")).endsWith("/login");
        Http user = Http.browser();
        TestOAuth.login(user, TestOAuth.user(team));
        for (String path : List.of("/developer", "/developer/tokens", "/developer/apps/new", "/admin/apps", "/admin/scopes")) {
            HttpResponse<String> response = user.get(path, "Accept", "text/html");
            assertThat(response.statusCode()).as(path).isEqualTo(403);
            assertThat(response.body()).contains("does not have access");
        }
        assertThat(browser.get("/admin/apps").statusCode()).as("developers are not admins").isEqualTo(403);
        HttpResponse<String> form = user.get("/account/apps");
        assertThat(user.postForm("/developer/tokens", Map.of("name", "x", "days", "7", "_csrf", TestOAuth.csrf(form.body())))
                .statusCode()).isEqualTo(403);
    }

    @Test
    void whenPortalPagesAreServedThenTheyCarryTheConsentPagesHeadersAndEveryFormHasACsrfToken() {
        HttpResponse<String> secretPage = createThroughForm(Map.of("name", "Headers App", "redirectUris", TestOAuth.REDIRECT_URI,
                "scopes", "openid"));
        assertThat(secretPage.statusCode()).isEqualTo(200);
        String csp = secretPage.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(csp).startsWith(UiSecurityConfiguration.CONTENT_SECURITY_POLICY).endsWith("; script-src 'self'");
        assertThat(secretPage.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        assertThat(secretPage.body()).contains("<script src=\"/js/copy.js\"");
        String id = appId(secretPage.body());

        for (String path : List.of("/developer", "/developer/apps/new", "/developer/tokens", "/developer/apps/" + id,
                "/developer/apps/" + id + "/edit", "/developer/apps/" + id + "/activity", "/developer/apps/" + id + "/delete")) {
            HttpResponse<String> page = browser.get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).as(path)
                    .isEqualTo(UiSecurityConfiguration.CONTENT_SECURITY_POLICY);
            assertThat(page.headers().firstValue("X-Frame-Options").orElse("")).isEqualTo("DENY");
            assertThat(page.headers().firstValue("X-Content-Type-Options").orElse("")).isEqualTo("nosniff");
            assertThat(page.headers().firstValue("Referrer-Policy").orElse("")).isEqualTo("no-referrer");
            assertThat(page.body()).as(path).doesNotContain("<script").doesNotContain("style=");
            assertThat(count(page.body(), "<form")).as(path + ": a CSRF token in every form")
                    .isEqualTo(count(page.body(), "name=\"_csrf\""));
        }
        HttpResponse<String> script = Http.api().get("/js/copy.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    }

    @Test
    void whenFormIsPostedWithoutCsrfTokenThenNothingHappens() {
        int before = count(browser.get("/developer").body(), "<tr>");
        HttpResponse<String> response = browser.postForm("/developer/apps",
                Map.of("name", "No CSRF", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid"));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(count(browser.get("/developer").body(), "<tr>")).isEqualTo(before);
        String id = appId(createThroughForm(Map.of("name", "Keep Me", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid")).body());
        assertThat(browser.postForm("/developer/apps/" + id + "/delete", Map.of("confirmName", "Keep Me")).statusCode()).isEqualTo(403);
        assertThat(browser.postForm("/developer/apps/" + id + "/secret", Map.of("graceSeconds", "0")).statusCode()).isEqualTo(403);
        assertThat(browser.get("/developer/apps/" + id).statusCode()).isEqualTo(200);
    }

    @Test
    void whenIdsAreUnknownOrForeignThenThePortalShowsANotFoundPage() {
        String outsider = TestDeveloper.apiToken(TestOAuth.user(TestOAuth.team(), "developer"));
        App foreign = TestDeveloper.app(outsider, Map.of());
        App adminMade = TestOAuth.app(team, Map.of());
        for (String id : List.of("not-a-uuid", UUID.randomUUID().toString(), foreign.id().toString(), adminMade.id().toString())) {
            for (String suffix : List.of("", "/edit", "/activity", "/delete")) {
                HttpResponse<String> page = browser.get("/developer/apps/" + id + suffix);
                assertThat(page.statusCode()).as(id + suffix).isEqualTo(404);
                assertThat(page.body()).contains("Page not found");
            }
            String csrf = TestOAuth.csrf(browser.get("/developer").body());
            assertThat(browser.postForm("/developer/apps/" + id + "/secret", Map.of("graceSeconds", "0", "_csrf", csrf)).statusCode())
                    .isEqualTo(404);
            assertThat(browser.postForm("/developer/apps/" + id + "/delete", Map.of("confirmName", "x", "_csrf", csrf)).statusCode())
                    .isEqualTo(404);
            assertThat(browser.postForm("/developer/apps/" + id, Map.of("name", "x", "_csrf", csrf)).statusCode()).isEqualTo(404);
        }
        assertThat(TestDeveloper.clientAuthenticates(foreign.clientId(), foreign.clientSecret())).as("untouched").isTrue();
        assertThat(TestDeveloper.clientAuthenticates(adminMade.clientId(), adminMade.clientSecret())).as("untouched").isTrue();
    }

    @Test
    void whenFormInputIsMalformedThenThePortalAnswers400WithTheErrorInlineNeverA500() {
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        cases.put("name", Map.of("redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid"));
        cases.put("name#long", Map.of("name", "n".repeat(5000), "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid"));
        cases.put("redirectUris", Map.of("name", "x", "redirectUris", "https://a.example/cb\r\nhttp://evil.example/cb", "scopes", "openid"));
        cases.put("redirectUris#none", Map.of("name", "x", "scopes", "openid"));
        cases.put("scopes", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "admin"));
        cases.put("scopes#none", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI));
        cases.put("clientType", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid", "clientType", "<b>"));
        cases.put("tokenFormat", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid", "tokenFormat", "xml"));
        cases.put("logoUrl", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid", "logoUrl", "ftp://x"));
        cases.put("description", Map.of("name", "x", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid",
                "description", "d".repeat(2001)));
        cases.forEach((field, form) -> {
            HttpResponse<String> response = createThroughForm(form);
            String id = field.split("#")[0];
            assertThat(response.statusCode()).as(field).isEqualTo(400);
            assertThat(response.body()).as(field).contains("id=\"" + id + "-error\"").contains("The app was not saved")
                    .doesNotContain("lk_cs_");
        });
        assertThat(createThroughForm(Map.of("name", "<script>alert(1)</script>", "redirectUris", "http://evil.example", "scopes", "openid")).body())
                .as("input is escaped when echoed").doesNotContain("<script>alert(1)").contains("&lt;script&gt;");

        String id = appId(createThroughForm(Map.of("name", "Target", "redirectUris", TestOAuth.REDIRECT_URI, "scopes", "openid")).body());
        String csrf = TestOAuth.csrf(browser.get("/developer/apps/" + id).body());
        for (String grace : List.of("abc", "-5", "999999999", "")) {
            HttpResponse<String> response = browser.postForm("/developer/apps/" + id + "/secret", Map.of("graceSeconds", grace, "_csrf", csrf));
            assertThat(response.statusCode()).as(grace).isEqualTo(400);
            assertThat(response.body()).contains("id=\"graceSeconds-error\"").doesNotContain("lk_cs_");
        }
        HttpResponse<String> wrongName = browser.postForm("/developer/apps/" + id + "/delete", Map.of("confirmName", "target", "_csrf", csrf));
        assertThat(wrongName.statusCode()).isEqualTo(400);
        assertThat(wrongName.body()).contains("id=\"confirmName-error\"");
        assertThat(browser.get("/developer/apps/" + id).statusCode()).as("not deleted").isEqualTo(200);
        for (Map<String, String> token : List.of(Map.of("name", " ", "days", "7"), Map.of("name", "ok", "days", "0"),
                Map.of("name", "ok", "days", "many"), Map.of("name", "n".repeat(101), "days", "7"))) {
            Map<String, String> form = new LinkedHashMap<>(token);
            form.put("_csrf", csrf);
            HttpResponse<String> response = browser.postForm("/developer/tokens", form);
            assertThat(response.statusCode()).as(token.toString()).isEqualTo(400);
            assertThat(response.body()).contains("The token was not created").doesNotContain("value=\"lk_pat_");
        }
    }

    private static HttpResponse<String> createThroughForm(Map<String, String> fields) {
        String csrf = TestOAuth.csrf(browser.get("/developer/apps/new").body());
        Map<String, String> form = new LinkedHashMap<>(fields);
        form.put("_csrf", csrf);
        return browser.postForm("/developer/apps", form);
    }

    private static String appId(String html) {
        Matcher matcher = APP_ID.matcher(html);
        assertThat(matcher.find()).as("page links to the app").isTrue();
        return matcher.group(1);
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
