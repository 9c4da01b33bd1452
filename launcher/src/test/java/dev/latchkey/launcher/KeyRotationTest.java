package dev.latchkey.launcher;

import static dev.latchkey.launcher.TestOAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.db.Tables;
import dev.latchkey.vault.SealedHeader;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** KEK rotation and rewrap over the admin API: every platform secret moves to the new version and keeps working. */
class KeyRotationTest {

    @Test
    void whenKekRotatesAndRewrapRunsThenEverySealedValueIsUnderTheNewVersionAndStillOpens() {
        String admin = bearer(TestOAuth.adminToken());
        int before = Http.json(Http.api().get("/admin/v1/keys", "Authorization", admin)).get("primaryVersion").asInt();

        HttpResponse<String> rotated = Http.api().postJson("/admin/v1/keys/rotate", Map.of(), "Authorization", admin);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        int after = Http.json(rotated).get("primaryVersion").asInt();
        assertThat(after).isEqualTo(before + 1);

        HttpResponse<String> rewrap = Http.api().postJson("/admin/v1/keys/rewrap", Map.of(), "Authorization", admin);
        assertThat(rewrap.statusCode()).as(rewrap.body()).isEqualTo(200);
        JsonNode result = Http.json(rewrap);
        assertThat(result.get("rewrapped").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(result.get("failed").asInt()).isZero();
        assertThat(result.get("complete").asBoolean()).isTrue();

        List<byte[]> sealed = new ArrayList<>();
        var dsl = TestServer.get().dsl();
        sealed.addAll(dsl.select(Tables.SIGNING_KEYS.PRIVATE_KEY_SEALED).from(Tables.SIGNING_KEYS).fetch(Tables.SIGNING_KEYS.PRIVATE_KEY_SEALED));
        sealed.addAll(dsl.select(Tables.SYSTEM_SECRETS.SEALED).from(Tables.SYSTEM_SECRETS).fetch(Tables.SYSTEM_SECRETS.SEALED));
        assertThat(sealed).allSatisfy(value -> assertThat(SealedHeader.parse(value).key().version()).isEqualTo(after));

        // Signing keys are reopened from the rewrapped values: a rotation forces a reload, and JWTs still issue.
        assertThat(Http.api().postJson("/admin/v1/signing-keys/rotate", Map.of(), "Authorization", admin).statusCode()).isEqualTo(200);
        assertThat(Http.api().get("/oauth2/jwks").statusCode()).isEqualTo(200);
        HttpResponse<String> secondRun = Http.api().postJson("/admin/v1/keys/rewrap", Map.of(), "Authorization", admin);
        assertThat(Http.json(secondRun).get("claimed").asInt()).isZero();
    }
}
