package dev.latchkey.authz.client;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppServiceValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"https://app.example/cb", "http://127.0.0.1/cb", "http://127.0.0.1:8000/cb", "http://[::1]/cb",
            "https://app.example/cb?x=1"})
    void whenRedirectUriIsExactHttpsOrLoopbackThenAccepted(String uri) {
        assertThatCode(() -> AppService.validateRedirectUri(uri)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://app.example/cb", "http://localhost/cb", "https://app.example/cb#frag", "https://*.example/cb",
            "https://app.example/*", "/relative", "javascript:alert(1)", "https://user:pw@app.example/cb", "custom:/x", "", " "})
    void whenRedirectUriIsUnsafeThenRejected(String uri) {
        assertThatThrownBy(() -> AppService.validateRedirectUri(uri))
                .isInstanceOfSatisfying(InvalidAppException.class, e -> org.assertj.core.api.Assertions.assertThat(e.redirectUri()).isTrue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"})
    void whenGrantTypeIsNotOffered(String grant) {
        assertThatThrownBy(() -> AppService.validate(registration(List.of(grant), "client_secret_basic")))
                .isInstanceOf(InvalidAppException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none"})
    void whenPublicClientAsksForClientCredentialsThenRejected(String method) {
        assertThatThrownBy(() -> AppService.validate(registration(List.of("client_credentials"), method)))
                .isInstanceOf(InvalidAppException.class);
    }

    private static AppRegistration registration(List<String> grants, String method) {
        return new AppRegistration(UUID.randomUUID(), "n", null, List.of("https://a.example/cb"), List.of("read"), grants,
                method, null, null, null, null, null, null, null);
    }
}
