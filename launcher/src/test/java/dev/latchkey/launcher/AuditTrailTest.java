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
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The audit trail over real HTTP: recorded events, search, verification, tamper detection, exports, scopes. */
class AuditTrailTest {

    private static JsonNode events(String token, String query) {
        HttpResponse<String> response = Http.api().get("/admin/v1/audit/events?" + query, "Authorization", bearer(token));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static JsonNode single(String token, String query) {
        JsonNode events = events(token, query).get("events");
        assertThat(events.size()).as(query + " → " + events).isEqualTo(1);
        return events.get(0);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Waits until the chainer (every second) has linked every committed row, then returns the verify report. */
    private static JsonNode verifiedOnceChained(String token) throws InterruptedException {
        JsonNode report = null;
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> response = Http.api().get("/admin/v1/audit/verify", "Authorization", bearer(token));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            report = Http.json(response);
            if (report.get("unchainedRows").asLong() == 0) {
                return report;
            }
            Thread.sleep(200);
        }
        return report;
    }

    @Test
    void whenAdminChangesStateThenEventsNameTheAdminClientAndHoldNoSecrets() {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        App app = TestOAuth.app(team, Map.of());
        HttpResponse<String> rotated = Http.api().postJson("/admin/v1/apps/" + app.id() + "/secret", Map.of(), "Authorization", bearer(admin));
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String newSecret = Http.json(rotated).get("clientSecret").asText();
        assertThat(Http.api().postJson("/admin/v1/apps/" + app.id() + "/publish", Map.of(), "Authorization", bearer(admin)).statusCode())
                .isEqualTo(200);
        HttpResponse<String> issued = Http.api().postJson("/admin/v1/registration-tokens", Map.of("teamId", team), "Authorization", bearer(admin));
        assertThat(issued.statusCode()).isEqualTo(201);
        String registrationToken = Http.json(issued).get("token").asText();

        JsonNode teamEvent = single(admin, "action=team.created&target=" + enc("team:" + team));
        assertThat(teamEvent.get("actor").get("type").asText()).isEqualTo("admin");
        assertThat(teamEvent.get("actor").get("id").asText()).isEqualTo(TestServer.ADMIN_CLIENT_ID);
        assertThat(teamEvent.get("outcome").asText()).isEqualTo("success");
        assertThat(teamEvent.get("tenant").asText()).isEqualTo(team.toString());
        assertThat(teamEvent.get("sourceIp").asText()).isIn("127.0.0.1", "::1");

        JsonNode created = single(admin, "action=app.created&target=" + enc("app:" + app.id()));
        assertThat(created.get("details").get("clientId").asText()).isEqualTo(app.clientId());
        single(admin, "action=app.secret_rotated&target=" + enc("app:" + app.id()));
        single(admin, "action=app.published&target=" + enc("app:" + app.id()));
        single(admin, "action=registration_token.issued&tenant=" + team);

        HttpResponse<String> all = Http.api().get("/admin/v1/audit/events?tenant=" + team + "&limit=1000", "Authorization", bearer(admin));
        assertThat(all.body()).doesNotContain(app.clientSecret()).doesNotContain(newSecret).doesNotContain(registrationToken);

        // Dynamic registration: the app is the actor; the registration access token and secret never appear.
        HttpResponse<String> registered = Http.api().postJson("/connect/register", Map.of(
                "client_name", "Audited", "redirect_uris", List.of("https://dyn.example/cb"), "scope", "read",
                "grant_types", List.of("authorization_code", "refresh_token")), "Authorization", bearer(registrationToken));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        JsonNode client = Http.json(registered);
        String clientId = client.get("client_id").asText();
        HttpResponse<String> deleted = Http.api().delete("/connect/register/" + clientId,
                "Authorization", bearer(client.get("registration_access_token").asText()));
        assertThat(deleted.statusCode()).isEqualTo(204);
        JsonNode registration = single(admin, "action=app.registered&actor=" + clientId);
        assertThat(registration.get("actor").get("type").asText()).isEqualTo("app");
        single(admin, "action=app.deleted&actor=" + clientId);
        HttpResponse<String> dynamic = Http.api().get("/admin/v1/audit/events?actor=" + clientId, "Authorization", bearer(admin));
        assertThat(dynamic.body()).doesNotContain(client.get("registration_access_token").asText())
                .doesNotContain(client.get("client_secret").asText());
    }

    @Test
    void whenUsersSignInAndConsentThenSuccessFailureGrantAndRevokeAreRecordedWithoutPasswords() {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        Http browser = Http.browser();
        HttpResponse<String> page = browser.get("/login");
        String wrongPassword = "wrong-" + UUID.randomUUID();
        HttpResponse<String> failed = browser.postForm("/login",
                Map.of("username", user.username(), "password", wrongPassword, "_csrf", TestOAuth.csrf(page.body())));
        assertThat(failed.headers().firstValue("Location").orElseThrow()).contains("error");
        TestOAuth.login(browser, user);

        JsonNode failure = single(admin, "action=user.login&outcome=failure&actor=" + user.username());
        assertThat(failure.get("actor").get("type").asText()).isEqualTo("user");
        assertThat(failure.get("details").get("reason").asText()).isEqualTo("BadCredentialsException");
        single(admin, "action=user.login&outcome=success&actor=" + user.username());

        App app = TestOAuth.app(team, Map.of());
        TestOAuth.authorize(browser, app, "read", Pkce.create());
        JsonNode granted = single(admin, "action=consent.granted&actor=" + user.username());
        assertThat(granted.get("target").get("id").asText()).isEqualTo(app.id().toString());
        HttpResponse<String> connected = browser.get("/account/apps");
        HttpResponse<String> revoked = browser.postForm("/account/apps/" + app.id() + "/revoke",
                Map.of("_csrf", TestOAuth.csrf(connected.body())));
        assertThat(revoked.statusCode()).isEqualTo(302);
        single(admin, "action=consent.revoked&actor=" + user.username());

        HttpResponse<String> all = Http.api().get("/admin/v1/audit/events?actor=" + user.username(), "Authorization", bearer(admin));
        assertThat(all.body()).doesNotContain(wrongPassword).doesNotContain(user.password());
    }

    @Test
    void whenPagingThenTheCursorContinuesWithOlderEvents() {
        String admin = TestOAuth.adminToken();
        TestOAuth.team();
        TestOAuth.team();
        JsonNode first = events(admin, "action=team.created&limit=1");
        String cursor = first.get("nextCursor").asText();
        JsonNode second = events(admin, "action=team.created&limit=1&cursor=" + enc(cursor));
        assertThat(second.get("events").get(0).get("id").asLong()).isLessThan(first.get("events").get(0).get("id").asLong());
    }

    @Test
    void whenFiltersAreMalformedThenProblemJson400() {
        String admin = TestOAuth.adminToken();
        for (String query : List.of("from=yesterday", "to=2026-13-01T00:00:00Z", "outcome=maybe", "actorType=robot", "limit=0",
                "limit=5000", "limit=ten", "cursor=forged", "cursor=c1AAAA", "target=", "bogus=1",
                "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")) {
            HttpResponse<String> response = Http.api().get("/admin/v1/audit/events?" + query, "Authorization", bearer(admin));
            assertThat(response.statusCode()).as(query + " → " + response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        }
        HttpResponse<String> format = Http.api().get("/admin/v1/audit/export?format=xml", "Authorization", bearer(admin));
        assertThat(format.statusCode()).as(format.body()).isEqualTo(400);
        assertThat(format.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    }

    @Test
    void whenChainedThenVerifyIsOkAndAnEditedRowIsReportedAsEdited() throws InterruptedException {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        long id = single(admin, "action=team.created&target=" + enc("team:" + team)).get("id").asLong();

        JsonNode report = verifiedOnceChained(admin);
        assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
        assertThat(report.get("headSeq").asLong()).isPositive();

        var dsl = TestServer.get().dsl();
        String original = dsl.fetchValue("select actor_id from audit_events where id = ?", id).toString();
        tamper("update audit_events set actor_id = 'mallory' where id = " + id);
        try {
            HttpResponse<String> response = Http.api().get("/admin/v1/audit/verify", "Authorization", bearer(admin));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode tampered = Http.json(response);
            assertThat(tampered.get("ok").asBoolean()).isFalse();
            assertThat(tampered.get("reason").asText()).isEqualTo("EDITED");
            assertThat(tampered.get("firstBadId").asLong()).isEqualTo(id);
        } finally {
            tamper("update audit_events set actor_id = '" + original.replace("'", "''") + "' where id = " + id);
        }
        assertThat(verifiedOnceChained(admin).get("ok").asBoolean()).isTrue();
    }

    @Test
    void whenAnAdminChangesAppsAndScopesOnTheAdminPagesThenEachChangeIsAuditedInItsTransaction() {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        App app = TestOAuth.app(team, Map.of());
        Http browser = Http.browser();
        TestOAuth.login(browser, new User(null, TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD));
        String csrf = TestOAuth.csrf(browser.get("/admin/apps").body());
        String scope = "pages-" + UUID.randomUUID().toString().substring(0, 8);
        String kept = scope + "-kept";

        for (String path : List.of("/admin/apps/" + app.id() + "/publish", "/admin/apps/" + app.id() + "/unpublish")) {
            assertThat(browser.postForm(path, Map.of("_csrf", csrf)).statusCode()).as(path).isEqualTo(302);
        }
        for (Map<String, String> form : List.of(Map.of("name", scope, "description", "Read pages"),
                Map.of("name", kept, "description", "Kept pages"))) {
            assertThat(browser.postForm("/admin/scopes", with(form, csrf)).statusCode()).isEqualTo(302);
        }
        assertThat(browser.postForm("/admin/scopes/update", with(Map.of("name", scope, "description", "Read every page"), csrf))
                .statusCode()).isEqualTo(302);
        assertThat(browser.postForm("/admin/scopes/delete", with(Map.of("name", scope), csrf)).statusCode()).isEqualTo(302);

        String appTarget = "&target=" + enc("app:" + app.id());
        for (String action : List.of("app.published", "app.unpublished")) {
            JsonNode event = single(admin, "action=" + action + appTarget);
            assertThat(event.get("actor").get("type").asText()).isEqualTo("admin");
            assertThat(event.get("actor").get("id").asText()).isEqualTo(TestServer.ADMIN_USERNAME);
            assertThat(event.get("tenant").asText()).isEqualTo(team.toString());
            assertThat(event.get("details").get("clientId").asText()).isEqualTo(app.clientId());
            assertThat(event.get("sourceIp").asText()).isIn("127.0.0.1", "::1");
        }
        String scopeTarget = "&target=" + enc("scope:" + scope);
        assertThat(single(admin, "action=scope.created" + scopeTarget).get("details").get("description").asText())
                .isEqualTo("Read pages");
        assertThat(single(admin, "action=scope.updated" + scopeTarget).get("details").get("description").asText())
                .isEqualTo("Read every page");
        assertThat(single(admin, "action=scope.deleted" + scopeTarget).get("actor").get("id").asText())
                .isEqualTo(TestServer.ADMIN_USERNAME);

        // The change and its event commit together: when the event cannot be written, the scope stays.
        sql("""
                create function test_refuse_audit() returns trigger language plpgsql as $$
                begin
                  if new.action = 'scope.deleted' and new.target_id = '%s' then raise exception 'audit store refused'; end if;
                  return new;
                end $$""".formatted(kept),
                "create trigger test_refuse_audit before insert on audit_events for each row execute function test_refuse_audit()");
        try {
            HttpResponse<String> refused = browser.postForm("/admin/scopes/delete", with(Map.of("name", kept), csrf));
            assertThat(refused.statusCode()).isEqualTo(500);
        } finally {
            sql("drop trigger test_refuse_audit on audit_events", "drop function test_refuse_audit()");
        }
        assertThat(Http.api().get("/admin/v1/scopes/" + kept, "Authorization", bearer(admin)).statusCode()).isEqualTo(200);
        assertThat(events(admin, "action=scope.deleted&target=" + enc("scope:" + kept)).get("events").size()).isZero();
    }

    /** Statements as the database owner, outside jOOQ (PL/pgSQL bodies are passed as they are). */
    private static void sql(String... statements) {
        try (java.sql.Connection c = TestServer.get().bean(javax.sql.DataSource.class).getConnection();
                java.sql.Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> with(Map<String, String> form, String csrf) {
        Map<String, String> all = new java.util.HashMap<>(form);
        all.put("_csrf", csrf);
        return all;
    }

    /** Plays the attacker with full database access: the append-only triggers switched off for one statement. */
    private static void tamper(String sql) {
        TestServer.get().dsl().transaction(tx -> {
            tx.dsl().execute("alter table audit_events disable trigger all");
            tx.dsl().execute(sql);
            tx.dsl().execute("alter table audit_events enable trigger all");
        });
    }

    @Test
    void whenExportingThenJsonLinesAndCsvStreamAndParse() {
        String admin = TestOAuth.adminToken();
        UUID team = TestOAuth.team();
        TestOAuth.app(team, Map.of());

        HttpResponse<String> jsonl = Http.api().get("/admin/v1/audit/export?format=jsonl&tenant=" + team, "Authorization", bearer(admin));
        assertThat(jsonl.statusCode()).as(jsonl.body()).isEqualTo(200);
        assertThat(jsonl.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/x-ndjson");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : jsonl.body().split("\n")) {
            if (!line.isEmpty()) {
                lines.add(Http.JSON.readTree(line));
            }
        }
        assertThat(lines).extracting(l -> l.get("action").asText()).containsExactly("team.created", "app.created");

        HttpResponse<String> csv = Http.api().get("/admin/v1/audit/export?format=csv&tenant=" + team, "Authorization", bearer(admin));
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        String[] rows = csv.body().split("\r\n");
        assertThat(rows).hasSize(3);
        List<String> header = List.of(rows[0].split(","));
        assertThat(header).contains("action", "actor_id", "outcome");
        int action = header.indexOf("action");
        assertThat(rows[1].split(",")[action]).isEqualTo("team.created");
        assertThat(rows[2].split(",")[action]).isEqualTo("app.created");
    }

    @Test
    void whenTokenHasOnlyAuditReadThenItReadsTheTrailButNothingElseAndOtherScopesGet403() {
        UUID team = TestOAuth.team();
        String auditor = clientCredentialsToken(team, "audit:read");
        assertThat(Http.api().get("/admin/v1/audit/events", "Authorization", bearer(auditor)).statusCode()).isEqualTo(200);
        assertThat(Http.api().get("/admin/v1/audit/verify", "Authorization", bearer(auditor)).statusCode()).isEqualTo(200);
        assertThat(Http.api().get("/admin/v1/audit/export?format=csv", "Authorization", bearer(auditor)).statusCode()).isEqualTo(200);
        assertThat(Http.api().get("/admin/v1/teams", "Authorization", bearer(auditor)).statusCode()).isEqualTo(403);
        assertThat(Http.api().postJson("/admin/v1/teams", Map.of("name", "nope-" + UUID.randomUUID()), "Authorization", bearer(auditor))
                .statusCode()).isEqualTo(403);
        assertThat(Http.api().postJson("/admin/v1/signing-keys/rotate", Map.of(), "Authorization", bearer(auditor)).statusCode())
                .isEqualTo(403);

        String reader = clientCredentialsToken(team, "read");
        for (String path : List.of("/admin/v1/audit/events", "/admin/v1/audit/verify", "/admin/v1/audit/export", "/admin/v1/teams")) {
            HttpResponse<String> response = Http.api().get(path, "Authorization", bearer(reader));
            assertThat(response.statusCode()).as(path).isEqualTo(403);
        }
        assertThat(Http.api().get("/admin/v1/audit/events").statusCode()).isEqualTo(401);
    }

    private static String clientCredentialsToken(UUID team, String scope) {
        App app = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "scopes", List.of(scope)));
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", scope),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response).get("access_token").asText();
    }
}
