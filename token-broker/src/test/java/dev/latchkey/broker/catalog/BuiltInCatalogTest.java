package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BuiltInCatalogTest {

    private static final List<String> REQUIRED = List.of("google", "microsoft", "slack", "salesforce", "hubspot",
            "github", "notion", "atlassian", "zoom", "shopify", "dropbox", "box", "asana", "linear", "intercom",
            "zendesk", "quickbooks", "xero", "stripe", "airtable", "figma", "pipedrive", "calendly", "docusign",
            "mailchimp");

    @Test
    void whenBuiltInCatalogLoadsThenItHasAtLeast25ProvidersAndAVersion() {
        ProviderCatalog catalog = TestCatalogs.builtIn();

        assertThat(catalog.size()).isGreaterThanOrEqualTo(25);
        assertThat(catalog.catalogVersion()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(catalog.providers()).extracting(Provider::id).containsAll(REQUIRED);
        assertThat(catalog.overriddenIds()).isEmpty();
        assertThat(catalog.sourceOf("google")).contains(ProviderCatalog.BUILT_IN_RESOURCE);
    }

    @Test
    void whenAnyBuiltInProviderIsResolvedWithItsExamplesThenEveryUrlIsHttpsOnItsOwnHost() {
        for (Provider provider : TestCatalogs.builtIn().providers()) {
            assertThat(provider.allowInsecureForTesting()).as(provider.id()).isFalse();
            provider.connectionParameters().values().forEach(p -> assertThat(p.defaultValue() != null
                    || p.example() != null).as(provider.id() + " " + p.name() + " has a default or an example")
                    .isTrue());
            ConnectionUrls urls = TestCatalogs.urls(provider);
            for (URI uri : new URI[] {urls.authorize(), urls.token(), urls.refresh(), urls.api()}) {
                if (uri != null) {
                    assertThat(uri.getScheme()).as(provider.id() + " " + uri).isEqualTo("https");
                    assertThat(uri.getHost()).as(provider.id() + " " + uri).isNotBlank();
                }
            }
        }
    }

    @Test
    void whenAnyOauthProviderBuildsItsRequestsThenEachIsWellFormed() {
        SecureRandom random = new SecureRandom();
        for (Provider provider : TestCatalogs.builtIn().providers()) {
            if (provider.authMode() != AuthMode.OAUTH2) {
                assertThat(provider.apiKey()).as(provider.id()).isNotNull();
                continue;
            }
            ConnectionUrls urls = TestCatalogs.urls(provider);
            PkcePair pkce = Pkce.forProvider(provider, random);
            URI authorize = AuthorizationUrls.build(provider, urls, new AuthorizationRequest(TestCatalogs.CLIENT,
                    URI.create("https://app.example/callback"), "state-1", List.of(), pkce, null));
            assertThat(authorize.getRawQuery()).as(provider.id()).contains("state=state-1", "client_id=client-123");

            ProviderRequest exchange = TokenRequests.authorizationCode(provider, urls, TestCatalogs.CLIENT,
                    Secret.of("code-1"), URI.create("https://app.example/callback"),
                    pkce == null ? null : pkce.verifier(), List.of());
            assertThat(exchange.method()).isEqualTo(HttpMethod.POST);
            assertThat(exchange.body()).containsEntry("grant_type", "authorization_code");

            ProviderRequest refresh = TokenRequests.refresh(provider, urls, TestCatalogs.CLIENT,
                    Secret.of("refresh-1"), List.of());
            assertThat(refresh.body()).containsEntry("grant_type", "refresh_token");

            if (provider.revocation() != null) {
                ProviderRequest revoke = TokenRequests.revocation(provider, urls, TestCatalogs.CLIENT,
                        Secret.of("token-1"));
                assertThat(revoke.uri().getScheme()).isEqualTo("https");
            }
        }
    }

    @Test
    void whenAProviderIsUnknownThenGetFailsAndFindIsEmpty() {
        assertThat(TestCatalogs.builtIn().find("no-such-provider")).isEmpty();
        assertThatThrownBy(() -> TestCatalogs.builtIn().get("no-such-provider"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("no-such-provider");
    }

    @Test
    void whenCatalogDeclaresQuirksThenTheyAreData() {
        assertThat(TestCatalogs.provider("slack").tokenResponse().roots()).containsExactly("", "/authed_user");
        assertThat(TestCatalogs.provider("salesforce").expiry().policy()).isEqualTo(ExpiryPolicy.Kind.UNKNOWN);
        assertThat(TestCatalogs.provider("figma").urls().refresh()).isNotNull();
        assertThat(TestCatalogs.provider("notion").tokenRequest().bodyFormat()).isEqualTo(BodyFormat.JSON);
        assertThat(TestCatalogs.provider("quickbooks").refreshToken().rotates()).isTrue();
        assertThat(TestCatalogs.provider("figma").refreshToken().rotates()).isFalse();
        assertThat(TestCatalogs.provider("calendly").rateLimit().requests()).isEqualTo(8);
        assertThat(TestCatalogs.provider("google").errors().reauthCodes()).contains("invalid_grant", "invalid_rapt");
        assertThat(TestCatalogs.provider("stripe").authMode()).isEqualTo(AuthMode.API_KEY);
    }
}
