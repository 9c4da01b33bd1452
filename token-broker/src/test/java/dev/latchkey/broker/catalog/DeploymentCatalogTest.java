package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentCatalogTest {

    @TempDir
    Path dir;

    @Test
    void whenADeploymentFileAddsAProviderThenItIsInTheCatalogBesideTheBuiltInOnes() {
        ProviderCatalog catalog = TestCatalogs.withEntry(dir, "local-idp", TestCatalogs.localProvider(""));

        assertThat(catalog.size()).isEqualTo(TestCatalogs.builtIn().size() + 1);
        Provider local = catalog.get("local-idp");
        assertThat(local.allowInsecureForTesting()).isTrue();
        assertThat(local.resolveUrls(Map.of()).token()).hasToString("http://127.0.0.1:9/token");
        assertThat(catalog.sourceOf("local-idp")).endsWith("custom.yaml");
        assertThat(catalog.overriddenIds()).isEmpty();
    }

    @Test
    void whenADeploymentFileOverridesABuiltInProviderThenTheWholeEntryIsReplaced() {
        TestCatalogs.write(dir, "github.yaml", """
                providers:
                  github:
                    displayName: GitHub Enterprise (Acme)
                    authMode: oauth2
                    urls:
                      authorize: https://github.acme.example/login/oauth/authorize
                      token: https://github.acme.example/login/oauth/access_token
                    authorize: { pkce: S256 }
                    tokenRequest: { clientAuth: client_secret_basic }
                """);

        ProviderCatalog catalog = new ProviderCatalog(dir);

        Provider github = catalog.get("github");
        assertThat(github.displayName()).isEqualTo("GitHub Enterprise (Acme)");
        assertThat(github.resolveUrls(Map.of()).token().getHost()).isEqualTo("github.acme.example");
        assertThat(github.revocation()).as("not merged with the built-in entry").isNull();
        assertThat(github.errors().errorWhen()).isNull();
        assertThat(catalog.overriddenIds()).containsExactly("github");
        assertThat(catalog.sourceOf("github")).endsWith("github.yaml");
        assertThat(catalog.get("google")).isEqualTo(TestCatalogs.provider("google"));
    }

    @Test
    void whenTwoFilesDefineTheSameProviderThenTheLaterFileNameWins() {
        TestCatalogs.write(dir, "10-local.yaml",
                "providers:\n  local:\n" + indent(TestCatalogs.localProvider("")));
        TestCatalogs.write(dir, "20-local.json", """
                {"providers": {"local": {
                  "displayName": "Local, from JSON",
                  "authMode": "oauth2",
                  "allowInsecureForTesting": true,
                  "urls": {"authorize": "http://localhost:9/a", "token": "http://localhost:9/t"},
                  "authorize": {"pkce": "none"},
                  "tokenRequest": {"clientAuth": "client_secret_post", "bodyFormat": "json"}
                }}}
                """);
        TestCatalogs.write(dir, "notes.txt", "ignored: true");

        ProviderCatalog catalog = new ProviderCatalog(dir);

        assertThat(catalog.get("local").displayName()).isEqualTo("Local, from JSON");
        assertThat(catalog.get("local").tokenRequest().bodyFormat()).isEqualTo(BodyFormat.JSON);
        assertThat(catalog.sourceOf("local")).endsWith("20-local.json");
    }

    @Test
    void whenADeploymentFileIsInvalidThenNothingIsLoaded() {
        TestCatalogs.write(dir, "a.yaml", "providers:\n  good:\n" + indent(TestCatalogs.localProvider("")));
        TestCatalogs.write(dir, "b.yaml", "providers:\n  bad:\n    displayName: Bad\n    authMode: oauth2\n");

        assertThatThrownBy(() -> new ProviderCatalog(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("provider 'bad': /urls/authorize: is required for authMode oauth2")
                .hasMessageNotContaining("'good'");
    }

    @Test
    void whenAnEntryOmitsOptionalSectionsThenDefaultsApply() {
        Provider local = TestCatalogs.withEntry(dir, "local", TestCatalogs.localProvider("")).get("local");

        assertThat(local.authorize().scopeSeparator()).isEqualTo(" ");
        assertThat(local.authorize().scopeParam()).isEqualTo("scope");
        assertThat(local.tokenRequest().bodyFormat()).isEqualTo(BodyFormat.FORM);
        assertThat(local.tokenResponse()).isEqualTo(TokenResponseMapping.defaults());
        assertThat(local.expiry().policy()).isEqualTo(ExpiryPolicy.Kind.PROVIDER);
        assertThat(local.expiry().whenAbsent()).isEqualTo(ExpirySource.UNKNOWN);
        assertThat(local.expiry().skew()).isEqualTo(ExpiryPolicy.DEFAULT_SKEW);
        assertThat(local.errors().reauthCodes()).containsExactly("invalid_grant");
        assertThat(local.errors().codePointers()).containsExactly("/error");
        assertThat(local.revocation()).isNull();
        assertThat(local.rateLimit()).isNull();
    }

    private static String indent(String yaml) {
        return yaml.lines().map(line -> "    " + line).reduce("", (a, b) -> a + b + "\n");
    }
}
