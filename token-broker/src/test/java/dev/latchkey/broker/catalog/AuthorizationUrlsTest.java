package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthorizationUrlsTest {

    private static final URI CALLBACK = URI.create("https://app.example/connect/callback");

    @TempDir
    Path dir;

    private static AuthorizationRequest request(List<String> scopes, PkcePair pkce, Map<String, String> extras) {
        return new AuthorizationRequest(TestCatalogs.CLIENT, CALLBACK, "st-1", scopes, pkce, extras);
    }

    @Test
    void whenGoogleIsAuthorizedThenOfflineAccessConsentAndPkceAreRequested() {
        Provider google = TestCatalogs.provider("google");
        PkcePair pkce = Pkce.generate(PkceMethod.S256, new SecureRandom());

        URI uri = AuthorizationUrls.build(google, TestCatalogs.urls(google),
                request(List.of("https://www.googleapis.com/auth/drive.readonly"), pkce, null));

        assertThat(uri.getHost()).isEqualTo("accounts.google.com");
        assertThat(uri.getRawQuery()).isEqualTo("response_type=code&client_id=client-123"
                + "&redirect_uri=https%3A%2F%2Fapp.example%2Fconnect%2Fcallback"
                + "&scope=openid%20email%20https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdrive.readonly"
                + "&state=st-1&code_challenge=" + pkce.challenge() + "&code_challenge_method=S256"
                + "&access_type=offline&prompt=consent&include_granted_scopes=true");
    }

    @Test
    void whenAtlassianIsAuthorizedThenAudienceIsSent() {
        Provider atlassian = TestCatalogs.provider("atlassian");

        URI uri = AuthorizationUrls.build(atlassian, TestCatalogs.urls(atlassian),
                request(List.of("read:jira-work"), null, null));

        assertThat(uri.getRawQuery()).contains("audience=api.atlassian.com", "prompt=consent",
                "scope=offline_access%20read%3Ajira-work");
    }

    @Test
    void whenDropboxIsAuthorizedThenOfflineTokenAccessIsRequested() {
        Provider dropbox = TestCatalogs.provider("dropbox");

        URI uri = AuthorizationUrls.build(dropbox, TestCatalogs.urls(dropbox),
                request(List.of(), Pkce.forProvider(dropbox, new SecureRandom()), null));

        assertThat(uri.getRawQuery()).contains("token_access_type=offline").doesNotContain("scope=");
    }

    @Test
    void whenShopifyIsAuthorizedThenTheShopHostAndCommaScopesAreUsed() {
        Provider shopify = TestCatalogs.provider("shopify");

        URI uri = AuthorizationUrls.build(shopify, shopify.resolveUrls(Map.of("shop", "acme")),
                request(List.of("read_orders", "write_products"), null, null));

        assertThat(uri.getHost()).isEqualTo("acme.myshopify.com");
        assertThat(uri.getRawQuery()).contains("scope=read_orders%2Cwrite_products");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "' '|a%20b%20c",
            "','|a%2Cb%2Cc",
            "'+'|a%2Bb%2Bc"})
    void whenScopesAreJoinedThenTheProvidersSeparatorIsUsed(String separator, String expected) {
        Provider provider = TestCatalogs.withEntry(dir, "local", TestCatalogs.localProvider("")
                .replace("{ pkce: S256 }", "{ pkce: none, scopeSeparator: '" + separator + "', defaultScopes: [a] }"))
                .get("local");

        URI uri = AuthorizationUrls.build(provider, provider.resolveUrls(Map.of()),
                request(List.of("b", "a", "c"), null, null));

        assertThat(uri.getRawQuery()).contains("scope=" + expected + "&");
    }

    @Test
    void whenAScopeContainsASeparatorThenItIsRejected() {
        Provider slack = TestCatalogs.provider("slack");

        assertThatThrownBy(() -> AuthorizationUrls.build(slack, TestCatalogs.urls(slack),
                request(List.of("chat:write,admin"), null, null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAProviderNeedsPkceAndNoneIsGivenThenBuildingFails() {
        Provider airtable = TestCatalogs.provider("airtable");

        assertThatThrownBy(() -> AuthorizationUrls.build(airtable, TestCatalogs.urls(airtable),
                request(List.of(), null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a PKCE pair with method S256");
    }

    @Test
    void whenAPkcePairHasTheWrongMethodThenBuildingFails() {
        Provider airtable = TestCatalogs.provider("airtable");
        PkcePair plain = Pkce.generate(PkceMethod.PLAIN, new SecureRandom());

        assertThatThrownBy(() -> AuthorizationUrls.build(airtable, TestCatalogs.urls(airtable),
                request(List.of(), plain, null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAProviderDoesNotUsePkceAndAPairIsGivenThenBuildingFails() {
        Provider slack = TestCatalogs.provider("slack");
        PkcePair pkce = Pkce.generate(PkceMethod.S256, new SecureRandom());

        assertThatThrownBy(() -> AuthorizationUrls.build(slack, TestCatalogs.urls(slack), request(List.of(), pkce, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not use PKCE");
    }

    @Test
    void whenExtrasTryToOverrideAReservedParameterThenBuildingFails() {
        Provider slack = TestCatalogs.provider("slack");

        assertThatThrownBy(() -> AuthorizationUrls.build(slack, TestCatalogs.urls(slack),
                request(List.of(), null, Map.of("redirect_uri", "https://evil.example/"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuthorizationUrls.build(slack, TestCatalogs.urls(slack),
                request(List.of(), null, Map.of("scope", "admin"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenExtrasOverrideACatalogExtraThenTheConnectionsValueIsUsed() {
        Provider google = TestCatalogs.provider("google");

        URI uri = AuthorizationUrls.build(google, TestCatalogs.urls(google), request(List.of(),
                Pkce.forProvider(google, new SecureRandom()), Map.of("prompt", "select_account", "login_hint", "a@b.c")));

        assertThat(uri.getRawQuery()).contains("prompt=select_account", "login_hint=a%40b.c")
                .doesNotContain("prompt=consent");
    }

    @Test
    void whenTheProviderIsAnApiKeyProviderThenThereIsNoAuthorizeUrl() {
        Provider stripe = TestCatalogs.provider("stripe");

        assertThatThrownBy(() -> AuthorizationUrls.build(stripe, stripe.resolveUrls(Map.of()),
                request(List.of(), null, null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenTheVerifierIsTheRfc7636ExampleThenTheS256ChallengeMatchesAppendixB() {
        assertThat(Pkce.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", PkceMethod.S256))
                .isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    @Test
    void whenAVerifierIsTooShortThenNoChallengeIsMade() {
        assertThatThrownBy(() -> Pkce.challenge("short", PkceMethod.S256))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAPairIsGeneratedThenTheVerifierIs43UnreservedCharactersAndRedacted() {
        PkcePair pair = Pkce.generate(PkceMethod.S256, new SecureRandom());

        assertThat(pair.verifier().reveal()).matches("[A-Za-z0-9_-]{43}");
        assertThat(pair.challenge()).isEqualTo(Pkce.challenge(pair.verifier().reveal(), PkceMethod.S256));
        assertThat(pair.toString()).doesNotContain(pair.verifier().reveal());
    }
}
