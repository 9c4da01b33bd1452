package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Connection parameters cannot move a token request to another host. */
class ConnectionParameterTest {

    @ParameterizedTest
    @ValueSource(strings = {"evil.com/", "a.b", "x@y", "%2e", "evil.com#", "evil.com?x=", "a/../b", "..", "a:443",
            "a b", "-acme", "acme\n", "ac\u0131me", "", "evil.com%2F", "shop.evil.com", "a\\b", "[::1]"})
    void whenAShopValueTriesToInjectAHostThenShopifyRejectsIt(String value) {
        Provider shopify = TestCatalogs.provider("shopify");

        assertThatThrownBy(() -> shopify.resolveUrls(Map.of("shop", value)))
                .isInstanceOf(InvalidConnectionParameterException.class)
                .hasMessageContaining("provider 'shopify': connection parameter 'shop'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.com/", "a.b", "x@y", "%2e", "acme.zendesk.com", "ACME", "acme/api", "acme:80"})
    void whenASubdomainValueTriesToInjectAHostThenZendeskRejectsIt(String value) {
        Provider zendesk = TestCatalogs.provider("zendesk");

        assertThatThrownBy(() -> zendesk.resolveUrls(Map.of("subdomain", value)))
                .isInstanceOf(InvalidConnectionParameterException.class)
                .hasMessageContaining("'subdomain'");
    }

    @Test
    void whenAShopValueIsValidThenEveryUrlStaysOnMyshopify() {
        ConnectionUrls urls = TestCatalogs.provider("shopify").resolveUrls(Map.of("shop", "acme-store"));

        assertThat(urls.authorize()).hasToString("https://acme-store.myshopify.com/admin/oauth/authorize");
        assertThat(urls.token()).hasToString("https://acme-store.myshopify.com/admin/oauth/access_token");
        assertThat(urls.refresh()).isEqualTo(urls.token());
    }

    @Test
    void whenARequiredParameterIsMissingThenResolutionFails() {
        assertThatThrownBy(() -> TestCatalogs.provider("zendesk").resolveUrls(Map.of()))
                .isInstanceOf(InvalidConnectionParameterException.class)
                .hasMessageContaining("'subdomain' is required");
    }

    @Test
    void whenAnUndeclaredParameterIsSuppliedThenResolutionFails() {
        assertThatThrownBy(() -> TestCatalogs.provider("shopify").resolveUrls(Map.of("shop", "a", "host", "evil.com")))
                .isInstanceOf(InvalidConnectionParameterException.class)
                .hasMessageContaining("'host' is not declared");
    }

    @Test
    void whenAProviderHasNoParametersThenAnyParameterIsRejected() {
        assertThatThrownBy(() -> TestCatalogs.provider("google").resolveUrls(Map.of("tenant", "x")))
                .isInstanceOf(InvalidConnectionParameterException.class);
    }

    @Test
    void whenMicrosoftTenantIsAbsentThenCommonIsUsed() {
        ConnectionUrls urls = TestCatalogs.provider("microsoft").resolveUrls(Map.of());

        assertThat(urls.token()).hasToString("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"organizations", "contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db47"})
    void whenMicrosoftTenantIsValidThenItGoesIntoThePath(String tenant) {
        ConnectionUrls urls = TestCatalogs.provider("microsoft").resolveUrls(Map.of("tenant", tenant));

        assertThat(urls.authorize().getHost()).isEqualTo("login.microsoftonline.com");
        assertThat(urls.authorize().getPath()).isEqualTo("/" + tenant + "/oauth2/v2.0/authorize");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "common/../x", "common?x", "tenant", "a..b", ".com"})
    void whenMicrosoftTenantIsNotATenantThenItIsRejected(String tenant) {
        assertThatThrownBy(() -> TestCatalogs.provider("microsoft").resolveUrls(Map.of("tenant", tenant)))
                .isInstanceOf(InvalidConnectionParameterException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.com", "login.salesforce.com.evil.com", "evil.my.salesforce.com.attacker.io",
            "acme.my.salesforce.co"})
    void whenSalesforceLoginHostIsNotSalesforceThenItIsRejected(String host) {
        assertThatThrownBy(() -> TestCatalogs.provider("salesforce").resolveUrls(Map.of("loginHost", host)))
                .isInstanceOf(InvalidConnectionParameterException.class);
    }

    @Test
    void whenSalesforceLoginHostIsAMyDomainThenItIsUsed() {
        ConnectionUrls urls = TestCatalogs.provider("salesforce")
                .resolveUrls(Map.of("loginHost", "acme--uat.sandbox.my.salesforce.com"));

        assertThat(urls.token()).hasToString("https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token");
    }

    @Test
    void whenACustomPatternIsLaxThenTheSafeCharacterSetStillHolds() {
        ConnectionParameter lax = new ConnectionParameter("host", java.util.regex.Pattern.compile(".*"), null, null,
                null);

        assertThat(lax.problemWith("evil.com/x")).contains("may only contain");
        assertThat(lax.problemWith("a".repeat(254))).contains("longer than");
        assertThat(lax.problemWith("ok.example")).isNull();
    }
}
