package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid entry fails the load with a message naming the provider and the field's JSON pointer. */
class CatalogValidationTest {

    private static final String BASE = """
            displayName: Acme
            authMode: oauth2
            connectionParameters:
              shop: { pattern: '[a-z0-9-]{1,40}', example: acme }
            urls:
              authorize: https://{shop}.acme.example/oauth/authorize
              token: https://{shop}.acme.example/oauth/token
            authorize: { pkce: S256 }
            tokenRequest: { clientAuth: client_secret_post }
            """;

    @TempDir
    Path dir;

    @Test
    void whenTheBaseEntryIsValidThenItLoads() {
        ProviderCatalog catalog = TestCatalogs.withEntry(dir, "acme", BASE);

        assertThat(catalog.get("acme").urls().token().placeholders()).containsExactly("shop");
    }

    @Test
    void whenAnIssuerIsGivenThenEachConnectionResolvesItWithItsParameters() {
        ProviderCatalog catalog = TestCatalogs.withEntry(dir, "acme", BASE.replace("pkce: S256",
                "pkce: S256, issParameterSupported: true") + "issuer: https://{shop}.acme.example/oauth\n");

        Provider acme = catalog.get("acme");
        assertThat(acme.authorize().issParameterSupported()).isTrue();
        assertThat(acme.resolveUrls(java.util.Map.of("shop", "north")).issuer())
                .hasToString("https://north.acme.example/oauth");
        assertThat(TestCatalogs.withEntry(dir, "acme", BASE).get("acme").resolveUrls(java.util.Map.of("shop", "north"))
                .issuer()).as("no issuer catalogued").isNull();
    }

    static Stream<Arguments> schemaViolations() {
        return Stream.of(
                Arguments.of("unknown top-level field", BASE + "bogus: 1\n", "/bogus: unknown field"),
                Arguments.of("unknown nested field", BASE.replace("clientAuth: client_secret_post",
                        "clientAuth: client_secret_post, bodyFormt: json"), "/tokenRequest/bodyFormt: unknown field"),
                Arguments.of("missing display name", BASE.replace("displayName: Acme\n", ""),
                        "/displayName: is required"),
                Arguments.of("unknown auth mode", BASE.replace("authMode: oauth2", "authMode: oauth1"),
                        "/authMode: "),
                Arguments.of("non-https scheme", BASE.replace("token: https://", "token: ftp://"),
                        "/urls/token: must be an https URL template"),
                Arguments.of("unknown PKCE method", BASE.replace("pkce: S256", "pkce: S512"), "/authorize/pkce: "),
                Arguments.of("unknown scope separator", BASE.replace("pkce: S256", "pkce: S256, scopeSeparator: ';'"),
                        "/authorize/scopeSeparator: "),
                Arguments.of("boolean where a string belongs",
                        BASE.replace("pkce: S256", "pkce: S256, extraParams: { prompt: true }"),
                        "/authorize/extraParams/prompt: "),
                Arguments.of("parameter without pattern",
                        BASE.replace("shop: { pattern: '[a-z0-9-]{1,40}', example: acme }", "shop: { example: acme }"),
                        "/connectionParameters/shop/pattern: is required"),
                Arguments.of("negative skew", BASE + "expiry: { policy: provider, skewSeconds: -5 }\n",
                        "/expiry/skewSeconds: "),
                Arguments.of("unknown field in revocation", BASE
                        + "revocation: { token: access, placement: bearer, verb: POST }\n",
                        "/revocation/verb: unknown field"),
                Arguments.of("rate limit without window", BASE + "rateLimit: { requests: 5, scope: app }\n",
                        "/rateLimit/windowSeconds: is required"),
                Arguments.of("iss flag that is not a boolean",
                        BASE.replace("pkce: S256", "pkce: S256, issParameterSupported: 'yes'"),
                        "/authorize/issParameterSupported: "),
                Arguments.of("issuer that is not a URL", BASE + "issuer: acme\n", "/issuer: "));
    }

    static Stream<Arguments> semanticViolations() {
        return Stream.of(
                Arguments.of("undeclared placeholder",
                        BASE.replace("token: https://{shop}", "token: https://{tenant}"),
                        "/urls/token: placeholder {tenant} is not declared in connectionParameters"),
                Arguments.of("plain http", BASE.replace("token: https://", "token: http://"),
                        "/urls/token: must be an https URL template"),
                Arguments.of("http to a public host even for tests", BASE.replace("token: https://", "token: http://")
                        + "allowInsecureForTesting: true\n",
                        "/urls/token: may use http only to a loopback host"),
                Arguments.of("user information in a URL",
                        BASE.replace("token: https://{shop}", "token: https://user@{shop}"),
                        "/urls/token: must not contain user information"),
                Arguments.of("placeholder in the scheme",
                        BASE.replace("token: https://{shop}.acme.example/oauth/token",
                                "token: '{shop}://acme.example/oauth/token'"),
                        "/urls/token: must be an https URL template"),
                Arguments.of("unbalanced template", BASE.replace("token: https://{shop}.", "token: https://{shop."),
                        "/urls/token: is not a valid URL template"),
                Arguments.of("reserved placeholder outside revocation",
                        BASE.replace("authorize: https://{shop}.acme.example/oauth/authorize",
                                "authorize: https://{shop}.acme.example/oauth/authorize/{token}"),
                        "/urls/authorize: placeholder {token} is only allowed in urls.revoke"),
                Arguments.of("invalid regular expression", BASE.replace("'[a-z0-9-]{1,40}'", "'[a-z'"),
                        "/connectionParameters/shop/pattern: is not a valid regular expression"),
                Arguments.of("default outside its pattern",
                        BASE.replace("example: acme", "example: acme, default: 'Evil.com'"),
                        "/connectionParameters/shop/default: does not match the pattern"),
                Arguments.of("example outside the safe characters",
                        BASE.replace("'[a-z0-9-]{1,40}'", "'.*'").replace("example: acme", "example: 'a/b'"),
                        "/connectionParameters/shop/example: may only contain"),
                Arguments.of("unused parameter",
                        BASE.replace("example: acme }", "example: acme }\n  region: { pattern: 'eu|us' }"),
                        "/connectionParameters/region: is not used by any URL template"),
                Arguments.of("pointer without leading slash", BASE + "tokenResponse: { accessToken: access_token }\n",
                        "/tokenResponse/accessToken: must be a JSON pointer"),
                Arguments.of("pointer with a bad escape", BASE + "errors: { codePointers: ['/err~2or'] }\n",
                        "/errors/codePointers/0: is not a valid JSON pointer"),
                Arguments.of("bad root pointer", BASE + "tokenResponse: { roots: ['', 'authed_user'] }\n",
                        "/tokenResponse/roots/1: must be a JSON pointer"),
                Arguments.of("fixed expiry without lifetime", BASE + "expiry: { policy: fixed }\n",
                        "/expiry/lifetimeSeconds: is required for policy fixed"),
                Arguments.of("lifetime without fixed expiry", BASE + "expiry: { policy: provider, lifetimeSeconds: 60 }\n",
                        "/expiry/lifetimeSeconds: is only for policy fixed"),
                Arguments.of("whenAbsent outside provider policy", BASE + "expiry: { policy: never, whenAbsent: never }\n",
                        "/expiry/whenAbsent: is only for policy provider"),
                Arguments.of("revocation without URL", BASE + "revocation: { token: access, placement: bearer }\n",
                        "/urls/revoke: is required when revocation is set"),
                Arguments.of("revocation URL without revocation",
                        BASE.replace("urls:\n", "urls:\n  revoke: https://acme.example/revoke\n"),
                        "/revocation: is required when urls.revoke is set"),
                Arguments.of("form revocation without field name",
                        BASE.replace("urls:\n", "urls:\n  revoke: https://acme.example/revoke\n")
                                + "revocation: { token: access, placement: form }\n",
                        "/revocation/param: is required for placement form"),
                Arguments.of("bearer revocation with basic client auth",
                        BASE.replace("urls:\n", "urls:\n  revoke: https://acme.example/revoke\n")
                                + "revocation: { token: access, placement: bearer, clientAuth: client_secret_basic }\n",
                        "/revocation/clientAuth: cannot be client_secret_basic with placement bearer"),
                Arguments.of("path revocation without {token}",
                        BASE.replace("urls:\n", "urls:\n  revoke: https://acme.example/revoke\n")
                                + "revocation: { token: refresh, placement: path }\n",
                        "/urls/revoke: must contain {token} for placement path"),
                Arguments.of("callback metadata without pattern",
                        BASE + "metadata:\n  realmId: { from: callback, param: realmId }\n",
                        "/metadata/realmId/pattern: is required for metadata from the callback"),
                Arguments.of("response metadata without pointer",
                        BASE + "metadata:\n  instance_url: { from: tokenResponse }\n",
                        "/metadata/instance_url/pointer: is required for metadata from the token response"),
                Arguments.of("reserved authorize parameter",
                        BASE.replace("pkce: S256", "pkce: S256, extraParams: { state: fixed }"),
                        "/authorize/extraParams/state: is set by the broker"),
                Arguments.of("reserved token parameter",
                        BASE.replace("clientAuth: client_secret_post", "clientAuth: client_secret_post, "
                                + "extraParams: { client_secret: x }"),
                        "/tokenRequest/extraParams/client_secret: is set by the broker"),
                Arguments.of("reserved header", BASE.replace("clientAuth: client_secret_post",
                        "clientAuth: client_secret_post, headers: { Authorization: x }"),
                        "/tokenRequest/headers/Authorization: is set by the broker"),
                Arguments.of("oauth2 without explicit PKCE choice", BASE.replace("authorize: { pkce: S256 }\n", ""),
                        "/authorize/pkce: is required for authMode oauth2"),
                Arguments.of("oauth2 without explicit client auth",
                        BASE.replace("tokenRequest: { clientAuth: client_secret_post }\n", ""),
                        "/tokenRequest/clientAuth: is required for authMode oauth2"),
                Arguments.of("api key provider with OAuth endpoints", BASE.replace("authMode: oauth2", "authMode: api_key"),
                        "/urls/authorize: is only for authMode oauth2"),
                Arguments.of("code both reauth and transient", BASE + "errors: { transientCodes: [invalid_grant] }\n",
                        "/errors/transientCodes/0: is also a reauth code"),
                Arguments.of("invalid description pattern", BASE + "errors: { reauthDescriptionPatterns: ['(x'] }\n",
                        "/errors/reauthDescriptionPatterns/0: is not a valid regular expression"),
                Arguments.of("iss required without an issuer to compare it with",
                        BASE.replace("pkce: S256", "pkce: S256, issParameterSupported: true"),
                        "/authorize/issParameterSupported: needs issuer"),
                Arguments.of("issuer over plain http", BASE + "issuer: http://login.acme.example\n",
                        "/issuer: must be an https URL template"),
                Arguments.of("issuer with a query", BASE + "issuer: https://login.acme.example/?tenant=1\n",
                        "/issuer: must not contain a query"),
                Arguments.of("issuer with an undeclared placeholder", BASE + "issuer: https://{tenant}.acme.example\n",
                        "/issuer: placeholder {tenant} is not declared in connectionParameters"),
                Arguments.of("issuer on an API-key provider", BASE.replace("authMode: oauth2", "authMode: api_key")
                        + "issuer: https://login.acme.example\n", "/issuer: is only for authMode oauth2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaViolations")
    void whenAnEntryBreaksTheSchemaThenLoadingFailsNamingProviderAndField(String why, String entry, String expected) {
        assertThatThrownBy(() -> TestCatalogs.withEntry(dir, "acme", entry))
                .as(why)
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'acme': " + expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("semanticViolations")
    void whenAnEntryBreaksASemanticRuleThenLoadingFailsNamingProviderAndField(String why, String entry,
            String expected) {
        assertThatThrownBy(() -> TestCatalogs.withEntry(dir, "acme", entry))
                .as(why)
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'acme': " + expected);
    }

    @Test
    void whenAnOverrideSendsShopifyTokensOverHttpThenTheMessageNamesShopifyAndTheField() {
        String shopify = """
                displayName: Shopify
                authMode: oauth2
                connectionParameters:
                  shop: { pattern: '[a-z0-9-]{1,60}' }
                urls:
                  authorize: https://{shop}.myshopify.com/admin/oauth/authorize
                  token: http://{shop}.myshopify.com/admin/oauth/access_token
                authorize: { pkce: none }
                tokenRequest: { clientAuth: client_secret_post }
                """;

        assertThatThrownBy(() -> TestCatalogs.withEntry(dir, "shopify", shopify))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'shopify': /urls/token: must be an https URL template")
                .hasMessageContaining("custom.yaml")
                .satisfies(e -> assertThat(((CatalogException) e).violations())
                        .extracting(CatalogViolation::providerId, CatalogViolation::pointer)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("shopify", "/urls/token")));
    }

    @Test
    void whenSeveralEntriesAreInvalidThenEveryProblemIsReported() {
        TestCatalogs.write(dir, "a.yaml", "providers:\n  one:\n    displayName: One\n    authMode: api_key\n");
        TestCatalogs.write(dir, "b.yaml", "providers:\n  two:\n    authMode: basic\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("2 problems")
                .hasMessageContaining("provider 'one': /apiKey: is required for authMode api_key")
                .hasMessageContaining("provider 'two': /displayName: is required");
    }

    @Test
    void whenAProviderIdIsMalformedThenLoadingFails() {
        assertThatThrownBy(() -> TestCatalogs.withEntry(dir, "Acme_Corp", BASE))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'Acme_Corp': /: provider id must be lower-case");
    }

    @Test
    void whenAFileHasAnUnknownTopLevelFieldThenLoadingFails() {
        TestCatalogs.write(dir, "a.yaml", "catalogVersion: \"1.0.0\"\nproviders: {}\nproviderz: {}\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("catalog file: /providerz: unknown field");
    }

    @Test
    void whenAFileHasAMalformedVersionThenLoadingFails() {
        TestCatalogs.write(dir, "a.yaml", "catalogVersion: latest\nproviders: {}\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("catalog file: /catalogVersion: must be a version string");
    }

    @Test
    void whenAFileIsNotAMappingThenLoadingFails() {
        TestCatalogs.write(dir, "a.json", "[1, 2]");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("catalog file: /: must be a mapping");
    }

    @Test
    void whenAFileRepeatsAKeyThenLoadingFails() {
        TestCatalogs.write(dir, "a.yaml", "providers:\n  acme:\n    displayName: A\n    displayName: B\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("a.yaml cannot be parsed")
                .hasMessageContaining("Duplicate");
    }

    @Test
    void whenAFileIsNotYamlThenLoadingFails() {
        TestCatalogs.write(dir, "a.yaml", "providers: [unclosed\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("a.yaml cannot be parsed");
    }

    @Test
    void whenTheDeploymentDirectoryIsMissingThenLoadingFails() {
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> new ProviderCatalog(missing))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("does not exist");
    }
}
