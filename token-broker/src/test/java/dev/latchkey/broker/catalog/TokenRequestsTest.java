package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRequestsTest {

    private static final URI CALLBACK = URI.create("https://app.example/connect/callback");
    private static final Secret CODE = Secret.of("code-abc");
    private static final Secret VERIFIER = Secret.of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    private static final Secret REFRESH = Secret.of("refresh-xyz");

    private static ProviderRequest exchange(String id, Secret verifier) {
        Provider provider = TestCatalogs.provider(id);
        return TokenRequests.authorizationCode(provider, TestCatalogs.urls(provider), TestCatalogs.CLIENT, CODE,
                CALLBACK, verifier, List.of("read"));
    }

    @Test
    void whenClientAuthIsBasicThenTheCredentialsAreFormEncodedInTheHeaderAndNotInTheBody() {
        ProviderRequest request = exchange("xero", VERIFIER);

        String expected = Base64.getEncoder()
                .encodeToString("client-123:s3cr%3Aet%20value".getBytes(StandardCharsets.UTF_8));
        assertThat(request.header("authorization")).isEqualTo("Basic " + expected);
        assertThat(request.body()).doesNotContainKeys("client_id", "client_secret");
        assertThat(request.body()).containsEntry("code_verifier", VERIFIER.reveal());
        assertThat(request.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(request.encodedBody()).isEqualTo("grant_type=authorization_code&code=code-abc"
                + "&redirect_uri=https%3A%2F%2Fapp.example%2Fconnect%2Fcallback"
                + "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    @Test
    void whenClientAuthIsPostThenTheCredentialsAreInTheBody() {
        ProviderRequest request = exchange("slack", null);

        assertThat(request.header("Authorization")).isNull();
        assertThat(request.body()).containsEntry("client_id", "client-123")
                .containsEntry("client_secret", "s3cr:et value");
        assertThat(request.uri()).hasToString("https://slack.com/api/oauth.v2.access");
    }

    @Test
    void whenTheBodyFormatIsJsonThenTheBodyIsAJsonObject() {
        ProviderRequest request = exchange("notion", null);

        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.encodedBody()).isEqualTo("{\"grant_type\":\"authorization_code\",\"code\":\"code-abc\","
                + "\"redirect_uri\":\"https://app.example/connect/callback\"}");
    }

    @Test
    void whenZendeskExchangesACodeThenTheScopeIsRepeated() {
        Provider zendesk = TestCatalogs.provider("zendesk");
        ProviderRequest request = TokenRequests.authorizationCode(zendesk, zendesk.resolveUrls(Map.of("subdomain",
                "acme")), TestCatalogs.CLIENT, CODE, CALLBACK, VERIFIER, List.of("tickets:write"));

        assertThat(request.uri()).hasToString("https://acme.zendesk.com/oauth/tokens");
        assertThat(request.body()).containsEntry("scope", "read tickets:write");
    }

    @Test
    void whenGithubIsCalledThenJsonIsAskedFor() {
        assertThat(exchange("github", VERIFIER).header("Accept")).isEqualTo("application/json");
    }

    @Test
    void whenAPkceProviderGetsNoVerifierThenTheExchangeIsRefused() {
        assertThatThrownBy(() -> exchange("airtable", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a PKCE verifier");
        assertThatThrownBy(() -> exchange("slack", VERIFIER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not take a PKCE verifier");
    }

    @Test
    void whenFigmaRefreshesThenItsSeparateRefreshUrlIsUsed() {
        Provider figma = TestCatalogs.provider("figma");

        ProviderRequest request = TokenRequests.refresh(figma, TestCatalogs.urls(figma), TestCatalogs.CLIENT, REFRESH,
                List.of());

        assertThat(request.uri()).hasToString("https://api.figma.com/v1/oauth/refresh");
        assertThat(request.body()).containsExactly(Map.entry("grant_type", "refresh_token"),
                Map.entry("refresh_token", "refresh-xyz"));
    }

    @Test
    void whenMicrosoftRefreshesThenScopesAreSentAgainToTheTenantEndpoint() {
        Provider microsoft = TestCatalogs.provider("microsoft");

        ProviderRequest request = TokenRequests.refresh(microsoft, microsoft.resolveUrls(Map.of("tenant",
                "contoso.onmicrosoft.com")), TestCatalogs.CLIENT, REFRESH, List.of("Mail.Read"));

        assertThat(request.uri().getPath()).isEqualTo("/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assertThat(request.body()).containsEntry("scope", "openid offline_access Mail.Read");
    }

    @Test
    void whenTheClientHasNoSecretThenAConfidentialProviderRefuses() {
        Provider xero = TestCatalogs.provider("xero");
        ClientCredentials publicClient = new ClientCredentials("public-1", null);

        assertThatThrownBy(() -> TokenRequests.refresh(xero, TestCatalogs.urls(xero), publicClient, REFRESH, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no secret");
    }

    @Test
    void whenARequestIsPrintedThenNoSecretAppears() {
        ProviderRequest basic = exchange("xero", VERIFIER);
        ProviderRequest post = exchange("slack", null);

        for (ProviderRequest request : List.of(basic, post)) {
            assertThat(request.toString()).doesNotContain("code-abc", "s3cr", VERIFIER.reveal(), "Basic ");
        }
        assertThat(TestCatalogs.CLIENT.toString()).doesNotContain("s3cr");
    }

    @Test
    void whenHubspotRevokesThenTheRefreshTokenIsAnEncodedPathSegment() {
        Provider hubspot = TestCatalogs.provider("hubspot");

        ProviderRequest request = TokenRequests.revocation(hubspot, TestCatalogs.urls(hubspot), TestCatalogs.CLIENT,
                Secret.of("na1-ab/c d"));

        assertThat(request.method()).isEqualTo(HttpMethod.DELETE);
        assertThat(request.uri().getRawPath()).isEqualTo("/oauth/v1/refresh-tokens/na1-ab%2Fc%20d");
        assertThat(request.body()).isEmpty();
        assertThat(request.toString()).doesNotContain("na1-ab");
    }

    @Test
    void whenGithubRevokesThenTheClientIdIsInThePathAndTheTokenInAJsonBody() {
        Provider github = TestCatalogs.provider("github");

        ProviderRequest request = TokenRequests.revocation(github, TestCatalogs.urls(github), TestCatalogs.CLIENT,
                Secret.of("gho_abc"));

        assertThat(request.uri()).hasToString("https://api.github.com/applications/client-123/token");
        assertThat(request.method()).isEqualTo(HttpMethod.DELETE);
        assertThat(request.encodedBody()).isEqualTo("{\"access_token\":\"gho_abc\"}");
        assertThat(request.header("Authorization")).startsWith("Basic ");
        assertThat(request.header("Accept")).isEqualTo("application/vnd.github+json");
    }

    @Test
    void whenSlackRevokesThenTheTokenIsTheBearer() {
        Provider slack = TestCatalogs.provider("slack");

        ProviderRequest request = TokenRequests.revocation(slack, TestCatalogs.urls(slack), TestCatalogs.CLIENT,
                Secret.of("xoxb-1"));

        assertThat(request.header("Authorization")).isEqualTo("Bearer xoxb-1");
        assertThat(request.bodyFormat()).isNull();
    }

    @Test
    void whenShopifyRevokesThenTheTokenGoesInItsOwnHeaderOnTheShopHost() {
        Provider shopify = TestCatalogs.provider("shopify");

        ProviderRequest request = TokenRequests.revocation(shopify, shopify.resolveUrls(Map.of("shop", "acme")),
                TestCatalogs.CLIENT, Secret.of("shpat_1"));

        assertThat(request.uri()).hasToString("https://acme.myshopify.com/admin/api_permissions/current.json");
        assertThat(request.header("X-Shopify-Access-Token")).isEqualTo("shpat_1");
        assertThat(request.toString()).doesNotContain("shpat_1");
    }

    @Test
    void whenGoogleRevokesThenOnlyTheTokenIsSent() {
        Provider google = TestCatalogs.provider("google");

        ProviderRequest request = TokenRequests.revocation(google, TestCatalogs.urls(google), TestCatalogs.CLIENT,
                REFRESH);

        assertThat(request.body()).containsExactly(Map.entry("token", "refresh-xyz"));
        assertThat(request.header("Authorization")).isNull();
    }

    @Test
    void whenPipedriveRevokesThenATokenTypeHintIsSent() {
        Provider pipedrive = TestCatalogs.provider("pipedrive");

        ProviderRequest request = TokenRequests.revocation(pipedrive, TestCatalogs.urls(pipedrive),
                TestCatalogs.CLIENT, REFRESH);

        assertThat(request.body()).containsEntry("token_type_hint", "refresh_token");
    }

    @Test
    void whenAProviderHasNoRevocationThenBuildingOneFails() {
        Provider airtable = TestCatalogs.provider("airtable");

        assertThatThrownBy(() -> TokenRequests.revocation(airtable, TestCatalogs.urls(airtable), TestCatalogs.CLIENT,
                REFRESH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offers no token revocation");
    }
}
