package dev.latchkey.launcher;

import dev.latchkey.authz.web.LocalTokenIntrospector;
import dev.latchkey.authz.web.ProblemJsonAuthenticationHandlers;
import dev.latchkey.broker.access.BrokerScopes;
import dev.latchkey.broker.access.CachingTokenIntrospector;
import dev.latchkey.broker.access.BrokerCallers;
import dev.latchkey.broker.api.TokenFetchFilter;
import dev.latchkey.broker.config.BrokerProperties;
import dev.latchkey.broker.token.TokenService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionException;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * The broker API's filter chain. It lives here, where both faces meet: internal services authenticate to the
 * token-broker with client-credentials tokens issued by the authz-server, checked in-process (no HTTP round trip)
 * and remembered for a few seconds ({@link CachingTokenIntrospector}). Scopes decide what a service may do; its
 * tenants are checked by the broker itself.
 */
@Configuration(proxyBeanMethods = false)
public class BrokerSecurityConfiguration {

    /** Shared by the fast path and the chain; not a bean, so it never competes with the authz-server's introspectors. */
    private final CachingTokenIntrospector cached;

    BrokerSecurityConfiguration(LocalTokenIntrospector introspector, BrokerProperties properties) {
        this.cached = new CachingTokenIntrospector(introspector, properties.callerCacheTtl(), Clock.systemUTC());
    }

    /**
     * The token fetch, served before every other filter (see {@link TokenFetchFilter}). It is not in
     * {@code http_server_requests}; its own timer {@code latchkey_broker_token_fetch} is, tagged by status.
     */
    @Bean
    FilterRegistrationBean<TokenFetchFilter> tokenFetchFilter(TokenService tokens, BrokerCallers callers,
            JsonMapper json, MeterRegistry meters) {
        FilterRegistrationBean<TokenFetchFilter> registration = new FilterRegistrationBean<>(new TokenFetchFilter(
                tokens, token -> {
                    try {
                        return callers.callerFor(cached.introspect(token));
                    } catch (OAuth2IntrospectionException | OAuth2AuthenticationException e) {
                        return null;
                    }
                }, json, fetchTimers(meters)));
        registration.addUrlPatterns("/broker/v1/connections/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /** One timer per status, looked up without allocating on the hot path. */
    private static TokenFetchFilter.Metrics fetchTimers(MeterRegistry meters) {
        Map<Integer, Timer> timers = new ConcurrentHashMap<>();
        return (status, nanos) -> timers.computeIfAbsent(status, s -> Timer.builder("latchkey.broker.token.fetch")
                .description("Token fetches served by the broker's fast path")
                .tag("status", Integer.toString(s)).register(meters)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Bean
    @Order(6)
    SecurityFilterChain brokerFilterChain(HttpSecurity http) throws Exception {
        var problems = new ProblemJsonAuthenticationHandlers();
        http.securityMatcher("/broker/v1/**")
                .authorizeHttpRequests(authorize -> authorize
                        .requestMatchers(HttpMethod.GET, "/broker/v1/connections/*/token")
                        .hasAuthority("SCOPE_" + BrokerScopes.TOKEN_READ)
                        .requestMatchers(HttpMethod.POST, "/broker/v1/connections/*/token/refresh")
                        .hasAuthority("SCOPE_" + BrokerScopes.TOKEN_REFRESH)
                        .requestMatchers("/broker/v1/connections", "/broker/v1/connections/*",
                                "/broker/v1/connect-sessions", "/broker/v1/connect-sessions/*")
                        .hasAuthority("SCOPE_" + BrokerScopes.CONNECTIONS_MANAGE)
                        .anyRequest().denyAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .securityContext(context -> context.requireExplicitSave(true))
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems)
                        .opaqueToken(token -> token.introspector(cached)));
        return http.build();
    }
}
