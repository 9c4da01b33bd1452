package dev.latchkey.ui;

import dev.latchkey.authz.throttle.FailureThrottle;
import dev.latchkey.authz.throttle.LoginThrottleFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * The page chain: login, consent, connected apps, connect pages, developer portal, admin pages, errors. Strict CSP with no inline code and no third-party
 * origins, {@code frame-ancestors 'none'}, CSRF tokens on every form, session id changed at login.
 */
@Configuration(proxyBeanMethods = false)
public class UiSecurityConfiguration {

    /**
     * No {@code form-action}: browsers apply it to the redirect that follows a consent or login POST, which must reach
     * the client's registered redirect URI; forms only ever post to this origin.
     */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

    @Bean
    @Order(100)
    SecurityFilterChain pagesFilterChain(HttpSecurity http, FailureThrottle throttle) throws Exception {
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
                .formLogin(form -> form.loginPage("/login").permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
                .headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }
}
