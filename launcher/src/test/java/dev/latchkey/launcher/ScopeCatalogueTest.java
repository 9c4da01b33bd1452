package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The admin-defined scope catalogue: the admin API, what developers may request, and the words on consent pages. */
class ScopeCatalogueTest {

    @Test
    void whenAdminDefinesScopeThenDevelopersMayRequestItAndConsentShowsItsWords() {
        String admin = bearer(TestOAuth.adminToken());
        String scope = "projects.read-" + UUID.randomUUID().toString().substring(0, 6);
        HttpResponse<String> created = Http.api().postJson("/admin/v1/scopes",
                Map.of("name", scope, "description", "See your projects"), "Authorization", admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(Http.api().get("/admin/v1/scopes/" + scope, "Authorization", admin).body()).contains("See your projects");
        assertThat(Http.api().get("/admin/v1/scopes", "Authorization", admin).body()).contains(scope);

        UUID team = TestOAuth.team();
        String developer = TestDeveloper.apiToken(TestOAuth.user(team, "developer"));
        assertThat(Http.api().get("/developer/v1/scopes", "Authorization", bearer(developer)).body())
                .contains(scope).contains("See your projects").contains("openid").doesNotContain("\"admin\"");
        App app = TestDeveloper.app(developer, Map.of("scopes", List.of("openid", "profile", scope)));

        User user = TestOAuth.user(team);
        Http browser = Http.browser();
        TestOAuth.login(browser, user);
        assertThat(consentPage(browser, app, "openid profile " + scope)).contains("See your projects")
                .contains("See your name and username");

        assertThat(Http.api().sendJson("PUT", "/admin/v1/scopes/" + scope, Map.of("description", "See and list your projects"),
                "Authorization", admin).statusCode()).isEqualTo(200);
        assertThat(consentPage(browser, app, "openid " + scope)).contains("See and list your projects");

        assertThat(Http.api().delete("/admin/v1/scopes/" + scope, "Authorization", admin).statusCode()).isEqualTo(204);
        HttpResponse<String> refused = Http.api().postJson("/developer/v1/apps",
                TestDeveloper.body(Map.of("scopes", List.of(scope))), "Authorization", bearer(developer));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(Http.json(refused).get("field").asText()).isEqualTo("scopes");
        assertThat(consentPage(browser, app, "openid " + scope)).as("falls back to the scope's name")
                .contains("Access: " + scope);
    }

    @Test
    void whenScopeIsReservedMalformedOrDuplicateThenAdminApiRefusesIt() {
        String admin = bearer(TestOAuth.adminToken());
        for (Map<String, Object> bad : List.of(
                Map.<String, Object>of("name", "admin", "description", "Everything"),
                Map.<String, Object>of("name", "two words", "description", "x"),
                Map.<String, Object>of("name", "quote\"", "description", "x"),
                Map.<String, Object>of("name", "ok.scope", "description", " "),
                Map.<String, Object>of("name", "ok.scope", "description", "x".repeat(301)),
                Map.<String, Object>of("description", "no name"))) {
            HttpResponse<String> response = Http.api().postJson("/admin/v1/scopes", bad, "Authorization", admin);
            assertThat(response.statusCode()).as(bad + ": " + response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        }
        String scope = "dup-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(Http.api().postJson("/admin/v1/scopes", Map.of("name", scope, "description", "x"), "Authorization", admin).statusCode()).isEqualTo(201);
        assertThat(Http.api().postJson("/admin/v1/scopes", Map.of("name", scope, "description", "y"), "Authorization", admin).statusCode()).isEqualTo(409);
        assertThat(Http.api().get("/admin/v1/scopes/nope-" + UUID.randomUUID(), "Authorization", admin).statusCode()).isEqualTo(404);
        assertThat(Http.api().sendJson("PUT", "/admin/v1/scopes/nope-" + UUID.randomUUID(), Map.of("description", "x"), "Authorization", admin).statusCode()).isEqualTo(404);
        assertThat(Http.api().delete("/admin/v1/scopes/nope-" + UUID.randomUUID(), "Authorization", admin).statusCode()).isEqualTo(404);
        assertThat(Http.api().postJson("/admin/v1/scopes", Map.of("name", "x", "description", "x")).statusCode()).isEqualTo(401);
    }

    private static String consentPage(Http browser, App app, String scope) {
        HttpResponse<String> authorize = browser.get(TestOAuth.authorizePath(app, scope, "s", Pkce.create(), TestOAuth.REDIRECT_URI));
        assertThat(authorize.statusCode()).as(authorize.body()).isEqualTo(302);
        String location = authorize.headers().firstValue("Location").orElseThrow();
        assertThat(location).contains("/oauth2/consent");
        HttpResponse<String> page = browser.get(location);
        assertThat(page.statusCode()).isEqualTo(200);
        return page.body();
    }
}
