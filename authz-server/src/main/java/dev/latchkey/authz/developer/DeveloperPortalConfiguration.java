package dev.latchkey.authz.developer;

import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.hashing.TokenHasher;
import dev.latchkey.authz.scope.ScopeCatalogue;
import dev.latchkey.authz.web.ProblemJsonAuthenticationHandlers;
import org.jooq.DSLContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The developer portal's services, the developer API's filter chain (bearer personal API tokens, order 4: after
 * the admin API, before the page chain that serves the portal's pages under {@code /developer}), and the public
 * OpenAPI description.
 */
@Configuration(proxyBeanMethods = false)
public class DeveloperPortalConfiguration {

    @Bean
    ScopeCatalogue scopeCatalogue(DSLContext dsl) {
        return new ScopeCatalogue(dsl);
    }

    @Bean
    AppActivityService appActivityService(DSLContext dsl) {
        return new AppActivityService(dsl);
    }

    @Bean
    DeveloperPortal developerPortal(DSLContext dsl, AppService apps, ScopeCatalogue scopes, AppActivityService activity,
            AuditTrail auditTrail) {
        return new DeveloperPortal(dsl, apps, scopes, activity, auditTrail);
    }

    @Bean
    DeveloperTokens developerTokens(DSLContext dsl, TokenHasher hasher, AuditTrail auditTrail) {
        return new DeveloperTokens(dsl, hasher, auditTrail);
    }

    /**
     * Stateless and cookie-free: the API reads only the {@code Authorization} header, so a browser's session cannot
     * be ridden into it (no CSRF surface) and the pages' session is never created here.
     */
    @Bean
    @Order(4)
    SecurityFilterChain developerApiFilterChain(HttpSecurity http, DeveloperTokens tokens) throws Exception {
        var problems = new ProblemJsonAuthenticationHandlers();
        http.securityMatcher("/developer/v1/**")
                .authorizeHttpRequests(authorize -> authorize.anyRequest().hasRole("DEVELOPER"))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems)
                        .opaqueToken(token -> token.introspector(new DeveloperTokenIntrospector(tokens))));
        return http.build();
    }

    /** The OpenAPI description is public, like the discovery documents. */
    @Bean
    @Order(5)
    SecurityFilterChain openApiFilterChain(HttpSecurity http) throws Exception {
        http.securityMatcher("/openapi.yaml")
                .authorizeHttpRequests(authorize -> authorize.anyRequest().permitAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable());
        return http.build();
    }
}
