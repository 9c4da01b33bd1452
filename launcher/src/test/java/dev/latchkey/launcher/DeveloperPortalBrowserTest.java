package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.AriaRole;
import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A real headless Chromium (Debian's, never a downloaded one) walks a developer through the portal: sign-in, app
 * registration with inline validation errors, the secret shown once, token activity, rotation with and without a
 * grace period checked at the token endpoint, deletion revoking tokens; and an admin publishing an app. Screenshots
 * of each page go to target/screenshots/developer-*.png and admin-*.png.
 */
class DeveloperPortalBrowserTest {

    private static final Path SCREENSHOTS = TestBrowser.SCREENSHOTS;



    @Test
    void whenDeveloperRegistersRotatesAndDeletesAnAppThenSecretsAreShownOnceAndTokensFollow() {
        UUID team = TestOAuth.team();
        User developer = TestOAuth.user(team, "developer");
        User teammate = TestOAuth.user(team);
        String appName = "Task Sync " + UUID.randomUUID().toString().substring(0, 6);
        try (BrowserContext context = TestBrowser.get().newContext()) {
            Page page = context.newPage();
            page.navigate(TestServer.get().baseUrl() + "/developer");
            assertThat(page.url()).contains("/login");
            signIn(page, developer);
            waitForPath(page, "/developer");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)).textContent())
                    .contains("Your team's apps");
            shot(page, "developer-apps-empty");

            // Register, first with an unsafe redirect URI: the error appears next to the field, the input is kept.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Register a new app")).click();
            waitForPath(page, "/developer/apps/new");
            page.getByLabel("App name").fill(appName);
            page.getByLabel("Description").fill("Keeps your tasks in sync");
            page.getByLabel("Homepage URL").fill("https://tasks.example");
            page.locator("#redirectUris").fill("http://evil.example/callback");
            page.getByLabel("profile").check();
            shot(page, "developer-new-app");
            Response rejected = submit(page, "Register app");
            assertThat(rejected.status()).isEqualTo(400);
            Locator fieldError = page.locator("#redirectUris-error");
            assertThat(fieldError.textContent()).contains("https");
            assertThat(page.locator("#redirectUris").getAttribute("aria-invalid")).isEqualTo("true");
            assertThat(page.locator("#redirectUris").getAttribute("aria-describedby")).contains("redirectUris-error");
            assertThat(page.getByRole(AriaRole.ALERT).first().textContent()).contains("The app was not saved");
            assertThat(page.getByLabel("App name").inputValue()).isEqualTo(appName);
            assertThat(page.getByLabel("profile").isChecked()).isTrue();
            shot(page, "developer-new-app-errors");

            page.locator("#redirectUris").fill(TestOAuth.REDIRECT_URI);
            Response created = submit(page, "Register app");
            assertThat(created.status()).isEqualTo(200);
            assertThat(page.locator(".warning").textContent()).contains("only time it is shown");
            String clientId = page.locator("#clientId").inputValue();
            String secret = page.locator("#clientSecret").inputValue();
            assertThat(clientId).startsWith("lk_ci_");
            assertThat(secret).startsWith("lk_cs_");
            Locator copy = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy"));
            copy.waitFor(new Locator.WaitForOptions().setTimeout(5_000));
            assertThat(copy.isVisible()).as("the copy script runs under this page's CSP").isTrue();
            shot(page, "developer-secret");

            List<String> laterPages = new ArrayList<>();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("I have stored it: continue to the app")).click();
            waitForPath(page, "/developer/apps/[0-9a-f-]{36}");
            String appPath = page.url().substring(TestServer.get().baseUrl().length());
            App app = new App(UUID.fromString(appPath.substring(appPath.lastIndexOf('/') + 1)), clientId, secret);
            assertThat(page.locator(".badge-line").textContent()).contains("Private");
            laterPages.add(page.content());
            shot(page, "developer-app");

            // A user of the team authorizes the private app and gets tokens; the activity page counts them.
            Http userBrowser = Http.browser();
            TestOAuth.login(userBrowser, teammate);
            Pkce pkce = Pkce.create();
            JsonNode tokens = Http.json(TestOAuth.exchange(app,
                    TestOAuth.authorize(userBrowser, app, "openid profile", pkce).get("code"), pkce, TestOAuth.REDIRECT_URI));
            String accessToken = tokens.get("access_token").asText();
            assertThat(TestOAuth.introspect(accessToken).get("active").asBoolean()).isTrue();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Token activity")).click();
            waitForPath(page, ".*/activity");
            assertThat(page.locator("#activity-summary").textContent()).contains("Users who have authorized the app1");
            assertThat(page.locator("table.list tbody tr")).isNotNull();
            assertThat(page.content()).doesNotContain(accessToken).doesNotContain(teammate.username());
            laterPages.add(page.content());
            shot(page, "developer-activity");

            page.navigate(TestServer.get().baseUrl() + "/developer");
            Locator appLink = page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(appName));
            appLink.waitFor(new Locator.WaitForOptions().setTimeout(10_000));
            assertThat(appLink.isVisible()).isTrue();
            laterPages.add(page.content());
            shot(page, "developer-apps");
            page.navigate(TestServer.get().baseUrl() + appPath + "/edit");
            laterPages.add(page.content());
            page.getByLabel("Description").fill("Keeps your tasks in sync, both ways");
            submit(page, "Save changes");
            assertThat(page.getByRole(AriaRole.STATUS).textContent()).contains("Changes saved");
            laterPages.add(page.content());

            // Rotation with a grace period: both secrets work, and the page says until when.
            page.getByLabel("Keep the current secret working for").selectOption("3600");
            submit(page, "Rotate secret");
            String second = page.locator("#clientSecret").inputValue();
            assertThat(second).startsWith("lk_cs_").isNotEqualTo(secret);
            assertThat(page.locator("#grace-end").textContent()).contains("keeps working until");
            shot(page, "developer-rotated-with-grace");
            assertThat(TestDeveloper.clientAuthenticates(clientId, secret)).as("old secret inside the grace period").isTrue();
            assertThat(TestDeveloper.clientAuthenticates(clientId, second)).isTrue();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("I have stored it: continue to the app")).click();
            waitForPath(page, appPath);
            assertThat(page.locator("#grace-end").textContent()).contains("Still works until");
            laterPages.add(page.content());

            // Rotation without grace: the grace ends now; every earlier secret fails at the token endpoint.
            page.getByLabel("Keep the current secret working for").selectOption("0");
            submit(page, "Rotate secret");
            String third = page.locator("#clientSecret").inputValue();
            assertThat(page.content()).contains("The previous secret no longer works");
            assertThat(TestDeveloper.clientAuthenticates(clientId, second)).as("previous secret, no grace").isFalse();
            assertThat(TestDeveloper.clientAuthenticates(clientId, secret)).as("first secret, its grace ended").isFalse();
            assertThat(TestDeveloper.clientAuthenticates(clientId, third)).isTrue();
            page.navigate(TestServer.get().baseUrl() + appPath);
            laterPages.add(page.content());
            for (String html : laterPages) {
                assertThat(html).doesNotContain(secret).doesNotContain(third);
            }
            assertThat(laterPages.get(laterPages.size() - 1)).doesNotContain(second);

            // Deletion asks for the name; a wrong one is an inline error, the right one revokes every token.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Delete…")).click();
            waitForPath(page, ".*/delete");
            shot(page, "developer-delete");
            page.getByLabel("Type the app's name").fill("not the name");
            Response refused = submit(page, "Delete app and revoke its tokens");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(page.locator("#confirmName-error").textContent()).contains("exactly");
            assertThat(TestOAuth.introspect(accessToken).get("active").asBoolean()).isTrue();
            shot(page, "developer-delete-error");
            page.getByLabel("Type the app's name").fill(appName);
            submit(page, "Delete app and revoke its tokens");
            waitForPath(page, "/developer");
            assertThat(page.getByRole(AriaRole.STATUS).textContent()).contains("Every token issued to it has been revoked");
            shot(page, "developer-deleted");
            assertThat(TestOAuth.introspect(accessToken).get("active").asBoolean()).isFalse();
            assertThat(TestDeveloper.clientAuthenticates(clientId, third)).isFalse();
            assertThat(page.content()).doesNotContain(clientId);
        }
    }

    @Test
    void whenDeveloperCreatesAnApiTokenThenItIsShownOnceAndWorksUntilRevoked() {
        User developer = TestOAuth.user(TestOAuth.team(), "developer");
        try (BrowserContext context = TestBrowser.get().newContext()) {
            Page page = context.newPage();
            page.navigate(TestServer.get().baseUrl() + "/developer/tokens");
            signIn(page, developer);
            waitForPath(page, "/developer/tokens");
            Response refused = submit(page, "Create token");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(page.locator("#name-error").textContent()).contains("name is required");
            assertThat(page.getByLabel("Name").getAttribute("aria-invalid")).isEqualTo("true");
            shot(page, "developer-tokens-error");
            page.getByLabel("Name").fill("CI deploys");
            page.getByLabel("Expires after").selectOption("7");
            submit(page, "Create token");
            String token = page.locator("#apiToken").inputValue();
            assertThat(token).startsWith("lk_pat_");
            shot(page, "developer-token-created");
            assertThat(Http.api().get("/developer/v1/me", "Authorization", TestOAuth.bearer(token)).statusCode()).isEqualTo(200);

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("I have stored it: back to tokens")).click();
            waitForPath(page, "/developer/tokens");
            assertThat(page.content()).doesNotContain(token).contains("CI deploys");
            shot(page, "developer-tokens");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke token CI deploys")).click();
            assertThat(page.getByRole(AriaRole.STATUS).textContent()).contains("Token revoked");
            assertThat(Http.api().get("/developer/v1/me", "Authorization", TestOAuth.bearer(token)).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void whenAdminPublishesAppThenUsersOfOtherTeamsMayAuthorizeItAndConsentShowsItVerified() {
        String developerToken = TestDeveloper.apiToken(TestOAuth.user(TestOAuth.team(), "developer"));
        String appName = "Weather Widget " + UUID.randomUUID().toString().substring(0, 6);
        App app = TestDeveloper.app(developerToken, Map.of("name", appName));
        User outsider = TestOAuth.user(TestOAuth.team());
        String authorize = TestServer.get().baseUrl() + TestOAuth.authorizePath(app, "openid profile", "pub", Pkce.create(), TestOAuth.REDIRECT_URI);
        try (BrowserContext user = TestBrowser.get().newContext(); BrowserContext admin = TestBrowser.get().newContext()) {
            Page userPage = user.newPage();
            AtomicReference<String> landed = new AtomicReference<>();
            userPage.route("https://client.example/**", route -> {
                landed.set(route.request().url());
                route.fulfill(new Route.FulfillOptions().setStatus(200).setBody("client callback"));
            });
            userPage.navigate(authorize);
            signIn(userPage, outsider);
            waitFor(userPage, "https://client.example/**");
            assertThat(Http.query(landed.get()).get("error")).isEqualTo("access_denied");
            assertThat(Http.query(landed.get())).doesNotContainKey("code");

            Page adminPage = admin.newPage();
            adminPage.navigate(TestServer.get().baseUrl() + "/admin/apps");
            signIn(adminPage, new User(null, TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD));
            waitForPath(adminPage, "/admin/apps");
            shot(adminPage, "admin-apps");
            adminPage.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish " + appName)).click();
            assertThat(adminPage.getByRole(AriaRole.STATUS).textContent()).contains(appName + " is published");
            // isVisible() does not wait, and the status can be read before the button list is redrawn.
            Locator unpublish = adminPage.getByRole(AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Unpublish " + appName));
            unpublish.waitFor(new Locator.WaitForOptions().setTimeout(10_000));
            assertThat(unpublish.isVisible()).isTrue();

            adminPage.navigate(TestServer.get().baseUrl() + "/admin/scopes");
            adminPage.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("admin");
            adminPage.getByLabel("Description users see", new Page.GetByLabelOptions().setExact(true)).fill("Everything");
            Response reserved = submit(adminPage, "Add scope");
            assertThat(reserved.status()).isEqualTo(400);
            assertThat(adminPage.locator("#name-error").textContent()).contains("reserved");
            shot(adminPage, "admin-scopes-error");
            String scope = "forecasts.read-" + UUID.randomUUID().toString().substring(0, 4);
            adminPage.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(scope);
            adminPage.getByLabel("Description users see", new Page.GetByLabelOptions().setExact(true)).fill("See your saved forecasts");
            submit(adminPage, "Add scope");
            assertThat(adminPage.getByRole(AriaRole.STATUS).textContent()).contains("Scope " + scope + " added");
            shot(adminPage, "admin-scopes");

            userPage.navigate(authorize);
            waitFor(userPage, "**/oauth2/consent**");
            assertThat(userPage.locator(".verified").textContent()).contains("Verified app");
            shot(userPage, "consent-verified");
        }
    }

    private static void signIn(Page page, User user) {
        page.getByLabel("Username").fill(user.username());
        page.getByLabel("Password").fill(user.password());
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
    }

    /** Clicks a submit button and returns the response to the form's POST (the page then shows it). */
    private static Response submit(Page page, String button) {
        Response response = page.waitForResponse(r -> "POST".equals(r.request().method()) && r.request().isNavigationRequest(),
                () -> page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(button)).click());
        assertThat(response.status()).as("never a server error").isLessThan(500);
        page.waitForLoadState();
        return response;
    }

    private static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    /** Waits until the browser is on a page whose path matches (any query, e.g. Spring's {@code ?continue}). */
    private static void waitForPath(Page page, String pathRegex) {
        try {
            page.waitForURL(url -> java.net.URI.create(url).getPath().matches(pathRegex),
                    new Page.WaitForURLOptions().setTimeout(10_000));
        } catch (com.microsoft.playwright.TimeoutError e) {
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("developer-timeout.png")));
            throw new AssertionError("expected " + pathRegex + " but browser is at " + page.url(), e);
        }
    }

    private static void waitFor(Page page, String glob) {
        try {
            page.waitForURL(glob, new Page.WaitForURLOptions().setTimeout(10_000));
        } catch (com.microsoft.playwright.TimeoutError e) {
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("developer-timeout.png")));
            throw new AssertionError("expected " + glob + " but browser is at " + page.url(), e);
        }
    }
}
