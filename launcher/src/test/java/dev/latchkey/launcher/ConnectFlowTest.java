package dev.latchkey.launcher;

import static dev.latchkey.launcher.BrokerTestbed.path;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.provider.ScriptedProvider;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The connect flow's unhappy paths, over HTTP as a browser drives them (no browser needed: the pages are plain
 * forms and redirects, see {@link BrokerTestbed#connect}): whatever goes wrong — the user declines, the callback is
 * replayed, arrives in another browser, carries a made-up state or another authorization server's issuer, comes too
 * late, or the provider fails the code exchange — the end user lands on a page that says so (or on the service's return URL with the outcome), the
 * service sees the session's outcome, and the audit trail has an event. Never a 500.
 */
class ConnectFlowTest {

    private static final String NOT_CONNECTED = "Not connected";

    private final BrokerTestbed testbed = BrokerTestbed.get();
    private ScriptedProvider provider;
    private BrokerTestbed.Service service;

    @BeforeEach
    void setUp() {
        TestServer.get();
        testbed.reset();
        OddProvidersTest.quiesceScriptedConnections();
        provider = testbed.provider(BrokerTestbed.STANDARD);
        provider.denyAuthorization(false)
                .registeredRedirectUri(URI.create(TestServer.get().baseUrl() + "/connect/callback"));
        BrokerTestbed.registerProviderApp(BrokerTestbed.STANDARD, provider.clientId(),
                ScriptedProvider.DEFAULT_CLIENT_SECRET);
        service = BrokerTestbed.service(List.of("acme"));
    }

    @AfterEach
    void tearDown() {
        provider.denyAuthorization(false);
        testbed.provider(BrokerTestbed.ISSUER).denyAuthorization(false);
        testbed.reset();
    }

    // ------------------------------------------------------------------------------------------ at the provider

    @Test
    void whenTheUserDeclinesAtTheProviderThenNotConnectedWithAccessDeniedAndAnEvent() {
        provider.denyAuthorization(true);
        Flow flow = begin(null);
        URI callback = provider.approve(flow.authorizeUrl());
        assertThat(ScriptedProvider.queryParameters(callback)).containsEntry("error", "access_denied");

        HttpResponse<String> page = flow.browser().get(path(callback.toString()));

        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains(NOT_CONNECTED, "access_denied", "You declined access");
        JsonNode session = session(flow);
        assertThat(session.path("status").asText()).isEqualTo("failed");
        assertThat(session.path("error").asText()).isEqualTo("access_denied");
        assertThat(OddProvidersTest.absent(session.path("connectionId"))).isTrue();
        assertThat(connectFailed(flow)).singleElement().satisfies(event -> {
            assertThat(event.outcome()).isEqualTo("denied");
            assertThat(event.details().path("error").asText()).isEqualTo("access_denied");
        });
        assertThat(provider.tokenCalls("authorization_code")).isZero();
    }

    @Test
    void whenTheCodeExchangeFailsAtTheProviderThenNotConnectedWithProviderErrorAndAnEvent() {
        Flow flow = begin(null);
        URI callback = provider.approve(flow.authorizeUrl());
        provider.failNextTokenCalls(1, 500);

        HttpResponse<String> page = flow.browser().get(path(callback.toString()));

        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains(NOT_CONNECTED, "provider_error").doesNotContain("server_error");
        JsonNode session = session(flow);
        assertThat(session.path("status").asText()).isEqualTo("failed");
        assertThat(session.path("error").asText()).isEqualTo("provider_error");
        assertThat(connectFailed(flow)).singleElement().satisfies(event -> {
            assertThat(event.outcome()).isEqualTo("failure");
            assertThat(event.details().path("error").asText()).isEqualTo("provider_error");
            assertThat(event.details().path("provider_error").asText()).isEqualTo("server_error");
        });
        assertThat(provider.tokenCalls("authorization_code")).isEqualTo(1);
        assertThat(BrokerTestbed.count("select count(*)::int from connections where end_user = ?", flow.endUser()))
                .isZero();
    }

    // ------------------------------------------------------------------------------------------- the callback

    @Test
    void whenTheCallbackIsReplayedThenTheSecondArrivalFindsNoSession() {
        Flow flow = begin(null);
        String callback = path(provider.approve(flow.authorizeUrl()).toString());
        assertThat(flow.browser().get(callback).body()).contains("Connected").doesNotContain(NOT_CONNECTED);

        HttpResponse<String> replayed = flow.browser().get(callback);
        HttpResponse<String> elsewhere = Http.browser().get(callback);

        for (HttpResponse<String> page : List.of(replayed, elsewhere)) {
            assertThat(page.statusCode()).isEqualTo(400);
            assertThat(page.body()).contains(NOT_CONNECTED, "invalid_session");
        }
        assertThat(provider.tokenCalls("authorization_code")).as("the code is exchanged once").isEqualTo(1);
        assertThat(BrokerTestbed.count("select count(*)::int from connections where end_user = ?", flow.endUser()))
                .isEqualTo(1);
        assertThat(session(flow).path("status").asText()).isEqualTo("completed");
    }

    @Test
    void whenTheCallbackArrivesInAnotherBrowserThenItIsRefusedWithoutSpendingTheState() {
        Flow flow = begin(null);
        String callback = path(provider.approve(flow.authorizeUrl()).toString());

        HttpResponse<String> stranger = Http.browser().get(callback);
        HttpResponse<String> forged = Http.api().get(callback, "Cookie", "lk_connect=" + UUID.randomUUID());

        for (HttpResponse<String> page : List.of(stranger, forged)) {
            assertThat(page.statusCode()).isEqualTo(400);
            assertThat(page.body()).contains(NOT_CONNECTED, "wrong_browser", "another browser");
        }
        assertThat(provider.tokenCalls("authorization_code")).as("no code exchanged for a stranger").isZero();
        assertThat(session(flow).path("status").asText()).isEqualTo("authorizing");
        // A stolen callback URL cannot be used to cancel the user's flow: the browser that started it still finishes.
        HttpResponse<String> owner = flow.browser().get(callback);
        assertThat(owner.statusCode()).as(owner.body()).isEqualTo(200);
        assertThat(owner.body()).contains("Connected").doesNotContain(NOT_CONNECTED);
        assertThat(session(flow).path("status").asText()).isEqualTo("completed");
        HttpResponse<String> strangerAgain = Http.browser().get(callback);
        assertThat(strangerAgain.statusCode()).isEqualTo(400);
        assertThat(strangerAgain.body()).contains("invalid_session");
    }

    @Test
    void whenTheStateOrLinkIsUnknownOrGarbageThenA400PageNeverA500() {
        String longValue = "a".repeat(5_000);
        for (String garbage : List.of("/connect/callback", "/connect/callback?code=abc",
                "/connect/callback?state=garbage&code=abc", "/connect/callback?state=" + longValue + "&code=abc",
                "/connect/callback?error=access_denied", "/connect/callback?state=&error=access_denied",
                "/connect/callback?state=%E2%98%83&code=abc", "/connect/s/garbage", "/connect/s/lk_cn_garbage",
                "/connect/s/lk_cn_" + longValue.substring(0, 200))) {
            HttpResponse<String> page = Http.browser().get(garbage);
            assertThat(page.statusCode()).as(garbage).isEqualTo(400);
            assertThat(page.body()).as(garbage).contains(NOT_CONNECTED, "invalid_session");
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        }
        // Bytes that are not UTF-8: the servlet container refuses the query before any controller sees it.
        HttpResponse<String> undecodable = Http.browser().get("/connect/callback?state=%FF%FE&code=%FF",
                "Accept", "text/html");
        assertThat(undecodable.statusCode()).isEqualTo(400);
        // A form post to a made-up link, with a valid CSRF token from another connect page.
        Flow other = open(null);
        HttpResponse<String> shown = other.browser().get(other.page());
        HttpResponse<String> posted = other.browser().postForm("/connect/s/lk_cn_garbage",
                Map.of("_csrf", TestOAuth.csrf(shown.body())));
        assertThat(posted.statusCode()).isEqualTo(400);
        assertThat(posted.body()).contains(NOT_CONNECTED);
        HttpResponse<String> secret = other.browser().postForm(other.page() + "/secret",
                Map.of("_csrf", TestOAuth.csrf(shown.body()), "secret", "sk_x"));
        assertThat(secret.statusCode()).as("an OAuth provider takes no key").isEqualTo(400);
        assertThat(secret.body()).contains(NOT_CONNECTED);
    }

    // -------------------------------------------------------------------------------------- the issuer (RFC 9207)

    @Test
    void whenTheCallbackCarriesTheCataloguedIssuerThenTheAccountIsConnected() {
        ScriptedProvider issuing = issuingProvider();
        Flow flow = begin(BrokerTestbed.ISSUER, issuing, null);
        URI callback = issuing.approve(flow.authorizeUrl());
        assertThat(ScriptedProvider.queryParameters(callback)).containsEntry("iss", BrokerTestbed.issuerOf(issuing));

        arrivesConnected(flow, callback);
    }

    @Test
    void whenTheCallbackCarriesAnotherIssuerThenNotConnectedWithIssuerMismatchAndNoCodeIsExchanged() {
        ScriptedProvider issuing = issuingProvider();
        // In a mix-up attack the code, or the error, comes from another authorization server than the user was
        // sent to; that server names itself (or lies about its name, but cannot take the catalogued one).
        for (boolean declined : List.of(false, true)) {
            issuing.issuer(BrokerTestbed.issuerOf(issuing)).denyAuthorization(declined);
            Flow flow = begin(BrokerTestbed.ISSUER, issuing, null);
            issuing.issuer("http://127.0.0.1:1/attacker");
            URI callback = issuing.approve(flow.authorizeUrl());

            HttpResponse<String> page = flow.browser().get(path(callback.toString()));

            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            assertThat(page.body()).contains(NOT_CONNECTED, "issuer_mismatch", "did not come from the provider")
                    .doesNotContain("access_denied");
            JsonNode session = session(flow);
            assertThat(session.path("status").asText()).isEqualTo("failed");
            assertThat(session.path("error").asText()).isEqualTo("issuer_mismatch");
            assertThat(connectFailed(flow)).singleElement().satisfies(event -> {
                assertThat(event.outcome()).isEqualTo("failure");
                assertThat(event.details().path("error").asText()).isEqualTo("issuer_mismatch");
                assertThat(event.details().path("provider_error").asText()).isEqualTo("unexpected_iss");
            });
            assertThat(BrokerTestbed.count("select count(*)::int from connections where end_user = ?",
                    flow.endUser())).isZero();
        }
        assertThat(issuing.tokenCalls("authorization_code")).isZero();
    }

    @Test
    void whenTheProviderAlwaysSendsIssButTheCallbackHasNoneThenTheFlowFailsWithIssuerMismatch() {
        ScriptedProvider issuing = issuingProvider();
        Flow flow = begin(BrokerTestbed.ISSUER, issuing, "https://app.example/done");
        issuing.issuer(null);
        URI callback = issuing.approve(flow.authorizeUrl());
        assertThat(ScriptedProvider.queryParameters(callback)).containsKey("code").doesNotContainKey("iss");

        HttpResponse<String> back = flow.browser().get(path(callback.toString()));

        assertThat(back.statusCode()).isIn(302, 303);
        assertThat(Http.query(back.headers().firstValue("Location").orElseThrow()))
                .containsEntry("status", "failed").containsEntry("error", "issuer_mismatch")
                .doesNotContainKey("connection_id");
        assertThat(session(flow).path("error").asText()).isEqualTo("issuer_mismatch");
        assertThat(connectFailed(flow)).singleElement().satisfies(event ->
                assertThat(event.details().path("provider_error").asText()).isEqualTo("missing_iss"));
        assertThat(issuing.tokenCalls("authorization_code")).isZero();
    }

    @Test
    void whenAProviderWithoutACataloguedIssuerSendsIssThenItIsIgnored() {
        // Nothing trusted to compare it with: the scripted provider's catalog entry states no issuer.
        provider.issuer("http://127.0.0.1:1/anyone");
        Flow flow = begin(null);
        URI callback = provider.approve(flow.authorizeUrl());
        assertThat(ScriptedProvider.queryParameters(callback)).containsKey("iss");

        arrivesConnected(flow, callback);
    }

    // ------------------------------------------------------------------------------------- the link and session

    @Test
    void whenTheSessionHasExpiredThenThePageSaysSoAndNoCodeIsExchanged() {
        Flow unopened = open(null);
        assertThat(unopened.browser().get(unopened.page()).statusCode()).isEqualTo(200);
        Flow authorizing = begin(null);
        String callback = path(provider.approve(authorizing.authorizeUrl()).toString());
        for (Flow flow : List.of(unopened, authorizing)) {
            TestServer.get().dsl().execute(
                    "update connect_sessions set expires_at = now() - interval '1 second' where id = ?::uuid",
                    flow.sessionId());
        }

        HttpResponse<String> page = unopened.browser().get(unopened.page());
        HttpResponse<String> late = authorizing.browser().get(callback);

        for (HttpResponse<String> response : List.of(page, late)) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains(NOT_CONNECTED, "not valid any more", "invalid_session");
        }
        assertThat(provider.tokenCalls("authorization_code")).isZero();
        assertThat(session(unopened).path("status").asText()).isEqualTo("expired");
        assertThat(session(authorizing).path("status").asText()).isEqualTo("expired");
    }

    @Test
    void whenTheConnectLinkHasBeenUsedThenItCannotBeUsedAgain() {
        Flow flow = begin(null);
        flow.browser().get(path(provider.approve(flow.authorizeUrl()).toString()));
        assertThat(session(flow).path("status").asText()).isEqualTo("completed");

        HttpResponse<String> again = flow.browser().get(flow.page());
        HttpResponse<String> continued = flow.browser().postForm(flow.page(), Map.of("_csrf", flow.csrf()));

        for (HttpResponse<String> response : List.of(again, continued)) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains(NOT_CONNECTED, "invalid_session");
        }
        assertThat(Http.browser().get(flow.page()).statusCode()).isEqualTo(400);
        assertThat(provider.authorizations()).isEqualTo(1);
    }

    @Test
    void whenAFlowHasRunThenNeitherLinkTokenNorStateNorBindingIsStored() {
        Flow flow = begin(null);
        URI callback = provider.approve(flow.authorizeUrl());
        String binding = flow.browser().cookie("lk_connect").orElseThrow().getValue();
        String code = ScriptedProvider.queryParameters(callback).get("code");
        assertThat(flow.browser().get(path(callback.toString())).body()).contains("Connected");
        List<String> secrets = List.of(flow.token(), flow.state(), binding, code);
        assertThat(flow.token()).startsWith("lk_cn_");

        String row = TestServer.get().dsl().fetchValue(
                "select s::text from connect_sessions s where id = ?::uuid", flow.sessionId()).toString();

        for (String secret : secrets) {
            assertThat(row).doesNotContain(secret)
                    .doesNotContain(HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(HashedStorageScanTest.scan(TestServer.get().dsl(), secrets)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- the API

    @Test
    void whenOpeningASessionWithInvalidFieldsThenA400ProblemNamesTheField() {
        Map<String, Object> valid = Map.of("tenant", "acme", "endUser", "u-1", "provider", BrokerTestbed.STANDARD);
        Map<String, Map<String, Object>> invalid = new LinkedHashMap<>();
        for (String returnUrl : List.of("http://evil.example/done", "javascript:alert(1)", "//evil.example/done",
                "https://app.example/done#fragment", "https://user@app.example/done", "https:app.example",
                "https://app.example/a b", "ftp://app.example/done")) {
            invalid.put("returnUrl " + returnUrl, with(valid, "returnUrl", returnUrl));
        }
        invalid.put("provider unknown", with(valid, "provider", "no-such-provider"));
        invalid.put("provider missing", with(valid, "provider", null));
        invalid.put("parameters undeclared", with(valid, "parameters", Map.of("shop", "evil.example")));
        invalid.put("parameters pattern", with(with(valid, "provider", "salesforce"), "parameters",
                Map.of("loginHost", "evil.example")));
        invalid.put("tenant not allowed", with(valid, "tenant", "someone-else"));
        invalid.put("tenant malformed", with(valid, "tenant", "../acme"));
        invalid.put("endUser blank", with(valid, "endUser", " "));
        invalid.put("scopes with a quote", with(valid, "scopes", List.of("read\"")));

        for (var entry : invalid.entrySet()) {
            HttpResponse<String> response = Http.api().postJson("/broker/v1/connect-sessions", entry.getValue(),
                    "Authorization", service.bearer());
            assertThat(response.statusCode()).as(entry.getKey() + ": " + response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse(""))
                    .startsWith("application/problem+json");
            String field = entry.getKey().split(" ")[0];
            assertThat(Http.json(response).path("field").asText()).as(entry.getKey()).isEqualTo(field);
        }
        for (String returnUrl : List.of("https://app.example/done", "http://127.0.0.1:9/done",
                "http://localhost/done?x=1")) {
            HttpResponse<String> response = Http.api().postJson("/broker/v1/connect-sessions",
                    with(valid, "returnUrl", returnUrl), "Authorization", service.bearer());
            assertThat(response.statusCode()).as(returnUrl + ": " + response.body()).isEqualTo(201);
        }
    }

    @Test
    void whenAReturnUrlIsGivenThenTheBrowserGoesBackToItWithTheOutcome() {
        Flow connected = begin("https://app.example/done");
        HttpResponse<String> done = connected.browser().get(path(provider.approve(connected.authorizeUrl()).toString()));

        assertThat(done.statusCode()).as(done.body()).isIn(302, 303);
        String location = done.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("https://app.example/done?");
        JsonNode session = session(connected);
        assertThat(Http.query(location)).containsEntry("status", "connected")
                .containsEntry("connection_id", session.path("connectionId").asText())
                .containsEntry("connect_session", connected.sessionId()).doesNotContainKey("error");
        assertThat(session.path("status").asText()).isEqualTo("completed");

        provider.denyAuthorization(true);
        Flow declined = begin("https://app.example/done?tab=integrations");
        HttpResponse<String> back = declined.browser().get(path(provider.approve(declined.authorizeUrl()).toString()));

        assertThat(back.statusCode()).isIn(302, 303);
        assertThat(Http.query(back.headers().firstValue("Location").orElseThrow()))
                .containsEntry("tab", "integrations").containsEntry("status", "failed")
                .containsEntry("error", "access_denied").doesNotContainKey("connection_id");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A connect session, opened in a fresh browser (cookie jar) that has not visited it yet. */
    private record Flow(Http browser, String sessionId, String endUser, String page, String csrf, URI authorizeUrl) {

        /** The link's secret: the last path segment of the connect URL. */
        String token() {
            return page.substring(page.lastIndexOf('/') + 1);
        }

        String state() {
            return ScriptedProvider.queryParameters(authorizeUrl).get("state");
        }
    }

    private Flow open(String returnUrl) {
        return open(BrokerTestbed.STANDARD, returnUrl);
    }

    private Flow open(String providerId, String returnUrl) {
        Map<String, Object> body = new LinkedHashMap<>();
        String endUser = "user-" + UUID.randomUUID();
        body.put("tenant", "acme");
        body.put("endUser", endUser);
        body.put("provider", providerId);
        if (returnUrl != null) {
            body.put("returnUrl", returnUrl);
        }
        HttpResponse<String> opened = Http.api().postJson("/broker/v1/connect-sessions", body,
                "Authorization", service.bearer());
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(201);
        JsonNode session = Http.json(opened);
        return new Flow(Http.browser(), session.path("id").asText(), endUser,
                path(session.path("connect_url").asText()), null, null);
    }

    /** Opens a session and continues to the provider, as the browser does; stops before the provider answers. */
    private Flow begin(String returnUrl) {
        return begin(BrokerTestbed.STANDARD, provider, returnUrl);
    }

    private Flow begin(String providerId, ScriptedProvider provider, String returnUrl) {
        Flow opened = open(providerId, returnUrl);
        HttpResponse<String> shown = opened.browser().get(opened.page());
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String csrf = TestOAuth.csrf(shown.body());
        HttpResponse<String> continued = opened.browser().postForm(opened.page(), Map.of("_csrf", csrf));
        assertThat(continued.statusCode()).as(continued.body()).isEqualTo(302);
        URI authorize = URI.create(continued.headers().firstValue("Location").orElseThrow());
        assertThat(authorize.toString()).startsWith(provider.authorizeUri().toString());
        return new Flow(opened.browser(), opened.sessionId(), opened.endUser(), opened.page(), csrf, authorize);
    }

    /** The browser brings the provider's answer back to the callback, and the account is connected. */
    private void arrivesConnected(Flow flow, URI callback) {
        HttpResponse<String> page = flow.browser().get(path(callback.toString()));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("Connected").doesNotContain(NOT_CONNECTED);
        assertThat(session(flow).path("status").asText()).isEqualTo("completed");
    }

    /** The provider that speaks RFC 9207, ready for the connect flow (it is reset to its issuer after each test). */
    private ScriptedProvider issuingProvider() {
        ScriptedProvider issuing = testbed.provider(BrokerTestbed.ISSUER);
        issuing.registeredRedirectUri(URI.create(TestServer.get().baseUrl() + "/connect/callback"));
        BrokerTestbed.registerProviderApp(BrokerTestbed.ISSUER, issuing.clientId(),
                ScriptedProvider.DEFAULT_CLIENT_SECRET);
        return issuing;
    }

    private JsonNode session(Flow flow) {
        HttpResponse<String> response = Http.api().get("/broker/v1/connect-sessions/" + flow.sessionId(),
                "Authorization", service.bearer());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private record Audited(String outcome, JsonNode details) {
    }

    private static List<Audited> connectFailed(Flow flow) {
        return TestServer.get().dsl().fetch("""
                        select outcome, details::text from audit_events
                         where action = 'connection.connect_failed' and target_id = ? order by id""",
                        flow.sessionId())
                .map(row -> new Audited(row.get(0, String.class), Http.JSON.readTree(row.get(1, String.class))));
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(base);
        copy.put(key, value);
        return copy;
    }
}
