package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.authz.authorization.ExpiredGrantPurge;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/** Grants whose every token expired long ago are purged with their tokens; live ones are never touched. */
class ExpiredGrantPurgeTest {

    @Test
    void whenEveryTokenOfAGrantExpiredLongAgoThenThePurgeDeletesItAndKeepsLiveGrants() {
        DSLContext dsl = TestServer.get().dsl();
        var app = TestOAuth.app(TestOAuth.team(), Map.of("grantTypes", List.of("client_credentials"), "redirectUris", List.of(),
                "scopes", List.of("read")));
        String live = grantWithToken(dsl, app.id(), "interval '1 hour'", "now() + interval '1 hour'");
        String refreshStillValid = grantWithToken(dsl, app.id(), "interval '3 days'", "now() + interval '10 days'");
        String dead = grantWithToken(dsl, app.id(), "interval '3 days'", "now() - interval '2 days'");
        String abandoned = grantWithToken(dsl, app.id(), "interval '3 days'", null);

        int purged = TestServer.get().bean(ExpiredGrantPurge.class).purge();

        assertThat(purged).isGreaterThanOrEqualTo(2);
        assertThat(exists(dsl, dead)).isFalse();
        assertThat(exists(dsl, abandoned)).isFalse();
        assertThat(exists(dsl, live)).isTrue();
        assertThat(exists(dsl, refreshStillValid)).isTrue();
        assertThat(dsl.fetchValue("select count(*) from oauth_tokens where grant_id = ?", dead)).isEqualTo(0L);
    }

    /** A grant created {@code age} ago with one token expiring at {@code expiresAt} (SQL), or no token when null. */
    private static String grantWithToken(DSLContext dsl, UUID appId, String age, String expiresAt) {
        String id = UUID.randomUUID().toString();
        dsl.execute("insert into oauth_grants (id, app_id, principal_name, grant_type, created_at) values (?, ?, 'x', 'client_credentials', now() - "
                + age + ")", id, appId);
        if (expiresAt != null) {
            dsl.execute("insert into oauth_tokens (grant_id, kind, token_hash, issued_at, expires_at) values (?, 'access_token', ?, now() - "
                    + age + ", " + expiresAt + ")", id, UUID.randomUUID().toString().getBytes());
        }
        return id;
    }

    private static boolean exists(DSLContext dsl, String grantId) {
        return dsl.fetchExists(dsl.selectOne().from("oauth_grants").where("id = ?", grantId));
    }
}
