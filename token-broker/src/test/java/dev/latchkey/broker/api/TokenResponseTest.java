package dev.latchkey.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.token.TokenView;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The token fetch body, written member by member: exact names, absent members left out, metadata as stored. */
class TokenResponseTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final UUID ID = UUID.fromString("0b6f3c1e-8a3d-4c55-9f0e-2d7c9b1a4e10");

    @Test
    void whenAnOAuthTokenIsWrittenThenEveryMemberIsThereAndNoOtherSecret() {
        String body = write(new TokenView(ID, "acme", "salesforce", CredentialKind.OAUTH2, Secret.of("00D\"x\\y\u2028"),
                null, null, Instant.parse("2026-11-22T04:05:06.789Z"), 7,
                "{\"instance_url\":\"https://acme.my.salesforce.com\",\"n\":[1,2]}", true));

        assertThat(body).isEqualTo("{\"connection_id\":\"0b6f3c1e-8a3d-4c55-9f0e-2d7c9b1a4e10\",\"tenant\":\"acme\","
                + "\"provider\":\"salesforce\",\"kind\":\"oauth2\",\"access_token\":\"00D\\\"x\\\\y\u2028\","
                + "\"token_type\":\"Bearer\",\"expires_at\":\"2026-11-22T04:05:06.789Z\",\"version\":7,"
                + "\"refreshed\":true,\"metadata\":{\"instance_url\":\"https://acme.my.salesforce.com\",\"n\":[1,2]}}");
        JsonNode parsed = JSON.readTree(body);
        assertThat(parsed.get("access_token").asString()).isEqualTo("00D\"x\\y\u2028");
        assertThat(Instant.parse(parsed.get("expires_at").asString())).isEqualTo("2026-11-22T04:05:06.789Z");
    }

    @Test
    void whenAnApiKeyWithoutExpiryIsWrittenThenOnlyTheKeyIsThere() {
        JsonNode body = JSON.readTree(write(new TokenView(ID, "acme", "stripe", CredentialKind.API_KEY,
                Secret.of("sk_live_1"), null, null, null, 1, null, false)));

        assertThat(body.get("api_key").asString()).isEqualTo("sk_live_1");
        assertThat(body.get("kind").asString()).isEqualTo("api_key");
        assertThat(body.has("access_token")).isFalse();
        assertThat(body.has("token_type")).isFalse();
        assertThat(body.has("password")).isFalse();
        assertThat(body.has("expires_at")).isFalse();
        assertThat(body.get("metadata").isObject()).isTrue();
        assertThat(body.get("metadata").size()).isZero();
        assertThat(body.get("refreshed").asBoolean()).isFalse();
    }

    @Test
    void whenABasicCredentialIsWrittenThenUsernameAndPasswordAreThere() {
        JsonNode body = JSON.readTree(write(new TokenView(ID, "acme", "jira", CredentialKind.BASIC,
                Secret.of("hunter2"), "ops@acme.test", null, null, 3, "{\"username\":\"ops@acme.test\"}", false)));

        assertThat(body.get("username").asString()).isEqualTo("ops@acme.test");
        assertThat(body.get("password").asString()).isEqualTo("hunter2");
        assertThat(body.has("access_token")).isFalse();
        assertThat(body.has("api_key")).isFalse();
        assertThat(body.get("version").asLong()).isEqualTo(3);
    }

    private static String write(TokenView view) {
        return JSON.writeValueAsString(TokenResponse.of(view));
    }
}
