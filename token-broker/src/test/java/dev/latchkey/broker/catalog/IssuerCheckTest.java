package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 9207 §2.4 on the broker's side: an authorization response's {@code iss} against the catalogued issuer. */
class IssuerCheckTest {

    private static final String ISSUER = "https://login.acme.example/tenants/acme";

    @TempDir
    Path dir;

    private Provider provider(String extra) {
        return provider(extra, false);
    }

    private Provider provider(String extra, boolean issParameterSupported) {
        String entry = TestCatalogs.localProvider(extra)
                .replace("pkce: S256", "pkce: S256, issParameterSupported: " + issParameterSupported);
        return TestCatalogs.withEntry(dir, "acme", entry).get("acme");
    }

    private static IssuerCheck.Verdict check(Provider provider, Map<String, String> query) {
        return IssuerCheck.check(provider, TestCatalogs.urls(provider), query);
    }

    @Test
    void whenIssEqualsTheCataloguedIssuerThenTheResponseIsAccepted() {
        Provider acme = provider("issuer: " + ISSUER + "\n");

        assertThat(check(acme, Map.of("code", "c", "state", "s", "iss", ISSUER)))
                .isEqualTo(IssuerCheck.Verdict.ACCEPTED);
        assertThat(check(acme, Map.of("error", "access_denied", "iss", ISSUER)))
                .isEqualTo(IssuerCheck.Verdict.ACCEPTED);
    }

    @Test
    void whenIssDiffersInAnyWayThenItIsAMismatchNeverNormalisedAway() {
        Provider acme = provider("issuer: " + ISSUER + "\n");

        for (String other : new String[] {ISSUER + "/", "https://LOGIN.acme.example/tenants/acme",
                "http://login.acme.example/tenants/acme", "https://login.acme.example:443/tenants/acme",
                "https://login.acme.example/tenants/acme2", "https://login.acme.example/tenants/acme?x",
                "https://login.evil.example/tenants/acme", "", " " + ISSUER}) {
            assertThat(check(acme, Map.of("code", "c", "iss", other))).as(other)
                    .isEqualTo(IssuerCheck.Verdict.MISMATCH);
            assertThat(check(acme, Map.of("error", "access_denied", "iss", other))).as("error response, " + other)
                    .isEqualTo(IssuerCheck.Verdict.MISMATCH);
        }
    }

    @Test
    void whenTheProviderAlwaysSendsIssAndItIsMissingThenTheResponseIsRefused() {
        Provider acme = provider("issuer: " + ISSUER + "\n", true);

        assertThat(check(acme, Map.of("code", "c", "state", "s"))).isEqualTo(IssuerCheck.Verdict.MISSING);
        assertThat(check(acme, Map.of("error", "access_denied"))).isEqualTo(IssuerCheck.Verdict.MISSING);
    }

    @Test
    void whenIssIsMissingFromAProviderThatMaySendItThenTheResponseIsAccepted() {
        Provider acme = provider("issuer: " + ISSUER + "\n");

        assertThat(check(acme, Map.of("code", "c"))).isEqualTo(IssuerCheck.Verdict.ACCEPTED);
    }

    @Test
    void whenNoIssuerIsCataloguedThenAnyIssIsIgnored() {
        Provider acme = provider("");

        assertThat(check(acme, Map.of("code", "c", "iss", "https://login.evil.example")))
                .isEqualTo(IssuerCheck.Verdict.ACCEPTED);
    }

    @Test
    void whenTheIssuerDependsOnTheConnectionThenAnotherConnectionsIssuerIsAMismatch() {
        Provider acme = TestCatalogs.withEntry(dir, "acme", """
                displayName: Acme
                authMode: oauth2
                connectionParameters:
                  org: { pattern: '[a-z0-9-]{1,40}' }
                issuer: https://{org}.acme.example
                urls:
                  authorize: https://{org}.acme.example/authorize
                  token: https://{org}.acme.example/token
                authorize: { pkce: S256, issParameterSupported: true }
                tokenRequest: { clientAuth: client_secret_basic }
                """).get("acme");
        ConnectionUrls north = acme.resolveUrls(Map.of("org", "north"));

        assertThat(IssuerCheck.check(acme, north, Map.of("code", "c", "iss", "https://north.acme.example")))
                .isEqualTo(IssuerCheck.Verdict.ACCEPTED);
        assertThat(IssuerCheck.check(acme, north, Map.of("code", "c", "iss", "https://south.acme.example")))
                .isEqualTo(IssuerCheck.Verdict.MISMATCH);
    }
}
