package dev.latchkey.broker.catalog;

import static dev.latchkey.broker.catalog.TestCatalogs.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenResponseParserTest {

    @TempDir
    Path dir;

    private static TokenResult parse(String id, int status, String body) {
        return parse(id, status, body, Map.of());
    }

    private static TokenResult parse(String id, int status, String body, Map<String, String> callback) {
        return TokenResponseParser.parse(TestCatalogs.provider(id), ProviderResponse.of(status, body), callback, NOW);
    }

    private static TokenGrant grant(TokenResult result) {
        assertThat(result).isInstanceOf(TokenGrant.class);
        return (TokenGrant) result;
    }

    private static ProviderError error(TokenResult result) {
        assertThat(result).isInstanceOf(ProviderError.class);
        return (ProviderError) result;
    }

    @Test
    void whenSlackInstallsABotThenTheBotTokenIsTakenAndNeverExpires() {
        TokenGrant grant = grant(parse("slack", 200, """
                {"ok": true, "access_token": "xoxb-bot", "token_type": "bot", "scope": "chat:write,channels:read",
                 "bot_user_id": "U0BOT", "team": {"id": "T123", "name": "Acme"},
                 "authed_user": {"id": "U1", "scope": "search:read", "access_token": "xoxp-user", "token_type": "user"}}
                """));

        assertThat(grant.accessToken().reveal()).isEqualTo("xoxb-bot");
        assertThat(grant.scopes()).containsExactly("chat:write", "channels:read");
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.NEVER);
        assertThat(grant.expiresAt()).isNull();
        assertThat(grant.metadata()).containsEntry("team_id", "T123").containsEntry("bot_user_id", "U0BOT")
                .containsEntry("authed_user_id", "U1");
    }

    @Test
    void whenSlackInstallsOnlyForAUserThenTheTokenUnderAuthedUserIsTaken() {
        TokenGrant grant = grant(parse("slack", 200, """
                {"ok": true, "app_id": "A1", "team": {"id": "T123"},
                 "authed_user": {"id": "U1", "scope": "search:read,users:read", "access_token": "xoxp-user",
                                 "token_type": "user", "refresh_token": "xoxe-1-r", "expires_in": 43200}}
                """));

        assertThat(grant.accessToken().reveal()).isEqualTo("xoxp-user");
        assertThat(grant.tokenType()).isEqualTo("user");
        assertThat(grant.refreshToken().reveal()).isEqualTo("xoxe-1-r");
        assertThat(grant.scopes()).containsExactly("search:read", "users:read");
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.PROVIDER);
        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(43200 - 60));
    }

    @Test
    void whenSlackAnswers200WithOkFalseThenItIsAClassifiedError() {
        ProviderError revoked = error(parse("slack", 200, "{\"ok\": false, \"error\": \"token_revoked\"}"));
        ProviderError limited = error(parse("slack", 200, "{\"ok\": false, \"error\": \"ratelimited\"}"));
        ProviderError mismatch = error(parse("slack", 200, "{\"ok\": false, \"error\": \"bad_redirect_uri\"}"));

        assertThat(revoked.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(revoked.code()).isEqualTo("token_revoked");
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(limited.category()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(mismatch.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
    }

    @Test
    void whenSlackRefreshTokenIsInvalidThenTheUserMustReconnect() {
        assertThat(error(parse("slack", 200, "{\"ok\": false, \"error\": \"invalid_refresh_token\"}")).category())
                .isEqualTo(ErrorCategory.REAUTH_REQUIRED);
    }

    @Test
    void whenSalesforceGrantsThenInstanceUrlIsKeptAndExpiryIsUnknown() {
        TokenGrant grant = grant(parse("salesforce", 200, """
                {"access_token": "00Dxx!AQ", "refresh_token": "5Aep8", "signature": "sig", "scope": "api refresh_token",
                 "instance_url": "https://acme.my.salesforce.com", "id": "https://login.salesforce.com/id/00D/005",
                 "token_type": "Bearer", "issued_at": "1724234400000"}
                """));

        assertThat(grant.metadata()).containsEntry("instance_url", "https://acme.my.salesforce.com")
                .containsEntry("identity_url", "https://login.salesforce.com/id/00D/005");
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.UNKNOWN);
        assertThat(grant.expiresAt()).isNull();
        assertThat(grant.statedLifetime()).isNull();
    }

    @Test
    void whenSalesforceInstanceUrlIsNotASalesforceHostThenTheGrantIsRefused() {
        ProviderError error = error(parse("salesforce", 200,
                "{\"access_token\": \"t\", \"instance_url\": \"https://evil.example/salesforce.com\"}"));

        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
        assertThat(error.code()).isEqualTo("unexpected_metadata");
        assertThat(error.description()).contains("instance_url");
    }

    @Test
    void whenQuickbooksCallsBackThenRealmIdIsKeptAndTheRefreshTokenLifetimeIsRead() {
        TokenGrant grant = grant(parse("quickbooks", 200, """
                {"token_type": "bearer", "access_token": "eyJ", "refresh_token": "AB11", "expires_in": 3600,
                 "x_refresh_token_expires_in": 8726400}
                """, Map.of("code", "c", "state", "s", "realmId", "9341453474484455")));

        assertThat(grant.metadata()).containsExactly(Map.entry("realmId", "9341453474484455"));
        assertThat(grant.refreshTokenExpiresAt()).isEqualTo(NOW.plusSeconds(8726400));
        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(3600 - 60));
    }

    @Test
    void whenACallbackValueBreaksItsPatternThenTheGrantIsRefused() {
        ProviderError error = error(parse("shopify", 200, "{\"access_token\": \"shpat_1\", \"scope\": \"read_orders\"}",
                Map.of("shop", "evil.example")));

        assertThat(error.code()).isEqualTo("unexpected_metadata");
        assertThat(error.description()).contains("shop_domain");
    }

    @Test
    void whenShopifyCallsBackWithItsShopThenTheDomainIsKept() {
        TokenGrant grant = grant(parse("shopify", 200, "{\"access_token\": \"shpat_1\", \"scope\": \"read_orders\"}",
                Map.of("shop", "acme.myshopify.com")));

        assertThat(grant.metadata()).containsEntry("shop_domain", "acme.myshopify.com");
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.NEVER);
    }

    @Test
    void whenARotatingProviderRefreshesThenTheNewRefreshTokenReplacesTheOld() {
        Secret old = Secret.of("old-refresh");
        TokenGrant grant = grant(parse("xero", 200,
                "{\"access_token\": \"a2\", \"refresh_token\": \"new-refresh\", \"expires_in\": 1800}"));

        assertThat(TestCatalogs.provider("xero").refreshToken().rotates()).isTrue();
        assertThat(grant.refreshTokenToStore(old).reveal()).isEqualTo("new-refresh");
    }

    @Test
    void whenARefreshResponseHasNoRefreshTokenThenItIsNullAndTheOldOneIsKept() {
        Secret old = Secret.of("figma-refresh");
        TokenGrant grant = grant(parse("figma", 200,
                "{\"access_token\": \"a2\", \"expires_in\": 7776000, \"user_id_string\": \"42\"}"));

        assertThat(grant.refreshToken()).isNull();
        assertThat(grant.refreshTokenToStore(old)).isSameAs(old);
        assertThat(grant.metadata()).containsEntry("user_id", "42");
    }

    @Test
    void whenGoogleStatesExpiresInThenExpiryIsThatLessTheSkew() {
        TokenGrant grant = grant(parse("google", 200,
                "{\"access_token\": \"ya29\", \"expires_in\": 3599, \"scope\": \"openid email\", \"token_type\": \"Bearer\"}"));

        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(3599 - 60));
        assertThat(grant.statedLifetime()).isEqualTo(Duration.ofSeconds(3599));
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.PROVIDER);
    }

    @Test
    void whenMicrosoftStatesExpiresInThenItsLargerSkewApplies() {
        TokenGrant grant = grant(parse("microsoft", 200,
                "{\"access_token\": \"eyJ0\", \"expires_in\": \"4000\", \"refresh_token\": \"M.R3\"}"));

        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(4000 - 300));
    }

    @Test
    void whenALifetimeIsShorterThanTwiceTheSkewThenHalfTheLifetimeIsTrusted() {
        TokenGrant grant = grant(parse("microsoft", 200, "{\"access_token\": \"eyJ0\", \"expires_in\": 300}"));

        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(150));
    }

    @Test
    void whenExpiresInIsZeroOrGarbageThenItCountsAsAbsent() {
        assertThat(grant(parse("linear", 200, "{\"access_token\": \"lin\", \"expires_in\": 0}")).expirySource())
                .isEqualTo(ExpirySource.UNKNOWN);
        assertThat(grant(parse("linear", 200, "{\"access_token\": \"lin\", \"expires_in\": \"soon\"}")).expirySource())
                .isEqualTo(ExpirySource.UNKNOWN);
        assertThat(grant(parse("notion", 200, "{\"access_token\": \"ntn\", \"workspace_id\": \"w1\"}")).expirySource())
                .isEqualTo(ExpirySource.NEVER);
    }

    @Test
    void whenTheCatalogStatesAFixedLifetimeThenItIsUsedWhateverTheResponseSays() {
        Provider fixed = TestCatalogs.withEntry(dir, "fixed",
                TestCatalogs.localProvider("expiry: { policy: fixed, lifetimeSeconds: 7200, skewSeconds: 120 }\n"))
                .get("fixed");

        TokenGrant grant = grant(TokenResponseParser.parse(fixed,
                ProviderResponse.of(200, "{\"access_token\": \"t\", \"expires_in\": 99999}"), Map.of(), NOW));

        assertThat(grant.expirySource()).isEqualTo(ExpirySource.FIXED);
        assertThat(grant.expiresAt()).isEqualTo(NOW.plusSeconds(7200 - 120));
    }

    @Test
    void whenGithubAnswers200WithAnErrorThenItIsAClassifiedError() {
        ProviderError badCode = error(parse("github", 200,
                "{\"error\": \"bad_verification_code\", \"error_description\": \"The code passed is incorrect or expired.\"}"));
        ProviderError badClient = error(parse("github", 200, "{\"error\": \"incorrect_client_credentials\"}"));

        assertThat(badCode.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(badCode.description()).isEqualTo("The code passed is incorrect or expired.");
        assertThat(badClient.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
    }

    @Test
    void whenTheResponseIsFormEncodedThenItIsStillRead() {
        TokenGrant grant = grant(parse("github", 200, "access_token=gho_16C7e42F&scope=repo%2Cgist&token_type=bearer"));

        assertThat(grant.accessToken().reveal()).isEqualTo("gho_16C7e42F");
        assertThat(grant.scopes()).containsExactly("repo", "gist");
        assertThat(grant.expirySource()).isEqualTo(ExpirySource.NEVER);
    }

    @Test
    void whenA200BodyIsNotJsonThenItIsAnInvalidResponse() {
        ProviderError error = error(parse("google", 200, "<html>Sign in</html>"));

        assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_REQUEST);
        assertThat(error.code()).isEqualTo("invalid_token_response");
    }

    @Test
    void whenA200BodyHasNoAccessTokenThenItIsAnInvalidResponse() {
        ProviderError error = error(parse("google", 200, "{\"token_type\": \"Bearer\", \"access_token\": \"\"}"));

        assertThat(error.code()).isEqualTo("invalid_token_response");
        assertThat(error.description()).contains("/access_token");
    }

    @Test
    void whenA200BodyCarriesAnOauthErrorWithoutTokenThenItIsClassified() {
        ProviderError error = error(parse("box", 200, "{\"error\": \"invalid_grant\"}"));

        assertThat(error.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
    }

    @Test
    void whenTheStatusIsNotSuccessfulThenTheErrorIsClassified() {
        ProviderError error = error(parse("xero", 400, "{\"error\": \"invalid_grant\"}"));

        assertThat(error.category()).isEqualTo(ErrorCategory.REAUTH_REQUIRED);
        assertThat(error.status()).isEqualTo(400);
    }

    @Test
    void whenScopesComeAsAnArrayOrAreAbsentThenTheyAreReadOrNull() {
        assertThat(grant(parse("google", 200, "{\"access_token\": \"t\", \"scope\": [\"a\", \"b\"]}")).scopes())
                .containsExactly("a", "b");
        assertThat(grant(parse("google", 200, "{\"access_token\": \"t\"}")).scopes()).isNull();
        assertThat(grant(parse("linear", 200, "{\"access_token\": \"t\", \"scope\": \"read write\"}")).scopes())
                .isEqualTo(List.of("read", "write"));
    }

    @Test
    void whenAGrantIsPrintedThenNoTokenAppears() {
        TokenGrant grant = grant(parse("xero", 200,
                "{\"access_token\": \"access-secret\", \"refresh_token\": \"refresh-secret\", \"expires_in\": 1800}"));

        assertThat(grant.toString()).doesNotContain("access-secret", "refresh-secret");
        assertThat(grant.accessToken().fingerprint()).hasSize(12).doesNotContain("access");
    }
}
