package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Client credentials, introspection (RFC 7662) and revocation (RFC 7009) over real HTTP. */
class ClientCredentialsGrantTest {

    private static final Map<String, String> GRANT = Map.of("grant_type", "client_credentials", "scope", "admin");

    @Test
    void whenSecretIsRightThenPrefixedOpaqueTokenIsIssuedAndIntrospectsActive() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token", GRANT,
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        JsonNode token = Http.json(response);
        assertThat(token.get("access_token").asText()).startsWith("lk_at_");
        assertThat(token.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(token.get("scope").asText()).isEqualTo("admin");
        assertThat(token.has("refresh_token")).isFalse();

        JsonNode introspection = TestOAuth.introspect(token.get("access_token").asText());
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("client_id").asText()).isEqualTo(TestServer.ADMIN_CLIENT_ID);
        assertThat(introspection.get("scope").asText()).isEqualTo("admin");
        assertThat(introspection.get("exp").asLong()).isGreaterThan(introspection.get("iat").asLong());
    }

    @Test
    void whenSecretIsWrongThenInvalidClient() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token", GRANT,
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET + "x"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(Http.json(response).get("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    void whenClientIsUnknownThenInvalidClient() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token", GRANT,
                "Authorization", Http.basic("no-such-client", "whatever-secret"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(Http.json(response).get("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    void whenScopeIsNotRegisteredThenInvalidScope() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", "admin superuser"),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void whenPasswordGrantIsAskedThenUnsupportedGrantType() {
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "password", "username", "a", "password", "b"),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).get("error").asText()).isEqualTo("unsupported_grant_type");
    }

    @Test
    void whenTokenIsRevokedThenIntrospectionSaysInactiveAndAdminApiRejectsIt() {
        String token = TestOAuth.adminToken();
        assertThat(Http.api().get("/admin/v1/teams", "Authorization", bearer(token)).statusCode()).isEqualTo(200);

        HttpResponse<String> revoke = Http.api().postForm("/oauth2/revoke", Map.of("token", token),
                "Authorization", Http.basic(TestServer.ADMIN_CLIENT_ID, TestServer.ADMIN_CLIENT_SECRET));
        assertThat(revoke.statusCode()).isEqualTo(200);

        assertThat(TestOAuth.introspect(token).get("active").asBoolean()).isFalse();
        HttpResponse<String> rejected = Http.api().get("/admin/v1/teams", "Authorization", bearer(token));
        assertThat(rejected.statusCode()).isEqualTo(401);
        assertThat(rejected.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        assertThat(rejected.body()).doesNotContain(token);
    }

    @Test
    void whenUnknownTokenIsIntrospectedThenInactive() {
        assertThat(TestOAuth.introspect("lk_at_notarealtoken").get("active").asBoolean()).isFalse();
    }

    @Test
    void whenAppIsConfiguredForJwtThenAccessTokenIsRfc9068Jwt() {
        var team = TestOAuth.team();
        var app = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "accessTokenFormat", "jwt", "scopes", List.of("read")));
        HttpResponse<String> response = Http.api().postForm("/oauth2/token",
                Map.of("grant_type", "client_credentials", "scope", "read"),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String jwt = Http.json(response).get("access_token").asText();
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode header = Http.JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = Http.JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("typ").asText()).isEqualTo("at+jwt");
        assertThat(header.get("kid").asText()).isNotBlank();
        assertThat(claims.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(claims.get("aud").toString()).contains(TestServer.get().baseUrl());
        assertThat(claims.get("iss").asText()).isEqualTo(TestServer.get().baseUrl());
        assertThat(claims.get("jti").asText()).isNotBlank();

        JsonNode jwks = Http.json(Http.api().get("/oauth2/jwks"));
        assertThat(jwks.toString()).contains(header.get("kid").asText());
        assertThat(jwks.toString()).doesNotContain("\"d\"");
        assertThat(TestOAuth.introspect(jwt).get("active").asBoolean()).isTrue();
    }
}
