package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The developer REST API over real HTTP: team scoping, validation, rotation grace, deletion, activity, publishing. */
class DeveloperApiTest {

    private static UUID team;
    private static User developer;
    private static User teammate;
    private static String token;

    @BeforeAll
    static void developerWithToken() {
        team = TestOAuth.team();
        developer = TestOAuth.user(team, "developer");
        teammate = TestOAuth.user(team);
        token = TestDeveloper.apiToken(developer);
    }

    @Test
    void whenTokenIsMissingOrNotAPersonalApiTokenThenDeveloperApiAnswers401ProblemJson() {
        for (String[] headers : List.of(new String[0],
                new String[] {"Authorization", bearer("lk_pat_unknown")},
                new String[] {"Authorization", bearer(TestOAuth.adminToken())})) {
            HttpResponse<String> response = Http.api().get("/developer/v1/apps", headers);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        }
        HttpResponse<String> me = Http.api().get("/developer/v1/me", "Authorization", bearer(token));
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(Http.json(me).get("teamId").asText()).isEqualTo(team.toString());
        assertThat(me.headers().firstValue("Set-Cookie")).as("the API is stateless").isEmpty();
    }

    @Test
    void whenDeveloperRegistersAppThenSecretIsReturnedOnceAndReadsNeverIncludeIt() {
        HttpResponse<String> created = Http.api().postJson("/developer/v1/apps",
                TestDeveloper.body(Map.of("description", "Syncs tasks", "homepageUrl", "https://tasks.example",
                        "accessTokenFormat", "jwt")), "Authorization", bearer(token));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode json = Http.json(created);
        String secret = json.get("clientSecret").asText();
        String id = json.get("app").get("id").asText();
        assertThat(secret).startsWith("lk_cs_");
        assertThat(json.get("app").get("registeredVia").asText()).isEqualTo("portal");
        assertThat(json.get("app").get("published").asBoolean()).isFalse();
        assertThat(json.get("app").get("teamId").asText()).isEqualTo(team.toString());
        assertThat(json.get("app").get("requirePkce").asBoolean()).isTrue();
        assertThat(json.get("app").get("accessTokenFormat").asText()).isEqualTo("jwt");
        assertThat(Http.json(created).get("app").get("grantTypes").toString()).contains("authorization_code", "refresh_token")
                .doesNotContain("client_credentials");
        for (String path : List.of("/developer/v1/apps/" + id, "/developer/v1/apps", "/developer/v1/apps/" + id + "/activity")) {
            HttpResponse<String> read = Http.api().get(path, "Authorization", bearer(token));
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).doesNotContain(secret).doesNotContain("clientSecret").doesNotContain("argon2");
        }
        HttpResponse<String> publicApp = Http.api().postJson("/developer/v1/apps",
                TestDeveloper.body(Map.of("clientType", "public")), "Authorization", bearer(token));
        assertThat(publicApp.statusCode()).isEqualTo(201);
        assertThat(Http.json(publicApp).get("clientSecret").isNull()).isTrue();
        assertThat(Http.json(publicApp).get("app").get("tokenEndpointAuthMethod").asText()).isEqualTo("none");
    }

    @Test
    void whenAppBelongsToAnotherTeamOrWasNotRegisteredInThePortalThenDeveloperApiAnswers404() {
        App mine = TestDeveloper.app(token, Map.of());
        UUID otherTeam = TestOAuth.team();
        String outsider = TestDeveloper.apiToken(TestOAuth.user(otherTeam, "developer"));
        // An app an admin made for the developer's own team, holding the admin scope: rotating its secret would hand
        // the developer the admin API.
        App adminMade = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "scopes", List.of("admin")));
        for (var target : List.of(Map.entry(outsider, mine.id()), Map.entry(token, adminMade.id()))) {
            String auth = bearer(target.getKey());
            String path = "/developer/v1/apps/" + target.getValue();
            assertThat(Http.api().get(path, "Authorization", auth).statusCode()).isEqualTo(404);
            assertThat(Http.api().sendJson("PUT", path, TestDeveloper.body(Map.of()), "Authorization", auth).statusCode()).isEqualTo(404);
            assertThat(Http.api().postJson(path + "/secret", Map.of(), "Authorization", auth).statusCode()).isEqualTo(404);
            assertThat(Http.api().get(path + "/activity", "Authorization", auth).statusCode()).isEqualTo(404);
            assertThat(Http.api().delete(path, "Authorization", auth).statusCode()).isEqualTo(404);
        }
        assertThat(Http.api().get("/developer/v1/apps", "Authorization", bearer(outsider)).body()).doesNotContain(mine.clientId());
        assertThat(Http.api().get("/developer/v1/apps", "Authorization", bearer(token)).body()).doesNotContain(adminMade.clientId());
        assertThat(TestDeveloper.clientAuthenticates(adminMade.clientId(), adminMade.clientSecret())).as("untouched").isTrue();
        assertThat(TestDeveloper.clientAuthenticates(mine.clientId(), mine.clientSecret())).as("untouched").isTrue();
    }

    @Test
    void whenAppMetadataIsInvalidThenProblemJsonNamesTheField() {
        String auth = bearer(token);
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("redirectUris", Map.of("redirectUris", List.of("http://evil.example/cb")));
        cases.put("redirectUris#fragment", Map.of("redirectUris", List.of("https://ok.example/cb#frag")));
        cases.put("redirectUris#wildcard", Map.of("redirectUris", List.of("https://*.example/cb")));
        cases.put("redirectUris#none", Map.of("redirectUris", List.of()));
        cases.put("scopes", Map.of("scopes", List.of("admin")));
        cases.put("scopes#unknown", Map.of("scopes", List.of("not-in-the-catalogue")));
        cases.put("scopes#empty", Map.of("scopes", List.of()));
        cases.put("name", Map.of("name", " "));
        cases.put("clientType", Map.of("clientType", "sometimes"));
        cases.put("accessTokenFormat", Map.of("accessTokenFormat", "paseto"));
        cases.put("logoUrl", Map.of("logoUrl", "http://insecure.example/logo.png"));
        cases.put("homepageUrl", Map.of("homepageUrl", "javascript:alert(1)"));
        int before = Http.json(Http.api().get("/developer/v1/apps", "Authorization", auth)).size();
        cases.forEach((field, override) -> {
            HttpResponse<String> response = Http.api().postJson("/developer/v1/apps", TestDeveloper.body(override), "Authorization", auth);
            assertThat(response.statusCode()).as(field + ": " + response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(Http.json(response).get("field").asText()).isEqualTo(field.split("#")[0]);
        });
        assertThat(Http.json(Http.api().get("/developer/v1/apps", "Authorization", auth)).size()).as("nothing stored").isEqualTo(before);

        assertThat(Http.api().postJson("/developer/v1/apps", "{not json", "Authorization", auth).statusCode()).isEqualTo(400);
        assertThat(Http.api().get("/developer/v1/apps/not-a-uuid", "Authorization", auth).statusCode()).isEqualTo(400);
        App app = TestDeveloper.app(token, Map.of());
        for (long grace : new long[] {-1, 604_801, Long.MAX_VALUE}) {
            HttpResponse<String> rotation = Http.api().postJson("/developer/v1/apps/" + app.id() + "/secret",
                    Map.of("graceSeconds", grace), "Authorization", auth);
            assertThat(rotation.statusCode()).as(rotation.body()).isEqualTo(400);
            assertThat(Http.json(rotation).get("field").asText()).isEqualTo("graceSeconds");
        }
        HttpResponse<String> switchType = Http.api().sendJson("PUT", "/developer/v1/apps/" + app.id(),
                TestDeveloper.body(Map.of("clientType", "public")), "Authorization", auth);
        assertThat(switchType.statusCode()).isEqualTo(400);
        assertThat(Http.json(switchType).get("field").asText()).isEqualTo("clientType");
        App publicApp = TestDeveloper.app(token, Map.of("clientType", "public"));
        HttpResponse<String> noSecret = Http.api().postJson("/developer/v1/apps/" + publicApp.id() + "/secret", Map.of(), "Authorization", auth);
        assertThat(noSecret.statusCode()).isEqualTo(400);
        assertThat(Http.json(noSecret).get("field").asText()).isEqualTo("clientType");
    }

    @Test
    void whenSecretIsRotatedWithGraceThenOldSecretWorksUntilTheGraceEndsAndNotAfter() throws InterruptedException {
        App app = TestDeveloper.app(token, Map.of());
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), app.clientSecret())).isTrue();

        HttpResponse<String> rotated = Http.api().postJson("/developer/v1/apps/" + app.id() + "/secret",
                Map.of("graceSeconds", 3), "Authorization", bearer(token));
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String second = Http.json(rotated).get("clientSecret").asText();
        OffsetDateTime graceEnd = OffsetDateTime.parse(Http.json(rotated).get("app").get("previousSecretExpiresAt").asText());
        assertThat(graceEnd).isBetween(OffsetDateTime.now().plusSeconds(1), OffsetDateTime.now().plusSeconds(4));
        // Inside the grace period both work; the old one's success is now in the verified-secret cache too.
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), app.clientSecret())).isTrue();
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), app.clientSecret())).isTrue();
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), second)).isTrue();

        Thread.sleep(Math.max(0, Duration.between(OffsetDateTime.now(), graceEnd).toMillis()) + 200);
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), app.clientSecret())).as("after the grace period").isFalse();
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), second)).isTrue();
        assertThat(Http.json(Http.api().get("/developer/v1/apps/" + app.id(), "Authorization", bearer(token)))
                .get("previousSecretExpiresAt").isNull()).isTrue();

        HttpResponse<String> again = Http.api().postJson("/developer/v1/apps/" + app.id() + "/secret", null, "Authorization", bearer(token));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        String third = Http.json(again).get("clientSecret").asText();
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), second)).as("no grace: stops at once").isFalse();
        assertThat(TestDeveloper.clientAuthenticates(app.clientId(), third)).isTrue();
    }

    @Test
    void whenAppIsDeletedThroughApiThenItsTokensAreInactiveAndItsClientIdIsUnknown() {
        App app = TestDeveloper.app(token, Map.of());
        Http browser = Http.browser();
        TestOAuth.login(browser, teammate);
        Pkce pkce = Pkce.create();
        JsonNode tokens = Http.json(TestOAuth.exchange(app, TestOAuth.authorize(browser, app, "openid profile", pkce).get("code"),
                pkce, TestOAuth.REDIRECT_URI));
        String access = tokens.get("access_token").asText();
        assertThat(TestOAuth.introspect(access).get("active").asBoolean()).isTrue();

        assertThat(Http.api().delete("/developer/v1/apps/" + app.id(), "Authorization", bearer(token)).statusCode()).isEqualTo(204);
        assertThat(TestOAuth.introspect(access).get("active").asBoolean()).isFalse();
        assertThat(TestOAuth.refresh(app, tokens.get("refresh_token").asText()).statusCode()).isEqualTo(401);
        assertThat(Http.api().get("/developer/v1/apps/" + app.id(), "Authorization", bearer(token)).statusCode()).isEqualTo(404);
        assertThat(Http.api().delete("/developer/v1/apps/" + app.id(), "Authorization", bearer(token)).statusCode()).isEqualTo(404);
    }

    @Test
    void whenActivityIsReadThenItCountsGrantsAndTokensAndHoldsNoTokenValues() {
        App app = TestDeveloper.app(token, Map.of());
        JsonNode empty = Http.json(Http.api().get("/developer/v1/apps/" + app.id() + "/activity", "Authorization", bearer(token)));
        assertThat(empty.get("accessTokens30d").asLong()).isZero();
        assertThat(empty.get("lastIssuedAt").isNull()).isTrue();

        Http browser = Http.browser();
        TestOAuth.login(browser, teammate);
        Pkce pkce = Pkce.create();
        JsonNode tokens = Http.json(TestOAuth.exchange(app, TestOAuth.authorize(browser, app, "openid profile", pkce).get("code"),
                pkce, TestOAuth.REDIRECT_URI));
        JsonNode refreshed = Http.json(TestOAuth.refresh(app, tokens.get("refresh_token").asText()));

        HttpResponse<String> response = Http.api().get("/developer/v1/apps/" + app.id() + "/activity", "Authorization", bearer(token));
        JsonNode activity = Http.json(response);
        assertThat(activity.get("usersAuthorized").asLong()).isEqualTo(1);
        assertThat(activity.get("activeGrants").asLong()).isEqualTo(1);
        assertThat(activity.get("accessTokens24h").asLong()).isEqualTo(2);
        assertThat(activity.get("refreshTokens30d").asLong()).isEqualTo(2);
        assertThat(activity.get("authorizationCodes30d").asLong()).isEqualTo(1);
        assertThat(activity.get("liveTokens").asLong()).as("the rotated-away pair is no longer live").isEqualTo(2);
        assertThat(activity.get("recentGrants").get(0).get("status").asText()).isEqualTo("active");
        assertThat(activity.get("recentGrants").get(0).get("grantType").asText()).isEqualTo("authorization_code");
        List<String> values = List.of(tokens.get("access_token").asText(), tokens.get("refresh_token").asText(),
                refreshed.get("access_token").asText(), refreshed.get("refresh_token").asText(), teammate.username());
        assertThat(values).allSatisfy(value -> assertThat(response.body()).doesNotContain(value));
        assertThat(response.body()).doesNotContain("lk_at_").doesNotContain("lk_rt_").doesNotContain("Hash");
    }

    @Test
    void whenPersonalTokenIsRevokedThenItStopsWorkingAndNoIssuedValueIsStored() {
        User other = TestOAuth.user(team, "developer");
        String mine = TestDeveloper.apiToken(other);
        App app = TestDeveloper.app(mine, Map.of());
        String rotatedSecret = Http.json(Http.api().postJson("/developer/v1/apps/" + app.id() + "/secret",
                Map.of("graceSeconds", 3600), "Authorization", bearer(mine))).get("clientSecret").asText();
        assertThat(HashedStorageScanTest.scan(TestServer.get().dsl(), List.of(mine, app.clientSecret(), rotatedSecret))).isEmpty();

        JsonNode listed = Http.json(Http.api().get("/developer/v1/tokens", "Authorization", bearer(mine)));
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.toString()).doesNotContain(mine);
        assertThat(listed.get(0).get("lastUsedAt").isNull()).as("use is recorded").isFalse();
        String id = listed.get(0).get("id").asText();
        assertThat(Http.api().delete("/developer/v1/tokens/" + id, "Authorization", bearer(token)).statusCode())
                .as("another developer cannot revoke it").isEqualTo(404);
        assertThat(Http.api().delete("/developer/v1/tokens/" + id, "Authorization", bearer(mine)).statusCode()).isEqualTo(204);
        assertThat(Http.api().get("/developer/v1/me", "Authorization", bearer(mine)).statusCode()).isEqualTo(401);
        assertThat(Http.api().get("/developer/v1/me", "Authorization", bearer(token)).statusCode()).isEqualTo(200);
    }

    @Test
    void whenAppIsUnpublishedThenOnlyItsTeamCanAuthorizeUntilAnAdminPublishesIt() {
        App app = TestDeveloper.app(token, Map.of());
        User outsider = TestOAuth.user(TestOAuth.team());
        Http outsiderBrowser = Http.browser();
        TestOAuth.login(outsiderBrowser, outsider);
        String path = TestOAuth.authorizePath(app, "openid profile", "st-1", Pkce.create(), TestOAuth.REDIRECT_URI);

        HttpResponse<String> denied = outsiderBrowser.get(path);
        assertThat(denied.statusCode()).isEqualTo(302);
        Map<String, String> error = Http.query(denied.headers().firstValue("Location").orElseThrow());
        assertThat(denied.headers().firstValue("Location").orElseThrow()).startsWith(TestOAuth.REDIRECT_URI);
        assertThat(error.get("error")).isEqualTo("access_denied");
        assertThat(error.get("state")).isEqualTo("st-1");
        assertThat(error.get("iss")).isEqualTo(TestServer.get().baseUrl());
        assertThat(error).doesNotContainKey("code");

        Http teamBrowser = Http.browser();
        TestOAuth.login(teamBrowser, teammate);
        String consent = teamBrowser.get(teamBrowser.get(path).headers().firstValue("Location").orElseThrow()).body();
        assertThat(consent).contains("has not been verified").doesNotContain("Verified app");

        String admin = bearer(TestOAuth.adminToken());
        assertThat(Http.api().postJson("/admin/v1/apps/" + app.id() + "/publish", Map.of(), "Authorization", admin).statusCode()).isEqualTo(200);
        HttpResponse<String> allowed = outsiderBrowser.get(path);
        String location = allowed.headers().firstValue("Location").orElseThrow();
        assertThat(location).contains("/oauth2/consent");
        assertThat(outsiderBrowser.get(location).body()).contains("Verified app");
        assertThat(Http.json(Http.api().get("/developer/v1/apps/" + app.id(), "Authorization", bearer(token)))
                .get("published").asBoolean()).isTrue();

        assertThat(Http.api().postJson("/admin/v1/apps/" + app.id() + "/unpublish", Map.of(), "Authorization", admin).statusCode()).isEqualTo(200);
        HttpResponse<String> deniedAgain = outsiderBrowser.get(path);
        assertThat(Http.query(deniedAgain.headers().firstValue("Location").orElseThrow()).get("error")).isEqualTo("access_denied");
    }
}
