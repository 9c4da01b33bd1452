package dev.latchkey.authz.config;

import com.nimbusds.jose.jwk.JWK;
import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.admin.AdminActions;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.authorization.JooqOAuth2AuthorizationConsentService;
import dev.latchkey.authz.authorization.JooqOAuth2AuthorizationService;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.client.JooqRegisteredClientRepository;
import dev.latchkey.authz.hashing.Argon2idPasswordEncoder;
import dev.latchkey.authz.hashing.TokenHasher;
import dev.latchkey.authz.hashing.VerifiedSecretCache;
import dev.latchkey.authz.keys.SigningKeys;
import dev.latchkey.authz.keys.SystemSecrets;
import dev.latchkey.authz.scope.ScopeCatalogue;
import dev.latchkey.authz.token.JwtAccessTokenCustomizer;
import dev.latchkey.authz.token.PrefixedTokenGenerator;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.time.Clock;
import org.jooq.DSLContext;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/** The authorization server's parts: storage on jOOQ, hashing, signing keys and token generation. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@EnableConfigurationProperties({LatchkeyAuthzProperties.class, BootstrapProperties.class})
public class AuthzServerConfiguration {

    @Bean
    TokenHasher tokenHasher(DSLContext dsl, Sealer sealer) {
        try (SecretBytes key = new SystemSecrets(dsl, sealer).getOrCreate("token-hashing-key", 32)) {
            return new TokenHasher(key.revealBytes());
        }
    }

    /** Argon2id for user passwords (login is rare and must stay slow for an attacker). */
    @Bean
    @Primary
    PasswordEncoder passwordEncoder() {
        return Argon2idPasswordEncoder.owaspDefaults();
    }

    /** Argon2id for client secrets, with successful verifications remembered so the token endpoint stays fast. */
    @Bean
    VerifiedSecretCache clientSecretEncoder(PasswordEncoder passwordEncoder, TokenHasher hasher, LatchkeyAuthzProperties properties) {
        return new VerifiedSecretCache(passwordEncoder, hasher, properties.secretCacheTtl(), 100_000);
    }

    @Bean
    JooqRegisteredClientRepository registeredClientRepository(DSLContext dsl, LatchkeyAuthzProperties properties) {
        return new JooqRegisteredClientRepository(dsl, properties.clientCacheTtl());
    }

    @Bean
    JooqOAuth2AuthorizationService authorizationService(DSLContext dsl, TokenHasher hasher, JooqRegisteredClientRepository clients,
            AuditTrail auditTrail) {
        return new JooqOAuth2AuthorizationService(dsl, hasher, clients, auditTrail);
    }

    @Bean
    JooqOAuth2AuthorizationConsentService authorizationConsentService(DSLContext dsl, JooqOAuth2AuthorizationService authorizations) {
        return new JooqOAuth2AuthorizationConsentService(dsl, authorizations);
    }

    @Bean
    AppService appService(DSLContext dsl, VerifiedSecretCache clientSecretEncoder, TokenHasher hasher,
            JooqRegisteredClientRepository clients) {
        return new AppService(dsl, clientSecretEncoder, hasher, clients);
    }

    @Bean
    AdminActions adminActions(AppService apps, ScopeCatalogue scopes, AuditTrail auditTrail) {
        return new AdminActions(apps, scopes, auditTrail);
    }

    @Bean
    AccountService accountService(DSLContext dsl, PasswordEncoder passwordEncoder) {
        return new AccountService(dsl, passwordEncoder);
    }

    @Bean
    dev.latchkey.authz.registration.RegistrationTokens registrationTokens(DSLContext dsl, TokenHasher hasher) {
        return new dev.latchkey.authz.registration.RegistrationTokens(dsl, hasher);
    }

    /** The platform's sealed values (signing keys, system secrets), for the vault-adapter rewrap job. */
    @Bean
    dev.latchkey.authz.keys.PlatformSealedValueStore platformSealedValueStore(DSLContext dsl) {
        return new dev.latchkey.authz.keys.PlatformSealedValueStore(dsl);
    }

    @Bean
    SigningKeys signingKeys(DSLContext dsl, Sealer sealer, LatchkeyAuthzProperties properties) {
        SigningKeys keys = new SigningKeys(dsl, sealer, properties.signingKeyOverlap(), Clock.systemUTC());
        keys.ensureKey();
        return keys;
    }

    @Bean
    JwtEncoder jwtEncoder(SigningKeys signingKeys) {
        NimbusJwtEncoder encoder = new NimbusJwtEncoder(signingKeys);
        // The signing key is listed first; retired keys after it carry no private half.
        encoder.setJwkSelector(jwks -> jwks.stream().filter(JWK::isPrivate).findFirst().orElseThrow());
        return encoder;
    }

    @Bean
    PrefixedTokenGenerator prefixedTokenGenerator() {
        return new PrefixedTokenGenerator();
    }

    @Bean
    OAuth2TokenGenerator<?> tokenGenerator(JwtEncoder jwtEncoder, PrefixedTokenGenerator prefixed, LatchkeyAuthzProperties properties) {
        JwtGenerator jwt = new JwtGenerator(jwtEncoder);
        jwt.setJwtCustomizer(new JwtAccessTokenCustomizer(properties.audience()));
        return new DelegatingOAuth2TokenGenerator(jwt, prefixed);
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(LatchkeyAuthzProperties properties) {
        return AuthorizationServerSettings.builder().issuer(properties.issuer()).build();
    }

    @Bean
    dev.latchkey.authz.authorization.ExpiredGrantPurge expiredGrantPurge(DSLContext dsl, LatchkeyAuthzProperties properties) {
        return new dev.latchkey.authz.authorization.ExpiredGrantPurge(dsl, properties.expiredGrantRetention());
    }

    @Bean
    SigningKeyRotation signingKeyRotation(SigningKeys keys, LatchkeyAuthzProperties properties) {
        return new SigningKeyRotation(keys, properties);
    }

    /** Rotates the signing key when it is older than the configured age; checked hourly on every node. */
    static final class SigningKeyRotation {
        private final SigningKeys keys;
        private final LatchkeyAuthzProperties properties;

        SigningKeyRotation(SigningKeys keys, LatchkeyAuthzProperties properties) {
            this.keys = keys;
            this.properties = properties;
        }

        @org.springframework.scheduling.annotation.Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
        void rotateWhenDue() {
            keys.rotateIfOlderThan(properties.signingKeyRotation());
        }
    }
}
