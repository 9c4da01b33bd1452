package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Session handling on the pages: no session before sign-in (so anonymous traffic allocates nothing on the server),
 * fixation, cookie flags, CSRF enforcement, no user enumeration at login, a bound on each account's sessions.
 */
class SessionSecurityTest {

    private static final String SESSION_COOKIE = "JSESSIONID";
    /** Where an anonymous page's CSRF token is kept instead of a session. */
    private static final String CSRF_COOKIE = "lk_csrf";

    @Test
    void whenAnonymousClientsHitEveryPublicEntryPointOverAndOverThenNoSessionIsCreated() {
        TestOAuth.App app = TestOAuth.app(TestOAuth.team(), Map.of());
        String authorize = TestOAuth.authorizePath(app, "read", "st", TestOAuth.Pkce.create(), TestOAuth.REDIRECT_URI);
        BrokerTestbed.Service service = BrokerTestbed.service(List.of("acme"));
        String connectPage = BrokerTestbed.path(BrokerTestbed.openSession(service, "acme", "u-flood",
                BrokerTestbed.API_KEY).path("connect_url").asText());
        List<String> paths = List.of("/", "/account/apps", "/developer", "/admin/apps", "/oauth2/consent",
                "/no-such-page", "/login", "/login?error", "/login?logout", "/error", "/css/latchkey.css",
                "/favicon.ico", authorize, TestOAuth.authorizePath(new TestOAuth.App(null, "no-such-client", null),
                        "read", "st", null, TestOAuth.REDIRECT_URI),
                connectPage, "/connect/s/lk_cn_garbage", "/connect/callback?state=garbage&code=x");
        int before = TestServer.get().activeSessions();
        List<HttpResponse<String>> responses = new ArrayList<>();

        for (int round = 0; round < 12; round++) {
            for (String path : paths) {
                // A fresh client each time, as a flood sends no cookies back.
                responses.add(Http.browser().get(path, "Accept", "text/html"));
            }
            // A failed sign-in, with the CSRF cookie and token of a login page, as a scripted guesser would send.
            Http guesser = Http.browser();
            HttpResponse<String> page = guesser.get("/login");
            responses.add(guesser.postForm("/login", Map.of("username", "nobody-" + round,
                    "password", "wrong-password-123", "_csrf", TestOAuth.csrf(page.body()))));
        }

        assertThat(responses).allSatisfy(response -> assertThat(response.headers().allValues("Set-Cookie"))
                .as("%s %s", response.request().method(), response.request().uri())
                .noneMatch(cookie -> cookie.startsWith(SESSION_COOKIE + "=")));
        assertThat(responses).extracting(HttpResponse::statusCode).as("pages, redirects to sign in, error pages")
                .contains(200, 302, 400, 404);
        assertThat(TestServer.get().activeSessions()).isLessThanOrEqualTo(before);
    }

    @Test
    void whenAnAnonymousAuthorizationRequestIsSentToSignInThenSignInResumesItAndOnlySignInCreatesASession() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        TestOAuth.App app = TestOAuth.app(user.teamId(), Map.of());
        String authorize = TestOAuth.authorizePath(app, "openid read", "st-" + UUID.randomUUID(),
                TestOAuth.Pkce.create(), TestOAuth.REDIRECT_URI);
        Http browser = Http.browser();

        HttpResponse<String> sent = browser.get(authorize, "Accept", "text/html");
        assertThat(sent.statusCode()).isEqualTo(302);
        assertThat(sent.headers().firstValue("Location").orElseThrow()).endsWith("/login");
        HttpResponse<String> loginPage = browser.get("/login");
        assertThat(browser.cookie(SESSION_COOKIE)).as("no session before sign-in").isEmpty();
        // What the browser holds instead: where to return, and the login form's CSRF token.
        assertThat(sent.headers().allValues("Set-Cookie")).anySatisfy(cookie -> assertThat(cookie)
                .startsWith("REDIRECT_URI=").contains("HttpOnly", "SameSite=Lax"));
        assertThat(loginPage.headers().allValues("Set-Cookie")).anySatisfy(cookie -> assertThat(cookie)
                .startsWith(CSRF_COOKIE + "=").contains("HttpOnly", "SameSite=Lax"));

        HttpResponse<String> signedIn = browser.postForm("/login", Map.of("username", user.username(),
                "password", user.password(), "_csrf", TestOAuth.csrf(loginPage.body())));

        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location")).contains(TestServer.get().baseUrl() + authorize);
        assertThat(browser.cookie(SESSION_COOKIE)).isPresent();
        HttpResponse<String> resumed = browser.get(signedIn.headers().firstValue("Location").orElseThrow());
        assertThat(resumed.statusCode()).isEqualTo(302);
        assertThat(resumed.headers().firstValue("Location").orElseThrow()).contains("/oauth2/consent");

        // The saved request was spent at sign-in: the next sign-in in this browser does not land on it again.
        HttpResponse<String> loggedOut = browser.postForm("/logout",
                Map.of("_csrf", TestOAuth.csrf(browser.get("/login").body())));
        assertThat(loggedOut.headers().firstValue("Location").orElseThrow()).endsWith("/login?logout");
        HttpResponse<String> again = browser.postForm("/login", Map.of("username", user.username(),
                "password", user.password(), "_csrf", TestOAuth.csrf(browser.get("/login").body())));
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location").orElseThrow()).doesNotContain("/oauth2/authorize");
    }

    @Test
    void whenUserSignsInThenTheSessionIdChanges() {
        // Without sessions before sign-in, a fixed session id can only be a signed-in one, e.g. the attacker's own.
        TestOAuth.User attacker = TestOAuth.user(TestOAuth.team());
        TestOAuth.User victim = TestOAuth.user(TestOAuth.team());
        Http browser = Http.browser();
        TestOAuth.login(browser, attacker);
        String before = browser.cookie(SESSION_COOKIE).map(HttpCookie::getValue).orElseThrow();

        HttpResponse<String> login = browser.postForm("/login", Map.of("username", victim.username(),
                "password", victim.password(), "_csrf", TestOAuth.csrf(browser.get("/login").body())));

        assertThat(login.statusCode()).isEqualTo(302);
        String after = browser.cookie(SESSION_COOKIE).map(HttpCookie::getValue).orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(browser.cookie(SESSION_COOKIE).orElseThrow().isHttpOnly()).isTrue();
        assertThat(login.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c)
                .startsWith(SESSION_COOKIE + "=").contains("SameSite=Lax"));
        assertThat(Http.api().get("/account/apps", "Cookie", SESSION_COOKIE + "=" + before).statusCode())
                .as("the old id signs in nobody").isEqualTo(302);
    }

    @Test
    void whenOneAccountSignsInOverAndOverThenOnlyItsNewestSessionsLive() {
        int cap = 10; // latchkey.sessions.max-per-account
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        TestOAuth.User bystander = TestOAuth.user(TestOAuth.team());
        Http other = Http.browser();
        TestOAuth.login(other, bystander);
        int before = TestServer.get().activeSessions();

        List<Http> browsers = new ArrayList<>();
        for (int i = 0; i < cap + 5; i++) {
            Http browser = Http.browser();
            TestOAuth.login(browser, user);
            browsers.add(browser);
        }

        assertThat(TestServer.get().activeSessions()).as("a sign-in past the cap ends the oldest session")
                .isLessThanOrEqualTo(before + cap);
        for (int i = 0; i < browsers.size(); i++) {
            int status = browsers.get(i).get("/account/apps").statusCode();
            assertThat(status).as("sign-in " + (i + 1)).isEqualTo(i < 5 ? 302 : 200);
        }
        assertThat(other.get("/account/apps").statusCode()).as("another account's session is untouched")
                .isEqualTo(200);
        // Signing out releases a place: the newest sessions stay while a new one is added.
        HttpResponse<String> loggedOut = browsers.getLast().postForm("/logout",
                Map.of("_csrf", TestOAuth.csrf(browsers.getLast().get("/account/apps").body())));
        assertThat(loggedOut.statusCode()).isEqualTo(302);
        TestOAuth.login(Http.browser(), user);
        assertThat(browsers.get(5).get("/account/apps").statusCode()).isEqualTo(200);
    }

    @Test
    void whenFormLacksCsrfTokenThenItIsRefused() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        Http browser = Http.browser();
        browser.get("/login");
        String otherBrowsersToken = TestOAuth.csrf(Http.browser().get("/login").body());

        HttpResponse<String> without = browser.postForm("/login", Map.of("username", user.username(),
                "password", user.password()));
        HttpResponse<String> foreign = browser.postForm("/login", Map.of("username", user.username(),
                "password", user.password(), "_csrf", otherBrowsersToken));

        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(browser.cookie(CSRF_COOKIE)).as("the login page's token cookie").isPresent();
        assertThat(browser.get("/account/apps").statusCode()).as("not signed in").isEqualTo(302);
    }

    @Test
    void whenASignedInFormCarriesACookieTokenThenOnlyTheSessionsTokenCounts() {
        // Someone able to set cookies for this host plants a token cookie with a value they know: signed-in forms
        // never accept it.
        Http signedIn = Http.browser();
        TestOAuth.login(signedIn, TestOAuth.user(TestOAuth.team()));
        Http planter = Http.browser();
        String plantedToken = TestOAuth.csrf(planter.get("/login").body());
        String plantedCookie = planter.cookie(CSRF_COOKIE).orElseThrow().getValue();
        String session = signedIn.cookie(SESSION_COOKIE).orElseThrow().getValue();

        HttpResponse<String> forged = Http.api().postForm("/logout", Map.of("_csrf", plantedToken), "Cookie",
                SESSION_COOKIE + "=" + session + "; " + CSRF_COOKIE + "=" + plantedCookie);

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(signedIn.get("/account/apps").statusCode()).as("still signed in").isEqualTo(200);
    }

    @Test
    void whenLoginFailsThenUnknownUserAndWrongPasswordLookTheSame() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        HttpResponse<String> wrongPassword = failedLogin(user.username());
        HttpResponse<String> unknownUser = failedLogin("nobody-" + UUID.randomUUID());
        assertThat(wrongPassword.statusCode()).isEqualTo(unknownUser.statusCode()).isEqualTo(302);
        assertThat(wrongPassword.headers().firstValue("Location")).isEqualTo(unknownUser.headers().firstValue("Location"));
    }

    private static HttpResponse<String> failedLogin(String username) {
        Http browser = Http.browser();
        HttpResponse<String> page = browser.get("/login");
        return browser.postForm("/login", Map.of("username", username, "password", "wrong-password-123",
                "_csrf", TestOAuth.csrf(page.body())));
    }
}
