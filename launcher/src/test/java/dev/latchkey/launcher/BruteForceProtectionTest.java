package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.AbstractAuthenticationEvent;

/**
 * Brute-force limits over real HTTP with the production defaults (5 failures per account and source, 20 per source).
 * Distinct sources are real distinct remote addresses: each client binds a different 127.0.0.0/8 address (no
 * forwarding header is trusted). The suite's own loopback address 127.0.0.1 is exempted in {@link TestServer};
 * these tests never use it. The account-wide rule (50 failures, 30 s delay, known-good sources exempt) and the
 * doubling are proven with a controllable clock in {@code FailureThrottleTest}.
 */
class BruteForceProtectionTest {

    private static final String PREFIX = "127.77." + ThreadLocalRandom.current().nextInt(1, 250) + ".";
    private static final AtomicInteger NEXT = new AtomicInteger(2);
    private static final Map<String, AtomicInteger> AUTH_EVENTS = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void countAuthenticationEvents() {
        // Every password check through Spring's ProviderManager publishes a success or failure event.
        TestServer.get().addListener((ApplicationListener<AbstractAuthenticationEvent>) event ->
                AUTH_EVENTS.computeIfAbsent(event.getAuthentication().getName(), n -> new AtomicInteger()).incrementAndGet());
    }

    private static String newSource() {
        return PREFIX + NEXT.getAndIncrement();
    }

    private static HttpResponse<String> login(Http browser, String username, String password) {
        HttpResponse<String> page = browser.get("/login");
        assertThat(page.statusCode()).isEqualTo(200);
        return browser.postForm("/login", Map.of("username", username, "password", password, "_csrf", TestOAuth.csrf(page.body())));
    }

    private static String location(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(302);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static int checks(String username) {
        return AUTH_EVENTS.getOrDefault(username, new AtomicInteger()).get();
    }

    @Test
    void whenOnePairFailsRepeatedlyThenEvenTheRightPasswordIsRefusedWithoutAPasswordCheck() {
        UUID team = TestOAuth.team();
        TestOAuth.User victim = TestOAuth.user(team);
        TestOAuth.User other = TestOAuth.user(team);
        String attacker = newSource();
        for (int i = 0; i < 5; i++) {
            assertThat(location(login(Http.browserFrom(attacker), victim.username(), "wrong-" + i))).endsWith("/login?error");
        }
        assertThat(checks(victim.username())).isEqualTo(5);

        Http blocked = Http.browserFrom(attacker);
        HttpResponse<String> refused = login(blocked, victim.username(), victim.password());
        assertThat(location(refused)).endsWith("/login?blocked");
        assertThat(refused.headers().firstValue("Retry-After").map(Integer::parseInt).orElseThrow()).isBetween(1, 60);
        assertThat(checks(victim.username())).as("refused before the password check (no Argon2id)").isEqualTo(5);
        assertThat(blocked.get("/account/apps").statusCode()).as("not signed in").isEqualTo(302);
        assertThat(blocked.get("/login?blocked").body()).contains("Too many attempts").doesNotContain(victim.username());

        // Another account from the same source is still usable (the source rule needs 20 failures).
        assertThat(location(login(Http.browserFrom(attacker), other.username(), other.password()))).doesNotContain("error").doesNotContain("blocked");
        // The victim, from their own address, is not locked out by the attacker's failures.
        Http home = Http.browserFrom(newSource());
        assertThat(location(login(home, victim.username(), victim.password()))).doesNotContain("error").doesNotContain("blocked");
        assertThat(home.get("/account/apps").statusCode()).isEqualTo(200);
    }

    @Test
    void whenUnknownAndExistingAccountsAreThrottledThenTheyLookTheSame() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        String source = newSource();
        String nobody = "nobody-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            login(Http.browserFrom(source), user.username(), "wrong-" + i);
            login(Http.browserFrom(source), nobody, "wrong-" + i);
        }
        assertThat(location(login(Http.browserFrom(source), user.username(), "wrong")))
                .isEqualTo(location(login(Http.browserFrom(source), nobody, "wrong")))
                .endsWith("/login?blocked");
    }

    @Test
    void whenOneSourceSpraysManyAccountsThenTheSourceIsBlockedForEveryAccount() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        String sprayer = newSource();
        for (int i = 0; i < 20; i++) {
            assertThat(location(login(Http.browserFrom(sprayer), "spray-" + UUID.randomUUID(), "Password1!"))).endsWith("/login?error");
        }
        assertThat(location(login(Http.browserFrom(sprayer), user.username(), user.password()))).endsWith("/login?blocked");
        assertThat(location(login(Http.browserFrom(newSource()), user.username(), user.password()))).doesNotContain("error").doesNotContain("blocked");
    }

    @Test
    void whenLoginSucceedsThenThePairsFailuresAreCleared() {
        TestOAuth.User user = TestOAuth.user(TestOAuth.team());
        String source = newSource();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 4; i++) {
                assertThat(location(login(Http.browserFrom(source), user.username(), "wrong-" + i))).endsWith("/login?error");
            }
            assertThat(location(login(Http.browserFrom(source), user.username(), user.password()))).doesNotContain("error").doesNotContain("blocked");
        }
    }

    private static TestOAuth.App machineApp() {
        return TestOAuth.app(TestOAuth.team(), Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(), "scopes", List.of("read")));
    }

    private static HttpResponse<String> token(String source, TestOAuth.App app, String secret) {
        return Http.browserFrom(source).postForm("/oauth2/token", Map.of("grant_type", "client_credentials", "scope", "read"),
                "Authorization", Http.basic(app.clientId(), secret));
    }

    @Test
    void whenClientSecretIsGuessedRepeatedlyThenTheClientIsThrottledWithInvalidClientAndRetryAfter() {
        TestOAuth.App app = machineApp();
        String attacker = newSource();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> wrong = token(attacker, app, "lk_cs_guess-" + i);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(Http.json(wrong).get("error").asText()).isEqualTo("invalid_client");
            assertThat(wrong.headers().firstValue("Retry-After")).isEmpty();
        }
        HttpResponse<String> refused = token(attacker, app, app.clientSecret());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(Http.json(refused).get("error").asText()).isEqualTo("invalid_client");
        assertThat(refused.headers().firstValue("Retry-After").map(Integer::parseInt).orElseThrow()).isBetween(1, 60);
        // Introspection and revocation authenticate the client the same way.
        for (String endpoint : List.of("/oauth2/introspect", "/oauth2/revoke")) {
            HttpResponse<String> other = Http.browserFrom(attacker).postForm(endpoint, Map.of("token", "lk_at_x"),
                    "Authorization", Http.basic(app.clientId(), app.clientSecret()));
            assertThat(other.statusCode()).as(endpoint).isEqualTo(401);
            assertThat(Http.json(other).get("error").asText()).isEqualTo("invalid_client");
        }
        // The app itself, from its own address, keeps working.
        assertThat(token(newSource(), app, app.clientSecret()).statusCode()).isEqualTo(200);
    }

    @Test
    void whenClientAuthenticatesSuccessfullyThenItsFailuresAreCleared() {
        TestOAuth.App app = machineApp();
        String source = newSource();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 4; i++) {
                assertThat(token(source, app, "wrong-" + i).statusCode()).isEqualTo(401);
            }
            assertThat(token(source, app, app.clientSecret()).statusCode()).isEqualTo(200);
        }
    }
}
