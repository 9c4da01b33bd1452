package dev.latchkey.ui;

import dev.latchkey.authz.throttle.FailureThrottle;
import dev.latchkey.authz.throttle.LoginThrottleFilter;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.session.ChangeSessionIdAuthenticationStrategy;
import org.springframework.security.web.authentication.session.CompositeSessionAuthenticationStrategy;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.savedrequest.RequestCache;

/**
 * The page chain: login, consent, connected apps, connect pages, developer portal, admin pages, errors. Strict CSP with no inline code and no third-party
 * origins, {@code frame-ancestors 'none'}, CSRF tokens on every form, session id changed at login, no session
 * before it, and at most {@code latchkey.sessions.max-per-account} (10) signed-in sessions per account.
 */
@Configuration(proxyBeanMethods = false)
public class UiSecurityConfiguration {

    /**
     * No {@code form-action}: browsers apply it to the redirect that follows a consent or login POST, which must reach
     * the client's registered redirect URI; forms only ever post to this origin.
     */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** Signed-in sessions per account (see {@link SessionCap}); also told when sessions end, as a session listener. */
    @Bean
    SessionCap sessionCap(@Value("${latchkey.sessions.max-per-account:10}") int maxPerAccount) {
        return new SessionCap(maxPerAccount);
    }

    @Bean
    @Order(100)
    SecurityFilterChain pagesFilterChain(HttpSecurity http, FailureThrottle throttle, RequestCache savedRequests,
            SessionCap sessionCap) throws Exception {
        // Brute-force limits: a blocked (username, source), source or account is refused before the password check.
        http.addFilterBefore(new LoginThrottleFilter(throttle), UsernamePasswordAuthenticationFilter.class)
                .authorizeHttpRequests(authorize -> authorize
                        .requestMatchers("/login", "/css/**", "/js/**", "/error", "/favicon.ico").permitAll()
                        // Connect pages: the end user is the product's user, not a Latchkey account; the single-use
                        // link, the state and the browser-binding cookie authenticate the flow.
                        .requestMatchers("/connect/s/**", "/connect/callback").permitAll()
                        // Developer portal and admin pages; their services check the role again, per request.
                        .requestMatchers("/developer", "/developer/**").hasRole("DEVELOPER")
                        .requestMatchers("/admin", "/admin/**").hasRole("ADMIN")
                        .anyRequest().authenticated())
                // No anonymous request creates a session (see savedRequests and the CSRF tokens): a flood of them
                // would fill the heap. Sessions begin at sign-in.
                .requestCache(cache -> cache.requestCache(savedRequests))
                .csrf(csrf -> csrf.csrfTokenRepository(new SessionOrCookieCsrfTokenRepository()))
                // A new session id at sign-in (fixation), then the per-account bound.
                .sessionManagement(session -> session.sessionAuthenticationStrategy(
                        new CompositeSessionAuthenticationStrategy(
                                List.of(new ChangeSessionIdAuthenticationStrategy(), sessionCap))))
                .formLogin(form -> form.loginPage("/login")
                        .successHandler(returnToSavedRequest(savedRequests))
                        .failureHandler(sessionlessFailure())
                        .permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
                .headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }

    /**
     * After sign-in, back to the request that was sent to sign in (an authorization request), spending its cookie:
     * the authorization endpoint answers before any filter that would remove it, and a cookie left behind would send
     * the next sign-in in this browser, perhaps another user's, to the same authorization request.
     */
    private static AuthenticationSuccessHandler returnToSavedRequest(RequestCache savedRequests) {
        SavedRequestAwareAuthenticationSuccessHandler resume = new SavedRequestAwareAuthenticationSuccessHandler();
        resume.setRequestCache(savedRequests);
        return (request, response, authentication) -> {
            savedRequests.removeRequest(request, response);
            resume.onAuthenticationSuccess(request, response, authentication);
        };
    }

    /** Back to the login page with {@code ?error}; the exception is not kept in a new session (the page never shows it). */
    private static AuthenticationFailureHandler sessionlessFailure() {
        SimpleUrlAuthenticationFailureHandler failure = new SimpleUrlAuthenticationFailureHandler("/login?error");
        failure.setAllowSessionCreation(false);
        return failure;
    }
}
