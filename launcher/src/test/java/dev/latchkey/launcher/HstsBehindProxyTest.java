package dev.latchkey.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HSTS as deployed behind a TLS-terminating reverse proxy: a node started with
 * {@code server.forward-headers-strategy=native} (the README's setting) sends {@code Strict-Transport-Security} on
 * pages, OAuth endpoints, the broker API and the token-fetch fast path when the proxy says the request came over
 * HTTPS, and never on plain HTTP (where browsers ignore it and it would only mislead).
 */
class HstsBehindProxyTest {

    private static final String HSTS = "max-age=31536000 ; includeSubDomains";
    private static final List<String> PATHS = List.of("/login", "/oauth2/token", "/broker/v1/connections",
            "/broker/v1/connections/" + UUID.randomUUID() + "/token", "/.well-known/oauth-authorization-server");

    private static SecondNode proxied;

    @BeforeAll
    static void start() {
        proxied = SecondNode.start("behind-proxy", "--server.forward-headers-strategy=native");
    }

    @AfterAll
    static void stop() {
        proxied.close();
    }

    @Test
    void whenTheProxySaysHttpsThenEveryKindOfResponseCarriesHsts() {
        for (String path : PATHS) {
            HttpResponse<String> response = Http.api().get(proxied.baseUrl() + path, "X-Forwarded-Proto", "https");
            assertThat(response.statusCode()).as(path).isLessThan(500);
            assertThat(hsts(response)).as(path + " over HTTPS").contains(HSTS);
        }
    }

    @Test
    void whenTheRequestIsPlainHttpThenNoHsts() {
        for (String path : PATHS) {
            assertThat(hsts(Http.api().get(proxied.baseUrl() + path))).as(path + " over HTTP").isEmpty();
        }
    }

    private static Optional<String> hsts(HttpResponse<String> response) {
        return response.headers().firstValue("Strict-Transport-Security");
    }
}
