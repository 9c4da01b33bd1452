package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.provider.ScriptedProvider;
import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * Drives every flow that creates or presents a secret value — client credentials, login (right and wrong
 * password), consent (one left in flight), code exchange, refresh, refresh reuse, code replay, secret rotation, JWT
 * access tokens, dynamic registration — and returns every secret value that crossed the wire, for the scans that
 * prove none of them is stored or logged.
 */
final class EveryFlow {

    private EveryFlow() {}

    static List<String> run() {
        List<String> secrets = new ArrayList<>();
        secrets.add(TestServer.ADMIN_CLIENT_SECRET);
        secrets.add(TestServer.ADMIN_PASSWORD);
        String admin = TestOAuth.adminToken();
        secrets.add(admin);

        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        secrets.add(user.password());
        App app = TestOAuth.app(team, Map.of());
        secrets.add(app.clientSecret());

        Http stranger = Http.browser();
        HttpResponse<String> loginPage = stranger.get("/login");
        String wrongPassword = "wrong-" + UUID.randomUUID();
        secrets.add(wrongPassword);
        stranger.postForm("/login", Map.of("username", user.username(), "password", wrongPassword,
                "_csrf", TestOAuth.csrf(loginPage.body())));

        Http browser = Http.browser();
        TestOAuth.login(browser, user);
        HttpResponse<String> pending = browser.get(TestOAuth.authorizePath(TestOAuth.app(team, Map.of()), "read", "x",
                Pkce.create(), TestOAuth.REDIRECT_URI));
        secrets.add(Http.query(pending.headers().firstValue("Location").orElseThrow()).get("state"));

        Pkce pkce = Pkce.create();
        Map<String, String> callback = TestOAuth.authorize(browser, app, "openid read", pkce);
        secrets.add(callback.get("code"));
        JsonNode tokens = Http.json(TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI));
        secrets.add(tokens.get("access_token").asText());
        secrets.add(tokens.get("refresh_token").asText());
        secrets.add(tokens.get("id_token").asText());
        JsonNode refreshed = Http.json(TestOAuth.refresh(app, tokens.get("refresh_token").asText()));
        secrets.add(refreshed.get("access_token").asText());
        secrets.add(refreshed.get("refresh_token").asText());
        TestOAuth.introspect(refreshed.get("access_token").asText());
        TestOAuth.refresh(app, tokens.get("refresh_token").asText()); // reuse: revokes the family
        TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI); // code replay
        Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                "Authorization", Http.basic(app.clientId(), "not-the-secret-" + UUID.randomUUID()));

        HttpResponse<String> rotated = Http.api().postJson("/admin/v1/apps/" + app.id() + "/secret", Map.of(),
                "Authorization", TestOAuth.bearer(admin));
        secrets.add(Http.json(rotated).get("clientSecret").asText());

        App jwtApp = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "accessTokenFormat", "jwt", "scopes", List.of("read")));
        secrets.add(jwtApp.clientSecret());
        secrets.add(Http.json(Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                "Authorization", Http.basic(jwtApp.clientId(), jwtApp.clientSecret()))).get("access_token").asText());

        String initial = Http.json(Http.api().postJson("/admin/v1/registration-tokens", Map.of("teamId", team),
                "Authorization", TestOAuth.bearer(admin))).get("token").asText();
        secrets.add(initial);
        HttpResponse<String> registered = Http.api().postJson("/connect/register",
                Map.of("client_name", "Dynamic", "redirect_uris", List.of("https://dyn.example/cb")),
                "Authorization", TestOAuth.bearer(initial));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        secrets.add(Http.json(registered).get("client_secret").asText());
        secrets.add(Http.json(registered).get("registration_access_token").asText());
        Http.api().get("/admin/v1/teams", "Authorization", TestOAuth.bearer("lk_at_forged" + UUID.randomUUID()));

        broker(secrets);

        assertThat(secrets).doesNotContainNull().allSatisfy(s -> assertThat(s).hasSizeGreaterThan(10));
        return secrets;
    }

    /**
     * The token broker's flows: a service client, connect sessions (URL token, state, PKCE), code exchange, fetch,
     * 401-driven and forced refresh with rotation, an API key, a webhook secret; then every value the scripted
     * providers ever issued.
     */
    private static void broker(List<String> secrets) {
        BrokerTestbed testbed = BrokerTestbed.get();
        BrokerTestbed.Service service = BrokerTestbed.service(List.of("flow-tenant"));
        secrets.add(service.clientSecret());
        secrets.add(service.token());
        secrets.add(ScriptedProvider.DEFAULT_CLIENT_SECRET);

        for (String providerId : List.of(BrokerTestbed.STANDARD, BrokerTestbed.ROTATING)) {
            ScriptedProvider provider = testbed.provider(providerId);
            provider.registeredRedirectUri(java.net.URI.create(TestServer.get().baseUrl() + "/connect/callback"));
            BrokerTestbed.registerProviderApp(providerId, provider.clientId(), ScriptedProvider.DEFAULT_CLIENT_SECRET);
            JsonNode session = BrokerTestbed.openSession(service, "flow-tenant", "flow-user", providerId);
            String page = BrokerTestbed.path(session.get("connect_url").asText());
            secrets.add(page.substring(page.lastIndexOf('/') + 1));
            Http browser = Http.browser();
            HttpResponse<String> continued = browser.postForm(page, Map.of("_csrf", TestOAuth.csrf(browser.get(page).body())));
            java.net.URI authorize = java.net.URI.create(continued.headers().firstValue("Location").orElseThrow());
            secrets.add(ScriptedProvider.queryParameters(authorize).get("state"));
            secrets.add(browser.cookie("lk_connect").orElseThrow().getValue());
            java.net.URI callback = provider.approve(authorize);
            assertThat(browser.get(BrokerTestbed.path(callback.toString())).body()).contains("Connected");
            UUID connection = UUID.fromString(Http.json(Http.api().get("/broker/v1/connect-sessions/"
                    + session.get("id").asText(), "Authorization", service.bearer())).get("connectionId").asText());
            long version = Http.json(BrokerTestbed.fetch(service, connection)).get("version").asLong();
            assertThat(BrokerTestbed.report(service, connection, version).statusCode()).isEqualTo(200);
            assertThat(BrokerTestbed.report(service, connection, null).statusCode()).isEqualTo(200);
            BrokerTestbed.fetch(service, connection);
        }
        String apiKey = "sk_live_" + UUID.randomUUID();
        secrets.add(apiKey);
        UUID keyed = BrokerTestbed.connectApiKey(service, "flow-tenant", "flow-user", apiKey);
        BrokerTestbed.fetch(service, keyed);

        HttpResponse<String> webhook = Http.api().postJson("/admin/v1/broker/webhooks",
                Map.of("url", "http://127.0.0.1:9/hooks", "eventTypes", List.of("connection.created")),
                "Authorization", TestOAuth.bearer(TestOAuth.adminToken()));
        assertThat(webhook.statusCode()).as(webhook.body()).isEqualTo(201);
        secrets.add(Http.json(webhook).get("secret").asText());
        Http.api().delete("/admin/v1/broker/webhooks/" + Http.json(webhook).get("id").asText(),
                "Authorization", TestOAuth.bearer(TestOAuth.adminToken()));

        for (String providerId : List.of(BrokerTestbed.STANDARD, BrokerTestbed.ROTATING)) {
            secrets.addAll(testbed.provider(providerId).issuedSecrets());
        }
    }
}
