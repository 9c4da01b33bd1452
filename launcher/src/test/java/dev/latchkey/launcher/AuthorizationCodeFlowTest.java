package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Authorization code + PKCE, refresh rotation and the RFC 9700 rules, end to end over HTTP. */
class AuthorizationCodeFlowTest {

    private static UUID team;
    private static User user;

    @BeforeAll
    static void setUp() {
        team = TestOAuth.team();
        user = TestOAuth.user(team);
    }

    private static Http signedIn() {
        Http browser = Http.browser();
        TestOAuth.login(browser, user);
        return browser;
    }

    @Test
    void whenUserConsentsThenCodeCarriesIssuerAndExchangesForTokensWithIdToken() {
        App app = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "openid profile read", pkce);
        assertThat(callback.get("code")).startsWith("lk_ac_");
        assertThat(callback.get("iss")).isEqualTo(TestServer.get().baseUrl());

        HttpResponse<String> response = TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode tokens = Http.json(response);
        assertThat(tokens.get("access_token").asText()).startsWith("lk_at_");
        assertThat(tokens.get("refresh_token").asText()).startsWith("lk_rt_");
        assertThat(tokens.get("id_token").asText()).contains(".");

        HttpResponse<String> userinfo = Http.api().get("/userinfo", "Authorization", TestOAuth.bearer(tokens.get("access_token").asText()));
        assertThat(userinfo.statusCode()).as(userinfo.body()).isEqualTo(200);
        assertThat(Http.json(userinfo).get("sub").asText()).isEqualTo(user.username());

        JsonNode introspection = TestOAuth.introspect(tokens.get("access_token").asText());
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("sub").asText()).isEqualTo(user.username());
    }

    @Test
    void whenConsentIsRememberedThenSecondAuthorizationSkipsConsentPage() {
        App app = TestOAuth.app(team, Map.of());
        Http browser = signedIn();
        TestOAuth.authorize(browser, app, "read", Pkce.create());
        HttpResponse<String> again = browser.get(TestOAuth.authorizePath(app, "read", "s2", Pkce.create(), TestOAuth.REDIRECT_URI));
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location").orElseThrow()).startsWith(TestOAuth.REDIRECT_URI).contains("code=");
    }

    @Test
    void whenRefreshTokenIsUsedThenItRotatesAndReuseRevokesTheFamily() {
        App app = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        JsonNode first = Http.json(TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI));

        HttpResponse<String> refreshed = TestOAuth.refresh(app, first.get("refresh_token").asText());
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        JsonNode second = Http.json(refreshed);
        assertThat(second.get("refresh_token").asText()).isNotEqualTo(first.get("refresh_token").asText());
        assertThat(TestOAuth.introspect(first.get("access_token").asText()).get("active").asBoolean()).isFalse();
        assertThat(TestOAuth.introspect(second.get("access_token").asText()).get("active").asBoolean()).isTrue();

        HttpResponse<String> reuse = TestOAuth.refresh(app, first.get("refresh_token").asText());
        assertThat(reuse.statusCode()).isEqualTo(400);
        assertThat(Http.json(reuse).get("error").asText()).isEqualTo("invalid_grant");

        assertThat(TestOAuth.introspect(second.get("access_token").asText()).get("active").asBoolean()).isFalse();
        HttpResponse<String> familyGone = TestOAuth.refresh(app, second.get("refresh_token").asText());
        assertThat(familyGone.statusCode()).isEqualTo(400);
        assertThat(Http.json(familyGone).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void whenCodeIsReplayedThenItFailsAndRevokesWhatItIssued() {
        App app = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        JsonNode tokens = Http.json(TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI));

        HttpResponse<String> replay = TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI);
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(Http.json(replay).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(TestOAuth.introspect(tokens.get("access_token").asText()).get("active").asBoolean()).isFalse();
        assertThat(TestOAuth.refresh(app, tokens.get("refresh_token").asText()).statusCode()).isEqualTo(400);
    }

    @Test
    void whenCodeIsPresentedByAnotherClientThenInvalidGrant() {
        App app = TestOAuth.app(team, Map.of());
        App other = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        HttpResponse<String> stolen = TestOAuth.exchange(other, callback.get("code"), pkce, TestOAuth.REDIRECT_URI);
        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(Http.json(stolen).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void whenRedirectUriDiffersAtTokenEndpointThenInvalidGrant() {
        App app = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        HttpResponse<String> response = TestOAuth.exchange(app, callback.get("code"), pkce, "http://127.0.0.1/callback");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void whenCodeVerifierIsMissingOrWrongThenInvalidGrant() {
        App app = TestOAuth.app(team, Map.of());
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        HttpResponse<String> missing = TestOAuth.exchange(app, callback.get("code"), null, TestOAuth.REDIRECT_URI);
        assertThat(missing.statusCode()).isEqualTo(400);
        HttpResponse<String> wrong = TestOAuth.exchange(app, callback.get("code"), Pkce.create(), TestOAuth.REDIRECT_URI);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(Http.json(wrong).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void whenPkceIsOmittedAtAuthorizeThenClientGetsErrorRedirect() {
        App app = TestOAuth.app(team, Map.of());
        HttpResponse<String> response = signedIn().get(TestOAuth.authorizePath(app, "read", "s", null, TestOAuth.REDIRECT_URI));
        assertThat(response.statusCode()).isEqualTo(302);
        Map<String, String> query = Http.query(response.headers().firstValue("Location").orElseThrow());
        assertThat(query.get("error")).isEqualTo("invalid_request");
        assertThat(query.get("iss")).isEqualTo(TestServer.get().baseUrl());
    }

    @Test
    void whenPlainPkceIsOfferedThenItIsRejected() {
        App app = TestOAuth.app(team, Map.of());
        String path = TestOAuth.authorizePath(app, "read", "s", null, TestOAuth.REDIRECT_URI)
                + "&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=plain";
        HttpResponse<String> response = signedIn().get(path);
        assertThat(response.statusCode()).isEqualTo(302);
        assertThat(Http.query(response.headers().firstValue("Location").orElseThrow()).get("error")).isEqualTo("invalid_request");
    }

    @Test
    void whenPkceWasNotUsedAtAuthorizeThenAVerifierAtTokenEndpointIsRejected() {
        App app = TestOAuth.app(team, Map.of("requirePkce", false));
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", null);
        HttpResponse<String> downgrade = TestOAuth.exchange(app, callback.get("code"), Pkce.create(), TestOAuth.REDIRECT_URI);
        assertThat(downgrade.statusCode()).isEqualTo(400);
        assertThat(Http.json(downgrade).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void whenRedirectUriIsNotRegisteredThenErrorPageAndNoRedirect() {
        App app = TestOAuth.app(team, Map.of());
        HttpResponse<String> response = signedIn().get(
                TestOAuth.authorizePath(app, "read", "s", Pkce.create(), "https://attacker.example/callback"), "Accept", "text/html");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(response.headers().firstValue("Location")).isEmpty();
        assertThat(response.body()).contains("not been sent back");
    }

    @Test
    void whenRedirectUriDiffersOnlyByPathOrQueryThenItIsNotAccepted() {
        App app = TestOAuth.app(team, Map.of());
        for (String uri : List.of(TestOAuth.REDIRECT_URI + "/extra", TestOAuth.REDIRECT_URI + "?x=1",
                "https://client.example/Callback")) {
            HttpResponse<String> response = signedIn().get(TestOAuth.authorizePath(app, "read", "s", Pkce.create(), uri));
            assertThat(response.statusCode()).as(uri).isEqualTo(400);
            assertThat(response.headers().firstValue("Location")).as(uri).isEmpty();
        }
    }

    @Test
    void whenClientIsUnknownThenErrorPageAndNoRedirect() {
        App ghost = new App(UUID.randomUUID(), "no-such-client", "x");
        HttpResponse<String> response = signedIn().get(TestOAuth.authorizePath(ghost, "read", "s", Pkce.create(), TestOAuth.REDIRECT_URI));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void whenLoopbackRedirectUsesAnotherPortThenItIsAccepted() {
        App app = TestOAuth.app(team, Map.of());
        HttpResponse<String> response = signedIn().get(
                TestOAuth.authorizePath(app, "read", "s", Pkce.create(), "http://127.0.0.1:49152/callback"));
        assertThat(response.statusCode()).isEqualTo(302);
        String location = response.headers().firstValue("Location").orElseThrow();
        assertThat(location).doesNotStartWith("https://attacker");
        assertThat(location).satisfiesAnyOf(
                l -> assertThat(l).contains("/oauth2/consent"),
                l -> assertThat(l).startsWith("http://127.0.0.1:49152/callback"));
    }

    @Test
    void whenUserDeniesThenClientGetsAccessDenied() {
        App app = TestOAuth.app(team, Map.of());
        Http browser = signedIn();
        HttpResponse<String> response = browser.get(TestOAuth.authorizePath(app, "read", "deny-state", Pkce.create(), TestOAuth.REDIRECT_URI));
        String consent = response.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> page = browser.get(consent);
        HttpResponse<String> denied = browser.postForm("/oauth2/authorize", Map.of(
                "client_id", app.clientId(), "state", Http.query(consent).get("state"), "_csrf", TestOAuth.csrf(page.body())));
        assertThat(denied.statusCode()).isEqualTo(302);
        Map<String, String> query = Http.query(denied.headers().firstValue("Location").orElseThrow());
        assertThat(query.get("error")).isEqualTo("access_denied");
        assertThat(query.get("state")).isEqualTo("deny-state");
    }

    @Test
    void whenUserRevokesAppOnConnectedAppsPageThenItsTokensStopWorking() {
        App app = TestOAuth.app(team, Map.of());
        Http browser = signedIn();
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(browser, app, "read", pkce);
        JsonNode tokens = Http.json(TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI));

        HttpResponse<String> page = browser.get("/account/apps");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Revoke");
        HttpResponse<String> revoked = browser.postForm("/account/apps/" + app.id() + "/revoke",
                Map.of("_csrf", TestOAuth.csrf(page.body())));
        assertThat(revoked.statusCode()).isEqualTo(302);

        assertThat(TestOAuth.introspect(tokens.get("access_token").asText()).get("active").asBoolean()).isFalse();
        assertThat(TestOAuth.refresh(app, tokens.get("refresh_token").asText()).statusCode()).isEqualTo(400);
    }

    @Test
    void whenPublicClientUsesPkceThenItGetsTokensWithoutSecret() {
        App app = TestOAuth.app(team, Map.of("tokenEndpointAuthMethod", "none"));
        assertThat(app.clientSecret()).isNull();
        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(signedIn(), app, "read", pkce);
        HttpResponse<String> response = TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Http.json(response).get("access_token").asText()).startsWith("lk_at_");
    }
}
