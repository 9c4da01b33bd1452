package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpCookie;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Session handling on the pages: fixation, cookie flags, CSRF enforcement, no user enumeration at login. */
class SessionSecurityTest {

    @Test
    void whenUserSignsInThenTheSessionIdChanges() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        Http browser = Http.browser();
        HttpResponse<String> page = browser.get("/login");
        String before = browser.cookie("JSESSIONID").map(HttpCookie::getValue).orElseThrow();
        HttpResponse<String> login = browser.postForm("/login", Map.of("username", user.username(),
                "password", user.password(), "_csrf", TestOAuth.csrf(page.body())));
        assertThat(login.statusCode()).isEqualTo(302);
        String after = browser.cookie("JSESSIONID").map(HttpCookie::getValue).orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(browser.cookie("JSESSIONID").orElseThrow().isHttpOnly()).isTrue();
        assertThat(page.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).contains("SameSite=Lax"));
    }

    @Test
    void whenFormLacksCsrfTokenThenItIsRefused() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        Http browser = Http.browser();
        browser.get("/login");
        HttpResponse<String> login = browser.postForm("/login", Map.of("username", user.username(), "password", user.password()));
        assertThat(login.statusCode()).isEqualTo(403);
        assertThat(browser.cookie("JSESSIONID")).isPresent();
        assertThat(browser.get("/account/apps").statusCode()).as("not signed in").isEqualTo(302);
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
