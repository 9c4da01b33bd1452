package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.AriaRole;
import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A real headless Chromium (Debian's, never a downloaded one) signs in, consents and lands on the client's redirect
 * with a code; the same browser revokes the app on the connected-apps page. Screenshots go to target/screenshots.
 */
class ConsentBrowserTest {

    private static final Path SCREENSHOTS = TestBrowser.SCREENSHOTS;



    @Test
    void whenUserSignsInAndAllowsThenBrowserLandsOnRedirectWithCode() {
        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        App app = TestOAuth.app(team, Map.of("description", "Syncs your tasks", "homepageUrl", "https://client.example"));
        Pkce pkce = Pkce.create();
        try (var context = TestBrowser.get().newContext()) {
            Page page = context.newPage();
            AtomicReference<String> landed = new AtomicReference<>();
            // The client's redirect URI is not a real host: capture the navigation instead of leaving the machine.
            page.route("https://client.example/**", (Route route) -> {
                landed.set(route.request().url());
                route.fulfill(new Route.FulfillOptions().setStatus(200).setBody("client callback"));
            });
            page.navigate(TestServer.get().baseUrl() + TestOAuth.authorizePath(app, "openid profile read", "browser-state", pkce, TestOAuth.REDIRECT_URI));
            assertThat(page.url()).contains("/login");
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("login.png")));
            page.getByLabel("Username").fill(user.username());
            page.getByLabel("Password").fill(user.password());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();

            waitFor(page, "**/oauth2/consent**");
            assertThat(page.getByRole(AriaRole.HEADING).first().textContent()).contains(appNameOf(page));
            assertThat(page.content()).contains("See your name and username").contains("Syncs your tasks");
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("consent.png")));
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Allow")).click();

            waitFor(page, "https://client.example/**");
            Map<String, String> query = Http.query(landed.get());
            assertThat(query.get("code")).startsWith("lk_ac_");
            assertThat(query.get("state")).isEqualTo("browser-state");
            assertThat(query.get("iss")).isEqualTo(TestServer.get().baseUrl());
            assertThat(TestOAuth.exchange(app, query.get("code"), pkce, TestOAuth.REDIRECT_URI).statusCode()).isEqualTo(200);

            page.navigate(TestServer.get().baseUrl() + "/account/apps");
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("connected-apps.png")));
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke " + appNameOf(page))).click();
            assertThat(page.getByRole(AriaRole.STATUS).textContent()).contains("Access revoked");
        }
    }

    @Test
    void whenUserDeniesThenBrowserLandsOnRedirectWithAccessDenied() {
        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        App app = TestOAuth.app(team, Map.of());
        try (var context = TestBrowser.get().newContext()) {
            Page page = context.newPage();
            AtomicReference<String> landed = new AtomicReference<>();
            page.route("https://client.example/**", route -> {
                landed.set(route.request().url());
                route.fulfill(new Route.FulfillOptions().setStatus(200).setBody("client callback"));
            });
            page.navigate(TestServer.get().baseUrl() + TestOAuth.authorizePath(app, "read", "s", Pkce.create(), TestOAuth.REDIRECT_URI));
            page.getByLabel("Username").fill(user.username());
            page.getByLabel("Password").fill(user.password());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            waitFor(page, "**/oauth2/consent**");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Deny")).click();
            waitFor(page, "https://client.example/**");
            assertThat(Http.query(landed.get()).get("error")).isEqualTo("access_denied");
        }
    }

    @Test
    void whenPagesAreServedThenSecurityHeadersForbidFramingAndThirdPartyContent() {
        var response = Http.api().get("/login");
        assertThat(response.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("default-src 'none'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(response.headers().firstValue("X-Content-Type-Options").orElse("")).isEqualTo("nosniff");
        assertThat(response.headers().firstValue("X-Frame-Options").orElse("")).isEqualTo("DENY");
        assertThat(response.headers().firstValue("Referrer-Policy").orElse("")).isEqualTo("no-referrer");
        assertThat(response.body()).doesNotContain("<script").doesNotContain("http://").doesNotContain("https://");
    }

    private static void waitFor(Page page, String glob) {
        try {
            page.waitForURL(glob, new Page.WaitForURLOptions().setTimeout(10_000));
        } catch (com.microsoft.playwright.TimeoutError e) {
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("timeout.png")));
            throw new AssertionError("expected " + glob + " but browser is at " + page.url(), e);
        }
    }

    private static String appNameOf(Page page) {
        return page.locator("h1 span, ul.apps strong").first().textContent();
    }
}
