package dev.latchkey.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.broker.access.BrokerCaller;
import dev.latchkey.broker.access.BrokerScopes;
import jakarta.servlet.FilterChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fast path must refuse exactly what the security chain refuses, and hand everything it does not own to the
 * chain. (Successful fetches are proven end to end in the launcher's broker tests.)
 */
class TokenFetchFilterTest {

    private static final String PATH = "/broker/v1/connections/" + UUID.randomUUID() + "/token";
    private final AtomicInteger chained = new AtomicInteger();
    private final FilterChain chain = (request, response) -> chained.incrementAndGet();
    private final List<Integer> fetched = new ArrayList<>();
    private final TokenFetchFilter filter = new TokenFetchFilter(null, token -> switch (token) {
        case "reader" -> new BrokerCaller("svc", Set.of(BrokerScopes.TOKEN_READ), Set.of("*"));
        case "manager" -> new BrokerCaller("svc", Set.of(BrokerScopes.CONNECTIONS_MANAGE), Set.of("*"));
        default -> null;
    }, JsonMapper.builder().build(), (status, nanos) -> fetched.add(status));

    @Test
    void whenNoBearerTokenThen401WithChallengeAndNothingElseRuns() throws Exception {
        MockHttpServletResponse response = run(request(PATH, null));
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(response.getContentType()).isEqualTo("application/problem+json");
        assertThat(chained).hasValue(0);
        assertThat(fetched).containsExactly(401);
    }

    @Test
    void whenTokenIsNotActiveThen401InvalidToken() throws Exception {
        MockHttpServletResponse response = run(request(PATH, "Bearer forged"));
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeader("WWW-Authenticate")).contains("invalid_token");
        assertThat(response.getContentAsString()).doesNotContain("forged");
    }

    @Test
    void whenTokenLacksReadScopeThen403InsufficientScope() throws Exception {
        MockHttpServletResponse response = run(request(PATH, "Bearer manager"));
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getHeader("WWW-Authenticate")).contains("insufficient_scope");
        assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void whenRequestIsNotExactlyATokenFetchThenTheChainHandlesIt() throws Exception {
        for (MockHttpServletRequest other : new MockHttpServletRequest[] {
                request("/broker/v1/connections/not-a-uuid/token", "Bearer reader"),
                request(PATH + "/refresh", "Bearer reader"),
                request("/broker/v1/connections/" + UUID.randomUUID(), "Bearer reader"),
                withQuery(request(PATH, "Bearer reader")),
                post(request(PATH, "Bearer reader"))}) {
            run(other);
        }
        assertThat(chained).hasValue(5);
        assertThat(fetched).as("requests the chain handles are not counted as fetches").isEmpty();
    }

    @Test
    void whenPathsAreMatchedThenOnlyTheCanonicalUuidFormIsAConnectionId() {
        String id = "0b6f3c1e-8a3d-4c55-9f0e-2d7c9b1a4E10";
        assertThat(TokenFetchFilter.connectionIdOf("/broker/v1/connections/" + id + "/token")).isEqualTo(id);
        for (String other : List.of(
                "/broker/v1/connections/0b6f3c1e8a3d-4c55-9f0e-2d7c9b1a4e10-/token", // dash moved
                "/broker/v1/connections/0b6f3c1e-8a3d-4c55-9f0e-2d7c9b1a4e1g/token", // not hex
                "/broker/v1/connections/0b6f3c1e-8a3d-4c55-9f0e-2d7c9b1a4e1\u0663/token".translateEscapes(), // Arabic-Indic 3
                "/broker/v1/connections/1-1-1-1-1/token", // UUID.fromString would take it
                "/broker/v1/connections/" + id + "/tokens",
                "/broker/v1/connections/" + id + "/token/",
                "/broker/v2/connections/" + id + "/token",
                "/broker/v1/connections/" + id + "/refresh",
                "/broker/v1/connections//" + id.substring(1) + "/token",
                "")) {
            assertThat(TokenFetchFilter.connectionIdOf(other)).as(other).isNull();
        }
    }

    private MockHttpServletResponse run(MockHttpServletRequest request) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);
        return response;
    }

    private static MockHttpServletRequest request(String uri, String authorization) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", uri);
        if (authorization != null) {
            request.addHeader("Authorization", authorization);
        }
        return request;
    }

    private static MockHttpServletRequest withQuery(MockHttpServletRequest request) {
        request.setQueryString("x=1");
        return request;
    }

    private static MockHttpServletRequest post(MockHttpServletRequest request) {
        request.setMethod("POST");
        return request;
    }
}
