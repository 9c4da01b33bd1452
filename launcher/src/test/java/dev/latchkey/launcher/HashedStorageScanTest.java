package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.launcher.TestOAuth.App;
import dev.latchkey.launcher.TestOAuth.Pkce;
import dev.latchkey.launcher.TestOAuth.User;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Runs every flow that issues a secret value, then scans every text, bytea, json and array column of every table
 * for each value (as text, as raw bytes and hex-encoded) and finds none: the database holds hashes only.
 */
class HashedStorageScanTest {

    @Test
    void whenEveryFlowHasRunThenNoIssuedValueIsStoredAnywhere() {
        List<String> secrets = new ArrayList<>();
        secrets.add(TestServer.ADMIN_CLIENT_SECRET);
        secrets.add(TestServer.ADMIN_PASSWORD);
        String adminToken = TestOAuth.adminToken();
        secrets.add(adminToken);

        UUID team = TestOAuth.team();
        User user = TestOAuth.user(team);
        secrets.add(user.password());
        App app = TestOAuth.app(team, Map.of());
        secrets.add(app.clientSecret());

        Http browser = Http.browser();
        TestOAuth.login(browser, user);
        Pkce pkce = Pkce.create();
        // Leave one consent in flight so its state is in the database during the scan.
        HttpResponse<String> pending = browser.get(TestOAuth.authorizePath(TestOAuth.app(team, Map.of()), "read", "x", Pkce.create(), TestOAuth.REDIRECT_URI));
        secrets.add(Http.query(pending.headers().firstValue("Location").orElseThrow()).get("state"));

        Map<String, String> callback = TestOAuth.authorize(browser, app, "openid read", pkce);
        secrets.add(callback.get("code"));
        JsonNode tokens = Http.json(TestOAuth.exchange(app, callback.get("code"), pkce, TestOAuth.REDIRECT_URI));
        secrets.add(tokens.get("access_token").asText());
        secrets.add(tokens.get("refresh_token").asText());
        secrets.add(tokens.get("id_token").asText());
        JsonNode refreshed = Http.json(TestOAuth.refresh(app, tokens.get("refresh_token").asText()));
        secrets.add(refreshed.get("access_token").asText());
        secrets.add(refreshed.get("refresh_token").asText());

        HttpResponse<String> rotated = Http.api().postJson("/admin/v1/apps/" + app.id() + "/secret", Map.of(),
                "Authorization", TestOAuth.bearer(adminToken));
        secrets.add(Http.json(rotated).get("clientSecret").asText());

        App jwtApp = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "accessTokenFormat", "jwt", "scopes", List.of("read")));
        secrets.add(jwtApp.clientSecret());
        secrets.add(Http.json(Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                "Authorization", Http.basic(jwtApp.clientId(), jwtApp.clientSecret()))).get("access_token").asText());

        HttpResponse<String> initial = Http.api().postJson("/admin/v1/registration-tokens", Map.of("teamId", team),
                "Authorization", TestOAuth.bearer(adminToken));
        String initialToken = Http.json(initial).get("token").asText();
        secrets.add(initialToken);
        HttpResponse<String> registered = Http.api().postJson("/connect/register",
                Map.of("client_name", "Dynamic", "redirect_uris", List.of("https://dyn.example/cb")),
                "Authorization", TestOAuth.bearer(initialToken));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        secrets.add(Http.json(registered).get("client_secret").asText());
        secrets.add(Http.json(registered).get("registration_access_token").asText());

        assertThat(secrets).doesNotContainNull().allSatisfy(s -> assertThat(s).hasSizeGreaterThan(10));
        List<String> findings = scan(TestServer.get().dsl(), secrets);
        assertThat(findings).isEmpty();
    }

    /** Every (table, column, value) where a secret value appears. */
    static List<String> scan(DSLContext dsl, List<String> secrets) {
        List<Record3<String, String, String>> columns = dsl.resultQuery("""
                select table_name::text, column_name::text, data_type::text from information_schema.columns
                where table_schema = 'public' and table_name <> 'flyway_schema_history'
                  and data_type in ('text', 'character varying', 'bytea', 'json', 'jsonb', 'ARRAY')
                """).coerce(org.jooq.impl.DSL.field("t", String.class), org.jooq.impl.DSL.field("c", String.class),
                org.jooq.impl.DSL.field("d", String.class)).fetch();
        assertThat(columns).as("the scan sees the schema").hasSizeGreaterThan(20);
        List<String> findings = new ArrayList<>();
        for (var column : columns) {
            String table = column.value1();
            String name = column.value2();
            String type = column.value3();
            for (String secret : secrets) {
                String condition = type.equals("bytea")
                        ? "position(convert_to({0}, 'UTF8') in \"" + name + "\") > 0 or encode(\"" + name + "\", 'hex') like {1}"
                        : "\"" + name + "\"::text like {1} or \"" + name + "\"::text like {2}";
                String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
                int hits = dsl.fetchCount(dsl.selectOne().from("\"" + table + "\"").where(condition,
                        org.jooq.impl.DSL.val(secret), org.jooq.impl.DSL.val("%" + (type.equals("bytea") ? hex : escape(secret)) + "%"),
                        org.jooq.impl.DSL.val("%" + hex + "%")));
                if (hits > 0) {
                    findings.add(table + "." + name + " holds an issued value (" + secret.substring(0, 6) + "…)");
                }
            }
        }
        return findings;
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
