package dev.latchkey.launcher;

import dev.latchkey.authz.web.LocalTokenIntrospector;
import dev.latchkey.authz.web.ProblemJsonAuthenticationHandlers;
import dev.latchkey.broker.access.BrokerScopes;
import dev.latchkey.broker.access.CachingTokenIntrospector;
import dev.latchkey.broker.config.BrokerProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The broker API's filter chain. It lives here, where both faces meet: internal services authenticate to the
 * token-broker with client-credentials tokens issued by the authz-server, checked in-process (no HTTP round trip)
 * and remembered for a few seconds ({@link CachingTokenIntrospector}). Scopes decide what a service may do; its
 * tenants are checked by the broker itself.
 */
@Configuration(proxyBeanMethods = false)
public class BrokerSecurityConfiguration {

    @Bean
    @Order(6)
    SecurityFilterChain brokerFilterChain(HttpSecurity http, LocalTokenIntrospector introspector,
            BrokerProperties properties) throws Exception {
        var problems = new ProblemJsonAuthenticationHandlers();
        var cached = new CachingTokenIntrospector(introspector, properties.callerCacheTtl(), Clock.systemUTC());
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
