package dev.latchkey.authz.web;

import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.audit.AuditingConsentService;
import dev.latchkey.authz.audit.ClientAuthenticationAudit;
import dev.latchkey.authz.audit.GrantFailureAudit;
import dev.latchkey.authz.audit.IntrospectionAudit;
import dev.latchkey.authz.authorization.AuditedTokenProvider;
import dev.latchkey.authz.authorization.JooqOAuth2AuthorizationConsentService;
import dev.latchkey.authz.authorization.JooqOAuth2AuthorizationService;
import dev.latchkey.authz.client.JooqRegisteredClientRepository;
import dev.latchkey.authz.client.UnpublishedAppValidator;
import dev.latchkey.authz.hashing.GracePeriodSecretEncoder;
import dev.latchkey.authz.hashing.VerifiedSecretCache;
import dev.latchkey.authz.throttle.FailureThrottle;
import dev.latchkey.authz.throttle.ThrottledClientAuthenticationProvider;
import dev.latchkey.authz.throttle.ThrottledClientErrorHandler;
import dev.latchkey.authz.token.PrefixedTokenGenerator;
import java.time.Clock;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.server.resource.authentication.OpaqueTokenAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.ClientSecretAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.savedrequest.CookieRequestCache;
import org.springframework.security.web.savedrequest.RequestCache;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * Filter chains for the OAuth endpoints and Latchkey's bearer-token APIs. The page chain (login, consent,
 * connected apps) lives in consent-ui.
 */
@Configuration(proxyBeanMethods = false)
public class AuthzSecurityConfiguration {

    public static final String CONSENT_PAGE = "/oauth2/consent";
    public static final String LOGIN_PAGE = "/login";

    /** What discovery advertises: only grants and client authentication methods an app can actually register. */
    private static final List<String> OFFERED_GRANTS = List.of("authorization_code", "refresh_token", "client_credentials");
    private static final List<String> OFFERED_CLIENT_AUTH = List.of("client_secret_basic", "client_secret_post", "none");

    /**
     * No observation per security filter and per authentication: on the token endpoint they cost more CPU than the
     * grant itself. Request-level HTTP metrics (http_server_requests) remain.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    FilterRegistrationBean<UnparseableRequestFilter> unparseableRequestFilter() {
        FilterRegistrationBean<UnparseableRequestFilter> registration = new FilterRegistrationBean<>(new UnparseableRequestFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * Where a browser sent to sign in returns afterwards (the authorization request it came with): kept in a cookie
     * on the browser, never in an HTTP session. Spring's default saved every such request in a new session, so each
     * anonymous request to a protected page or to the authorization endpoint cost the server a session for 30
     * minutes, and a flood of them filled the heap. The cookie holds only a path and query on this origin (the
     * host comes from the request that reads it), HttpOnly and SameSite=Lax; the page chain spends it at sign-in.
     */
    @Bean
    RequestCache savedRequests() {
        CookieRequestCache cache = new CookieRequestCache();
        // Only a GET can be resumed by redirecting to it after sign-in.
        cache.setRequestMatcher(request -> HttpMethod.GET.matches(request.getMethod()));
        cache.setCookieCustomizer(cookie -> cookie.setAttribute("SameSite", "Lax"));
        return cache;
    }

    @Bean
    LocalTokenIntrospector localTokenIntrospector(JooqOAuth2AuthorizationService authorizations) {
        return new LocalTokenIntrospector(authorizations);
    }

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerFilterChain(HttpSecurity http,
            JooqRegisteredClientRepository clients,
            JooqOAuth2AuthorizationService authorizations,
            JooqOAuth2AuthorizationConsentService consents,
            OAuth2TokenGenerator<?> tokenGenerator,
            PrefixedTokenGenerator prefixed,
            VerifiedSecretCache clientSecretEncoder,
            LocalTokenIntrospector introspector,
            AccountService accounts,
            AuditTrail auditTrail,
            IntrospectionAudit introspections,
            GrantFailureAudit grantFailures,
            FailureThrottle throttle,
            RequestCache savedRequests) throws Exception {
        var responses = new IssuerAuthorizationResponseHandler();
        var codes = prefixed.authorizationCodes();
        http.oauth2AuthorizationServer(server -> {
            http.securityMatcher(server.getEndpointsMatcher());
            server.registeredClientRepository(clients)
                    .authorizationService(authorizations)
                    .authorizationConsentService(new AuditingConsentService(consents, auditTrail))
                    .tokenGenerator(tokenGenerator)
                    // Token events are audited in the transaction of the action (client credentials: in the batch).
                    .tokenEndpoint(token -> token.authenticationProviders(providers -> providers.replaceAll(
                            p -> new AuditedTokenProvider(p, authorizations, auditTrail, introspections, grantFailures))))
                    .tokenRevocationEndpoint(revocation -> revocation.authenticationProviders(providers -> providers.replaceAll(
                            p -> new AuditedTokenProvider(p, authorizations, auditTrail, introspections, grantFailures))))
                    .tokenIntrospectionEndpoint(introspection -> introspection.authenticationProviders(providers -> providers.replaceAll(
                            p -> new AuditedTokenProvider(p, authorizations, auditTrail, introspections, grantFailures))))
                    .clientAuthentication(client -> client
                            .authenticationProviders(providers -> providers.replaceAll(p -> {
                                if (p instanceof ClientSecretAuthenticationProvider secrets) {
                                    // Understands the rotation grace period (two hashes and an end) on top of the cache.
                                    secrets.setPasswordEncoder(new GracePeriodSecretEncoder(clientSecretEncoder, Clock.systemUTC()));
                                    // Brute-force limits per client id and source, checked before Argon2id.
                                    return new ThrottledClientAuthenticationProvider(secrets, throttle);
                                }
                                return p;
                            }))
                            // Failures audited; invalid_client/401 as before; Retry-After added while throttled.
                            .errorResponseHandler(new ClientAuthenticationAudit(new ThrottledClientErrorHandler(), auditTrail)))
                    .authorizationEndpoint(endpoint -> endpoint
                            .consentPage(CONSENT_PAGE)
                            .authorizationResponseHandler(responses)
                            .errorResponseHandler(responses)
                            .authenticationProviders(providers -> providers.forEach(p -> {
                                if (p instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider request) {
                                    request.setAuthorizationCodeGenerator(codes);
                                    // Unpublished apps are private to their team (after redirect URI and scope checks).
                                    request.setAuthenticationValidator(new OAuth2AuthorizationCodeRequestAuthenticationValidator()
                                            .andThen(new UnpublishedAppValidator(username -> accounts.findUser(username)
                                                    .map(AccountService.Account::teamId))));
                                }
                                if (p instanceof OAuth2AuthorizationConsentAuthenticationProvider consent) {
                                    consent.setAuthorizationCodeGenerator(codes);
                                }
                            })))
                    .authorizationServerMetadataEndpoint(metadata -> metadata.authorizationServerMetadataCustomizer(
                            claims -> claims.claim("authorization_response_iss_parameter_supported", true)
                                    .claim("registration_endpoint", issuer(claims.build().getIssuer().toString()) + "/connect/register")
                                    .grantTypes(types -> types.retainAll(OFFERED_GRANTS))
                                    .tokenEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH))
                                    .tokenIntrospectionEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH))
                                    .tokenRevocationEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH))))
                    .oidc(oidc -> oidc.providerConfigurationEndpoint(provider -> provider.providerConfigurationCustomizer(
                            claims -> claims.claim("authorization_response_iss_parameter_supported", true)
                                    .claim("registration_endpoint", issuer(claims.build().getIssuer().toString()) + "/connect/register")
                                    .grantTypes(types -> types.retainAll(OFFERED_GRANTS))
                                    .tokenEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH))
                                    .tokenIntrospectionEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH))
                                    .tokenRevocationEndpointAuthenticationMethods(methods -> methods.retainAll(OFFERED_CLIENT_AUTH)))));
        });
        http.authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
                .requestCache(cache -> cache.requestCache(savedRequests))
                .exceptionHandling(exceptions -> exceptions.defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint(LOGIN_PAGE), new MediaTypeRequestMatcher(MediaType.TEXT_HTML)))
                // The OIDC configurer insists on jwt() for userinfo; our access tokens may be opaque, so every bearer
                // token is checked by the same hashed lookup instead of signature verification.
                .oauth2ResourceServer(resourceServer -> resourceServer.jwt(jwt -> jwt.authenticationManager(
                        new ProviderManager(new OpaqueTokenAuthenticationProvider(introspector)))));
        return http.build();
    }

    /**
     * RFC 7591/7592 registration: its bearer tokens are initial and registration access tokens, not access tokens,
     * so the endpoint authenticates them itself.
     */
    @Bean
    @Order(2)
    SecurityFilterChain registrationFilterChain(HttpSecurity http) throws Exception {
        http.securityMatcher("/connect/register", "/connect/register/**")
                .authorizeHttpRequests(authorize -> authorize.anyRequest().permitAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable());
        return http.build();
    }

    @Bean
    @Order(3)
    SecurityFilterChain apiFilterChain(HttpSecurity http, LocalTokenIntrospector introspector) throws Exception {
        var problems = new ProblemJsonAuthenticationHandlers();
        http.securityMatcher("/admin/v1/**")
                .authorizeHttpRequests(authorize -> authorize
                        // The audit trail is readable with the narrower scope audit:read; all else needs admin.
                        .requestMatchers(HttpMethod.GET, "/admin/v1/audit/**").hasAnyAuthority("SCOPE_admin", "SCOPE_audit:read")
                        .requestMatchers("/admin/v1/**").hasAuthority("SCOPE_admin")
                        .anyRequest().denyAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems)
                        .opaqueToken(token -> token.introspector(introspector)));
        return http.build();
    }

    private static String issuer(String issuer) {
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }
}
