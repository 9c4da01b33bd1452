package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Token lifecycle and developer-portal events over real HTTP: each flow leaves its event, with the client or developer
 * as the actor, fingerprints instead of values, and a chain that still verifies.
 */
class TokenAuditTest {

    private static List<JsonNode> events(String admin, String query) {
        HttpResponse<String> response = Http.api().get("/admin/v1/audit/events?limit=1000&" + query, "Authorization", bearer(admin));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        Http.json(response).get("events").forEach(events::add);
        return events;
    }

    private static JsonNode single(String admin, String query) {
        List<JsonNode> events = events(admin, query);
        assertThat(events).as(query).hasSize(1);
        return events.get(0);
    }

    /** Introspections are counted and written every second: waits for the event of this token and outcome. */
    private static JsonNode introspected(String admin, String fingerprint, String outcome) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            List<JsonNode> events = events(admin, "action=token.introspected&outcome=" + outcome + "&target=" + enc("token:" + fingerprint));
            if (!events.isEmpty()) {
                return events.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no token.introspected (" + outcome + ") event for " + fingerprint);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    /** No audit row, in any column, holds one of the issued values. */
    private static void assertNoRowContains(List<String> secrets) {
        List<String> rows = TestServer.get().dsl().fetch("select cast(a as text) from audit_events a").getValues(0, String.class);
        for (String secret : secrets) {
            assertThat(rows).as("audit rows containing an issued value").noneMatch(row -> row.contains(secret));
        }
    }

    private static void assertChainVerifies(String admin) throws InterruptedException {
        JsonNode report = null;
        for (int i = 0; i < 100; i++) {
            report = ok(Http.api().get("/admin/v1/audit/verify", "Authorization", bearer(admin)));
            if (report.get("unchainedRows").asLong() == 0) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.get("unchainedRows").asLong()).isZero();
    }

    @Test
    void whenTokensAreIssuedRefreshedReplayedRevokedAndIntrospectedThenEachIsAuditedWithoutTokenValues()
            throws InterruptedException {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        App app = TestOAuth.app(team, Map.of("grantTypes", List.of("authorization_code", "refresh_token", "client_credentials")));
        List<String> secrets = new ArrayList<>(List.of(app.clientSecret()));

        // Client credentials: issued through the group-commit batch.
        JsonNode cc = ok(Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials", "scope", "read"),
                "Authorization", Http.basic(app.clientId(), app.clientSecret())));
        String ccToken = cc.get("access_token").asText();
        secrets.add(ccToken);

        // Code exchange, then refresh, then reuse of the rotated-away refresh token.
        Http browser = Http.browser();
        TestOAuth.login(browser, user);
        Pkce pkce = Pkce.create();
        String code = TestOAuth.authorize(browser, app, "read", pkce).get("code");
        JsonNode exchanged = ok(TestOAuth.exchange(app, code, pkce, TestOAuth.REDIRECT_URI));
        String refresh1 = exchanged.get("refresh_token").asText();
        secrets.addAll(List.of(code, exchanged.get("access_token").asText(), refresh1));
        JsonNode refreshed = ok(TestOAuth.refresh(app, refresh1));
        secrets.addAll(List.of(refreshed.get("access_token").asText(), refreshed.get("refresh_token").asText()));
        HttpResponse<String> reused = TestOAuth.refresh(app, refresh1);
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(400);

        // A second code, exchanged twice: the replay revokes what the first exchange issued.
        Pkce pkce2 = Pkce.create();
        String code2 = TestOAuth.authorize(browser, app, "read", pkce2).get("code");
        JsonNode exchanged2 = ok(TestOAuth.exchange(app, code2, pkce2, TestOAuth.REDIRECT_URI));
        secrets.addAll(List.of(code2, exchanged2.get("access_token").asText(), exchanged2.get("refresh_token").asText()));
        HttpResponse<String> replayed = TestOAuth.exchange(app, code2, pkce2, TestOAuth.REDIRECT_URI);
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(400);
        assertThat(TestOAuth.introspect(exchanged2.get("access_token").asText()).get("active").asBoolean()).isFalse();

        // Introspection (active), revocation (RFC 7009), introspection again (inactive).
        assertThat(TestOAuth.introspect(ccToken).get("active").asBoolean()).isTrue();
        HttpResponse<String> revoked = Http.api().postForm("/oauth2/revoke", Map.of("token", ccToken),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()));
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(TestOAuth.introspect(ccToken).get("active").asBoolean()).isFalse();

        String actor = "actor=" + enc(app.clientId());
        List<JsonNode> issued = events(admin, "action=token.issued&" + actor);
        assertThat(issued).extracting(e -> e.get("details").get("grant_type").asText())
                .containsExactlyInAnyOrder("client_credentials", "authorization_code", "authorization_code");
        JsonNode ccIssued = issued.stream().filter(e -> e.get("details").get("grant_type").asText().equals("client_credentials"))
                .findFirst().orElseThrow();
        assertThat(ccIssued.get("actor").get("type").asText()).isEqualTo("app");
        assertThat(ccIssued.get("target").get("type").asText()).isEqualTo("grant");
        assertThat(ccIssued.get("sourceIp").asText()).isIn("127.0.0.1", "::1");
        String ccFingerprint = ccIssued.get("details").get("access_token").asText();
        assertThat(ccFingerprint).startsWith("hmac:");
        JsonNode codeIssued = issued.stream().filter(e -> e.get("details").get("grant_type").asText().equals("authorization_code"))
                .findFirst().orElseThrow();
        assertThat(codeIssued.get("details").get("subject").asText()).isEqualTo(user.username());
        assertThat(codeIssued.get("details").get("refresh_token").asText()).startsWith("hmac:");

        JsonNode refreshEvent = single(admin, "action=token.refreshed&" + actor);
        assertThat(refreshEvent.get("outcome").asText()).isEqualTo("success");
        assertThat(refreshEvent.get("details").get("previous_refresh_token").asText()).startsWith("hmac:");

        JsonNode reuse = single(admin, "action=token.refresh_reuse_detected&" + actor);
        assertThat(reuse.get("outcome").asText()).isEqualTo("denied");
        assertThat(reuse.get("target").get("id").asText()).isEqualTo(refreshEvent.get("target").get("id").asText());
        assertThat(reuse.get("details").get("token").asText()).isEqualTo(refreshEvent.get("details").get("previous_refresh_token").asText());
        assertThat(reuse.get("details").get("tokens_revoked").asInt()).isPositive();

        JsonNode replay = single(admin, "action=token.code_replay_detected&" + actor);
        assertThat(replay.get("outcome").asText()).isEqualTo("denied");
        assertThat(replay.get("details").get("token_kind").asText()).isEqualTo("authorization_code");
        assertThat(replay.get("details").get("tokens_revoked").asInt()).isPositive();

        JsonNode revocation = single(admin, "action=token.revoked&" + actor);
        assertThat(revocation.get("outcome").asText()).isEqualTo("success");
        assertThat(revocation.get("target").get("id").asText()).isEqualTo(ccIssued.get("target").get("id").asText());
        assertThat(revocation.get("details").get("token").asText()).isEqualTo(ccFingerprint);

        JsonNode active = introspected(admin, ccFingerprint, "success");
        assertThat(active.get("actor").get("id").asText()).isEqualTo(TestServer.ADMIN_CLIENT_ID);
        assertThat(active.get("details").get("active").asBoolean()).isTrue();
        assertThat(active.get("details").get("introspections").asLong()).isPositive();
        assertThat(introspected(admin, ccFingerprint, "failure").get("details").get("active").asBoolean()).isFalse();

        assertNoRowContains(secrets);
        assertChainVerifies(admin);
    }

    @Test
    void whenADeveloperManagesAppsAndTokensThenEachChangeIsAuditedWithTheDeveloperAsActor() throws InterruptedException {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        User developer = TestOAuth.user(team, "developer");
        String apiToken = TestDeveloper.apiToken(developer);
        String spare = TestDeveloper.apiToken(developer);
        List<String> secrets = new ArrayList<>(List.of(apiToken, spare, developer.password()));

        App app = TestDeveloper.app(apiToken, Map.of());
        secrets.add(app.clientSecret());
        HttpResponse<String> updated = Http.api().sendJson("PUT", "/developer/v1/apps/" + app.id(), TestDeveloper.body(Map.of()),
                "Authorization", bearer(apiToken));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        JsonNode rotated = ok(Http.api().postJson("/developer/v1/apps/" + app.id() + "/secret", Map.of(), "Authorization", bearer(apiToken)));
        secrets.add(rotated.get("clientSecret").asText());
        assertThat(Http.api().delete("/developer/v1/apps/" + app.id(), "Authorization", bearer(apiToken)).statusCode()).isEqualTo(204);

        JsonNode tokens = ok(Http.api().get("/developer/v1/tokens", "Authorization", bearer(apiToken)));
        assertThat(tokens.size()).isEqualTo(2);
        String spareId = tokens.get(0).get("id").asText(); // newest first: the spare
        assertThat(Http.api().delete("/developer/v1/tokens/" + spareId, "Authorization", bearer(apiToken)).statusCode()).isEqualTo(204);
        assertThat(Http.api().get("/developer/v1/me", "Authorization", bearer(spare)).statusCode()).isEqualTo(401);

        String actor = "actor=" + enc(developer.username());
        assertThat(events(admin, "action=developer_token.created&" + actor)).hasSize(2)
                .allSatisfy(e -> {
                    assertThat(e.get("actor").get("type").asText()).isEqualTo("user");
                    assertThat(e.get("tenant").asText()).isEqualTo(team.toString());
                    assertThat(e.get("details").get("token").asText()).startsWith("hmac:");
                });
        String target = "&target=" + enc("app:" + app.id());
        assertThat(single(admin, "action=app.created&" + actor + target).get("details").get("clientId").asText())
                .isEqualTo(app.clientId());
        single(admin, "action=app.updated&" + actor + target);
        single(admin, "action=app.secret_rotated&" + actor + target);
        single(admin, "action=app.deleted&" + actor + target);
        JsonNode tokenRevoked = single(admin, "action=developer_token.revoked&" + actor);
        assertThat(tokenRevoked.get("target").get("id").asText()).isEqualTo(spareId);
        assertThat(tokenRevoked.get("sourceIp").asText()).isIn("127.0.0.1", "::1");

        assertNoRowContains(secrets);
        assertChainVerifies(admin);
    }

    @Test
    void whenClientAuthenticationFailsThenEachFailureIsAuditedWithTheClaimedClientAndNeverTheSecret() {
        String admin = TestOAuth.adminToken();
        App app = TestOAuth.app(TestOAuth.team(), Map.of("grantTypes", List.of("client_credentials")));
        String wrongSecret = "lk_cs_" + UUID.randomUUID().toString().replace("-", "");
        String otherWrongSecret = "wrong-" + UUID.randomUUID();
        String unknownClient = "lk_ci_unknown" + UUID.randomUUID().toString().replace("-", "");
        String requestId = "req-" + UUID.randomUUID();
        String[] source = {"User-Agent", "audit-test-client/1.0", "X-Request-Id", requestId};

        HttpResponse<String> token = Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                with(source, "Authorization", Http.basic(app.clientId(), wrongSecret)));
        HttpResponse<String> introspection = Http.api().postForm("/oauth2/introspect",
                Map.of("token", "anything", "client_id", app.clientId(), "client_secret", otherWrongSecret), source);
        HttpResponse<String> revocation = Http.api().postForm("/oauth2/revoke", Map.of("token", "anything"),
                with(source, "Authorization", Http.basic(unknownClient, wrongSecret)));
        HttpResponse<String> malformed = Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                with(source, "Authorization", "Basic not-base64!"));
        assertThat(List.of(token, introspection, revocation)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(401));
        assertThat(malformed.statusCode()).isEqualTo(400);

        List<JsonNode> failures = events(admin, "action=client.authentication&actor=" + enc(app.clientId()));
        assertThat(failures).extracting(e -> e.get("target").get("id").asText())
                .containsExactlyInAnyOrder("/oauth2/token", "/oauth2/introspect");
        assertThat(failures).allSatisfy(e -> {
            assertThat(e.get("actor").get("type").asText()).isEqualTo("app");
            assertThat(e.get("outcome").asText()).isEqualTo("failure");
            assertThat(e.get("target").get("type").asText()).isEqualTo("endpoint");
            assertThat(e.get("details").get("reason").asText()).isEqualTo("invalid_client");
            assertThat(e.get("sourceIp").asText()).isIn("127.0.0.1", "::1");
            assertThat(e.get("userAgent").asText()).isEqualTo("audit-test-client/1.0");
            assertThat(e.get("requestId").asText()).isEqualTo(requestId);
        });
        assertThat(failures).extracting(e -> e.get("details").get("method").asText())
                .containsExactlyInAnyOrder("client_secret_basic", "client_secret_post");
        JsonNode unknown = single(admin, "action=client.authentication&actor=" + enc(unknownClient));
        assertThat(unknown.get("target").get("id").asText()).isEqualTo("/oauth2/revoke");
        JsonNode unparseable = events(admin, "action=client.authentication&outcome=failure").stream()
                .filter(e -> requestId.equals(e.get("requestId").asText()) && e.get("actor").get("id").asText().equals("(unknown)"))
                .findFirst().orElseThrow();
        assertThat(unparseable.get("details").get("reason").asText()).isEqualTo("invalid_request");

        assertNoRowContains(List.of(wrongSecret, otherWrongSecret, wrongSecret.substring(6)));
    }

    @Test
    void whenGrantsAreRefusedThenEachIsAuditedWithTheClientAndTheErrorButNotTheValue()
            throws InterruptedException {
        String admin = TestOAuth.adminToken();
        App app = TestOAuth.app(TestOAuth.team(), Map.of()); // authorization_code and refresh_token
        String code = "lk_ac_" + UUID.randomUUID().toString().replace("-", "");
        String refreshToken = "lk_rt_" + UUID.randomUUID().toString().replace("-", "");
        String[] client = {"User-Agent", "grant-audit-test/1.0", "Authorization",
                Http.basic(app.clientId(), app.clientSecret())};

        // An unknown code is refused while the client authenticates (Spring looks it up to see whether it was issued
        // with PKCE): a client.authentication failure, recorded one by one and throttled there.
        for (int i = 0; i < 3; i++) {
            assertThat(error(Http.api().postForm("/oauth2/token", Map.of("grant_type", "authorization_code",
                    "code", code, "redirect_uri", TestOAuth.REDIRECT_URI), client))).isEqualTo("invalid_grant");
        }
        assertThat(events(admin, "action=client.authentication&actor=" + enc(app.clientId())))
                .hasSize(3).allSatisfy(e -> {
                    assertThat(e.get("details").get("reason").asText()).isEqualTo("invalid_grant");
                    assertThat(e.get("target").get("id").asText()).isEqualTo("/oauth2/token");
                });
        // Refusals by the grant itself are counted per second.
        Map<String, Integer> refusals = new java.util.HashMap<>();
        for (int i = 0; i < 2; i++) {
            refusals.merge("refresh_token " + error(Http.api().postForm("/oauth2/token",
                    Map.of("grant_type", "refresh_token", "refresh_token", refreshToken), client)), 1, Integer::sum);
        }
        refusals.merge("client_credentials " + error(Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials"), client)), 1, Integer::sum);
        assertThat(refusals).isEqualTo(Map.of("refresh_token invalid_grant", 2,
                "client_credentials unauthorized_client", 1));

        // Counted per second and written by the audit job: wait until every refusal is in.
        Map<String, Integer> audited = Map.of();
        for (int i = 0; i < 50 && !audited.equals(refusals); i++) {
            Thread.sleep(200);
            List<JsonNode> events = events(admin, "action=token.grant_failed&actor=" + enc(app.clientId()));
            assertThat(events).allSatisfy(e -> {
                assertThat(e.get("outcome").asText()).isEqualTo("failure");
                assertThat(e.get("actor").get("type").asText()).isEqualTo("app");
                assertThat(e.get("target").get("type").asText()).isEqualTo("grant_type");
                assertThat(e.get("sourceIp").asText()).isIn("127.0.0.1", "::1");
                assertThat(e.get("userAgent").asText()).isEqualTo("grant-audit-test/1.0");
            });
            audited = events.stream().collect(java.util.stream.Collectors.toMap(
                    e -> e.get("target").get("id").asText() + " " + e.get("details").get("error").asText(),
                    e -> e.get("details").get("failures").asInt(), Integer::sum));
        }
        assertThat(audited).isEqualTo(refusals);
        assertNoRowContains(List.of(code, refreshToken, code.substring(6), refreshToken.substring(6)));
    }

    /** The RFC 6749 error code of a refused token request. */
    private static String error(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        return Http.json(response).get("error").asText();
    }

    private static String[] with(String[] headers, String... more) {
        List<String> all = new ArrayList<>(List.of(headers));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
