package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_ENDPOINTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SecretBytes;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookEndpointsTest extends WebhookStoreTest {

    private static WebhookEndpoints endpoints;
    private static WebhookEndpoints strictEndpoints;

    @BeforeAll
    static void start() {
        endpoints = new WebhookEndpoints(db.node().dsl(), sealer, true);
        strictEndpoints = new WebhookEndpoints(db.node().dsl(), sealer, false);
    }

    @Test
    void whenCreatedThenTheSecretIsReturnedOnceAndListingsCarryNone() {
        CreatedWebhookEndpoint created = endpoints.create("https://hooks.example.com/latchkey", "acme",
                List.of("connection.needs_reauth", "connection.deleted"));

        assertThat(created.secret()).startsWith("whsec_");
        assertThat(WebhookSignatures.decodeSecret(created.secret())).hasSize(32);
        assertThat(created.toString()).doesNotContain(created.secret());
        assertThat(created.endpoint().url()).isEqualTo("https://hooks.example.com/latchkey");
        assertThat(created.endpoint().tenant()).isEqualTo("acme");
        assertThat(created.endpoint().eventTypes()).containsExactly("connection.needs_reauth", "connection.deleted");
        assertThat(created.endpoint().enabled()).isTrue();
        assertThat(endpoints.list()).containsExactly(created.endpoint());
        assertThat(endpoints.find(created.endpoint().id())).contains(created.endpoint());
        assertThat(endpoints.list().toString()).doesNotContain(created.secret());
    }

    @Test
    void whenCreatedThenTheSecretIsSealedAndAppearsNowhereInTheTable() {
        CreatedWebhookEndpoint created = endpoints.create("https://hooks.example.com/a", null, List.of());
        byte[] key = WebhookSignatures.decodeSecret(created.secret());
        String base64 = created.secret().substring("whsec_".length());

        String wholeTable = db.node().dsl().fetchSingle("select string_agg(t::text, '|') from webhook_endpoints t")
                .get(0, String.class);
        byte[] sealed = db.node().dsl().select(WEBHOOK_ENDPOINTS.SECRET_SEALED).from(WEBHOOK_ENDPOINTS)
                .fetchSingle().value1();

        assertThat(wholeTable).doesNotContain(base64).doesNotContain(HexFormat.of().formatHex(key));
        assertThat(indexOf(sealed, key)).isEqualTo(-1);
        try (SecretBytes opened = sealer.open(sealed, WebhookEndpoints.sealContext(created.endpoint().id()))) {
            assertThat(opened.revealBytes()).isEqualTo(key);
        }
    }

    @Test
    void whenASealedSecretIsOpenedForAnotherEndpointThenItDoesNotOpen() {
        CreatedWebhookEndpoint created = endpoints.create("https://hooks.example.com/a", null, List.of());
        byte[] sealed = db.node().dsl().select(WEBHOOK_ENDPOINTS.SECRET_SEALED).from(WEBHOOK_ENDPOINTS)
                .fetchSingle().value1();

        assertThatThrownBy(() -> sealer.open(sealed, WebhookEndpoints.sealContext(UUID.randomUUID())))
                .isInstanceOf(SealedDataException.class);
        assertThatThrownBy(() -> sealer.open(sealed, new SealContext("acme", created.endpoint().id().toString(),
                WebhookEndpoints.SECRET_PURPOSE))).isInstanceOf(SealedDataException.class);
    }

    @Test
    void whenTwoEndpointsAreCreatedThenTheirSecretsDiffer() {
        String first = endpoints.create("https://hooks.example.com/a", null, null).secret();
        String second = endpoints.create("https://hooks.example.com/a", null, null).secret();

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void whenDeletedThenItIsGoneAndASecondDeleteFindsNothing() {
        UUID id = endpoints.create("https://hooks.example.com/a", null, null).endpoint().id();

        assertThat(endpoints.delete(id)).isTrue();
        assertThat(endpoints.list()).isEmpty();
        assertThat(endpoints.delete(id)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "not a url", "/relative/path", "hooks.example.com/x", "ftp://hooks.example.com/x",
            "javascript:alert(1)", "mailto:ops@example.com", "https:///no-host", "https://user:pw@hooks.example.com/x",
            "https://hooks.example.com/x#fragment", "http://hooks.example.com/x", "http://10.0.0.1/x",
            "http://127.0.0.1.nip.io/x", "https://hooks.example.com/ x"})
    void whenTheUrlIsInvalidThenRejectedNamingTheUrlField(String url) {
        assertThatThrownBy(() -> endpoints.create(url, null, null))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class, e -> {
                    assertThat(e.field()).isEqualTo("url");
                    if (url != null && !url.isBlank()) {
                        assertThat(e.getMessage()).doesNotContain(url);
                    }
                });
        assertThat(endpoints.list()).isEmpty();
    }

    @Test
    void whenTheUrlIsLongerThan2000CharactersThenRejected() {
        String url = "https://hooks.example.com/" + "a".repeat(2000);

        assertThatThrownBy(() -> endpoints.create(url, null, null))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class,
                        e -> assertThat(e.field()).isEqualTo("url"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://[::1]:9000/hooks",
            "http://127.10.0.1/hooks"})
    void whenPlainHttpGoesToLoopbackThenAcceptedOnlyWhereInsecureLoopbackIsAllowed(String url) {
        assertThat(endpoints.create(url, null, null).endpoint().url()).isEqualTo(url);

        assertThatThrownBy(() -> strictEndpoints.create(url, null, null))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class,
                        e -> assertThat(e.getMessage()).contains("https"));
    }

    @Test
    void whenTheSchemeIsUpperCaseThenItIsStoredLowerCase() {
        assertThat(strictEndpoints.create("HTTPS://Hooks.Example.com/X", null, null).endpoint().url())
                .isEqualTo("https://Hooks.Example.com/X");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-acme", ".acme", "ac me", "acme/1", "acme\n", "ácme"})
    void whenTheTenantIsInvalidThenRejectedNamingTheTenantField(String tenant) {
        assertThatThrownBy(() -> endpoints.create("https://hooks.example.com/a", tenant, null))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class,
                        e -> assertThat(e.field()).isEqualTo("tenant"));
    }

    @Test
    void whenTheTenantIsLongerThan128CharactersThenRejected() {
        assertThatThrownBy(() -> endpoints.create("https://hooks.example.com/a", "a".repeat(129), null))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class,
                        e -> assertThat(e.field()).isEqualTo("tenant"));
        assertThat(endpoints.create("https://hooks.example.com/a", "a".repeat(128), null).endpoint().tenant())
                .hasSize(128);
    }

    @Test
    void whenAnEventTypeIsUnknownThenRejectedNamingTheEventTypesField() {
        assertThatThrownBy(() -> endpoints.create("https://hooks.example.com/a", null,
                List.of("connection.deleted", "connection.exploded")))
                .isInstanceOfSatisfying(InvalidWebhookEndpointException.class, e -> {
                    assertThat(e.field()).isEqualTo("eventTypes");
                    assertThat(e.getMessage()).doesNotContain("exploded").contains("connection.needs_reauth");
                });
        assertThatThrownBy(() -> endpoints.create("https://hooks.example.com/a", null,
                Arrays.asList("connection.deleted", null)))
                .isInstanceOf(InvalidWebhookEndpointException.class);
        assertThat(endpoints.list()).isEmpty();
    }

    @Test
    void whenEventTypesRepeatThenEachIsStoredOnce() {
        assertThat(endpoints.create("https://hooks.example.com/a", null,
                List.of("connection.deleted", "connection.created", "connection.deleted")).endpoint().eventTypes())
                .containsExactly("connection.created", "connection.deleted");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
