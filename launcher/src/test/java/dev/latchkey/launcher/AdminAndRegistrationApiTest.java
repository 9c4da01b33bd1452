package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The admin REST API (problem+json) and RFC 7591/7592 dynamic registration. */
class AdminAndRegistrationApiTest {

    @Test
    void whenNoTokenThenAdminApiAnswers401ProblemJson() {
        HttpResponse<String> response = Http.api().get("/admin/v1/teams");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
    }

    @Test
    void whenTokenLacksAdminScopeThenAdminApiAnswers403() {
        UUID team = TestOAuth.team();
        var app = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(), "scopes", List.of("read")));
        String token = Http.json(Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()))).get("access_token").asText();
        HttpResponse<String> response = Http.api().get("/admin/v1/teams", "Authorization", bearer(token));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
    }

    @Test
    void whenAppMetadataIsInvalidThenProblemJsonNamesTheField() {
        UUID team = TestOAuth.team();
        String admin = bearer(TestOAuth.adminToken());
        Map<String, Object> base = Map.of("teamId", team, "name", "x", "grantTypes", List.of("authorization_code"));
        for (var bad : List.of(
                Map.of("redirectUris", List.of("http://evil.example/cb")),
                Map.of("redirectUris", List.of("https://ok.example/cb#frag")),
                Map.of("redirectUris", List.of("https://*.example/cb")),
                Map.of("redirectUris", List.of("not a uri")))) {
            var body = new java.util.HashMap<String, Object>(base);
            body.putAll(bad);
            HttpResponse<String> response = Http.api().postJson("/admin/v1/apps", body, "Authorization", admin);
            assertThat(response.statusCode()).as(bad.toString()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(Http.json(response).get("field").asText()).isEqualTo("redirectUris");
        }
        HttpResponse<String> malformed = Http.api().postJson("/admin/v1/apps", "{not json", "Authorization", admin);
        assertThat(malformed.statusCode()).isEqualTo(400);
        HttpResponse<String> unknownTeam = Http.api().postJson("/admin/v1/apps",
                Map.of("teamId", UUID.randomUUID(), "name", "x", "grantTypes", List.of("client_credentials")), "Authorization", admin);
        assertThat(unknownTeam.statusCode()).isEqualTo(400);
        HttpResponse<String> notFound = Http.api().get("/admin/v1/apps/" + UUID.randomUUID(), "Authorization", admin);
        assertThat(notFound.statusCode()).isEqualTo(404);
        HttpResponse<String> badId = Http.api().get("/admin/v1/apps/not-a-uuid", "Authorization", admin);
        assertThat(badId.statusCode()).isEqualTo(400);
    }

    @Test
    void whenSecretIsRotatedThenOldSecretFailsAndNewWorks() {
        UUID team = TestOAuth.team();
        var app = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(), "scopes", List.of("read")));
        Map<String, String> grant = Map.of("grant_type", "client_credentials");
        assertThat(Http.api().postForm("/oauth2/token", grant, "Authorization", Http.basic(app.clientId(), app.clientSecret())).statusCode()).isEqualTo(200);
        JsonNode rotated = Http.json(Http.api().postJson("/admin/v1/apps/" + app.id() + "/secret", Map.of(),
                "Authorization", bearer(TestOAuth.adminToken())));
        String newSecret = rotated.get("clientSecret").asText();
        assertThat(newSecret).startsWith("lk_cs_").isNotEqualTo(app.clientSecret());
        assertThat(Http.api().postForm("/oauth2/token", grant, "Authorization", Http.basic(app.clientId(), app.clientSecret())).statusCode()).isEqualTo(401);
        assertThat(Http.api().postForm("/oauth2/token", grant, "Authorization", Http.basic(app.clientId(), newSecret)).statusCode()).isEqualTo(200);
    }

    @Test
    void whenAppIsDeletedThenItsTokensAreInactive() {
        UUID team = TestOAuth.team();
        var app = TestOAuth.app(team, Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(), "scopes", List.of("read")));
        String token = Http.json(Http.api().postForm("/oauth2/token", Map.of("grant_type", "client_credentials"),
                "Authorization", Http.basic(app.clientId(), app.clientSecret()))).get("access_token").asText();
        assertThat(Http.api().delete("/admin/v1/apps/" + app.id(), "Authorization", bearer(TestOAuth.adminToken())).statusCode()).isEqualTo(204);
        assertThat(TestOAuth.introspect(token).get("active").asBoolean()).isFalse();
    }

    @Test
    void whenInitialAccessTokenIsValidThenClientRegistersAndManagesItselfPerRfc7592() {
        UUID team = TestOAuth.team();
        String initial = Http.json(Http.api().postJson("/admin/v1/registration-tokens", Map.of("teamId", team, "maxUses", 1),
                "Authorization", bearer(TestOAuth.adminToken()))).get("token").asText();
        HttpResponse<String> registered = Http.api().postJson("/connect/register", Map.of(
                "client_name", "Dyn", "redirect_uris", List.of("https://dyn.example/cb"), "scope", "read write",
                "grant_types", List.of("authorization_code", "refresh_token")), "Authorization", bearer(initial));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        JsonNode client = Http.json(registered);
        String clientId = client.get("client_id").asText();
        String rat = client.get("registration_access_token").asText();
        assertThat(client.get("client_secret").asText()).startsWith("lk_cs_");
        assertThat(client.get("registration_client_uri").asText()).endsWith("/connect/register/" + clientId);

        HttpResponse<String> reused = Http.api().postJson("/connect/register", Map.of("redirect_uris", List.of("https://dyn.example/cb")),
                "Authorization", bearer(initial));
        assertThat(reused.statusCode()).as("single-use initial token").isEqualTo(401);

        HttpResponse<String> read = Http.api().get("/connect/register/" + clientId, "Authorization", bearer(rat));
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(Http.json(read).has("client_secret")).isFalse();

        HttpResponse<String> update = Http.api().sendJson("PUT", "/connect/register/" + clientId, Map.of(
                "client_id", clientId, "client_name", "Dyn 2", "redirect_uris", List.of("https://dyn.example/cb2")),
                "Authorization", bearer(rat));
        assertThat(update.statusCode()).as(update.body()).isEqualTo(200);
        assertThat(Http.json(update).get("client_name").asText()).isEqualTo("Dyn 2");

        HttpResponse<String> badUpdate = Http.api().sendJson("PUT", "/connect/register/" + clientId, Map.of(
                "client_id", clientId, "redirect_uris", List.of("http://evil.example/cb")), "Authorization", bearer(rat));
        assertThat(badUpdate.statusCode()).isEqualTo(400);
        assertThat(Http.json(badUpdate).get("error").asText()).isEqualTo("invalid_redirect_uri");

        assertThat(Http.api().get("/connect/register/" + clientId, "Authorization", bearer("lk_rat_wrong")).statusCode()).isEqualTo(401);
        assertThat(Http.api().delete("/connect/register/" + clientId, "Authorization", bearer(rat)).statusCode()).isEqualTo(204);
        assertThat(Http.api().get("/connect/register/" + clientId, "Authorization", bearer(rat)).statusCode()).isEqualTo(401);
    }

    @Test
    void whenRegistrationMetadataIsInvalidThenRfc7591Error() {
        UUID team = TestOAuth.team();
        String initial = Http.json(Http.api().postJson("/admin/v1/registration-tokens", Map.of("teamId", team, "maxUses", 5),
                "Authorization", bearer(TestOAuth.adminToken()))).get("token").asText();
        HttpResponse<String> noRedirect = Http.api().postJson("/connect/register", Map.of("client_name", "x"), "Authorization", bearer(initial));
        assertThat(noRedirect.statusCode()).isEqualTo(400);
        assertThat(Http.json(noRedirect).get("error").asText()).isEqualTo("invalid_redirect_uri");
        HttpResponse<String> wrongType = Http.api().postJson("/connect/register", Map.of("redirect_uris", "https://x.example/cb"), "Authorization", bearer(initial));
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(Http.json(wrongType).get("error").asText()).isEqualTo("invalid_client_metadata");
        assertThat(Http.api().postJson("/connect/register", Map.of("redirect_uris", List.of("https://x.example/cb"))).statusCode()).isEqualTo(401);
    }

    @Test
    void whenDiscoveryIsFetchedThenItAdvertisesIssuerParameterAndRegistration() {
        for (String path : List.of("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")) {
            JsonNode metadata = Http.json(Http.api().get(path));
            assertThat(metadata.get("issuer").asText()).isEqualTo(TestServer.get().baseUrl());
            assertThat(metadata.get("authorization_response_iss_parameter_supported").asBoolean()).isTrue();
            assertThat(metadata.get("registration_endpoint").asText()).endsWith("/connect/register");
            assertThat(metadata.get("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
            assertThat(metadata.get("grant_types_supported").toString()).doesNotContain("password", "implicit");
            assertThat(metadata.get("token_endpoint_auth_methods_supported").toString())
                    .contains("client_secret_basic").doesNotContain("private_key_jwt", "tls_client_auth", "client_secret_jwt");
        }
    }

    @Test
    void whenSigningKeyRotatesThenOldKeyStaysPublishedAndNewTokensUseNewKey() {
        String admin = bearer(TestOAuth.adminToken());
        String before = Http.json(Http.api().get("/oauth2/jwks")).get("keys").get(0).get("kid").asText();
        String kid = Http.json(Http.api().postJson("/admin/v1/signing-keys/rotate", Map.of(), "Authorization", admin)).get("kid").asText();
        JsonNode keys = Http.json(Http.api().get("/oauth2/jwks")).get("keys");
        assertThat(keys.toString()).contains(before).contains(kid);
        assertThat(keys.get(0).get("kid").asText()).isEqualTo(kid);
    }

    @Test
    void whenManagementPortIsAskedThenHealthAndMetricsAnswer() {
        String base = "http://localhost:" + TestServer.get().managementPort();
        HttpResponse<String> readiness = Http.api().get(base + "/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("UP");
        assertThat(Http.api().get(base + "/actuator/health/liveness").statusCode()).isEqualTo(200);
        Http.api().get("/.well-known/openid-configuration");
        HttpResponse<String> metrics = Http.api().get(base + "/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("http_server_requests").contains("latchkey_keys_cache");
    }
}
