package dev.latchkey.authz.admin;

import static dev.latchkey.db.Tables.OAUTH_APPS;

import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.config.BootstrapProperties;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Creates the first admin user and admin client from {@code LATCHKEY_BOOTSTRAP_*} on first start. A name that
 * already exists is left alone, so later starts (and other nodes) change nothing.
 */
@Component
public class Bootstrap implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
    static final String SYSTEM_TEAM = "latchkey-admins";

    private final BootstrapProperties properties;
    private final AccountService accounts;
    private final DSLContext dsl;
    private final PasswordEncoder secretEncoder;

    public Bootstrap(BootstrapProperties properties, AccountService accounts, DSLContext dsl, PasswordEncoder passwordEncoder) {
        this.properties = properties;
        this.accounts = accounts;
        this.dsl = dsl;
        this.secretEncoder = passwordEncoder;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (properties.adminUsername() != null && properties.adminPassword() != null
                && accounts.findUser(properties.adminUsername()).isEmpty()) {
            accounts.createUser(systemTeam(), properties.adminUsername(), properties.adminPassword(),
                    List.of("admin", "developer", "user"), "Administrator", null);
            log.info("Bootstrap: created admin user {}", properties.adminUsername());
        }
        if (properties.adminClientId() != null && properties.adminClientSecret() != null
                && !dsl.fetchExists(OAUTH_APPS, OAUTH_APPS.CLIENT_ID.eq(properties.adminClientId()))) {
            if (properties.adminClientSecret().length() < 16) {
                throw new IllegalStateException("LATCHKEY_BOOTSTRAP_ADMIN_CLIENT_SECRET must be at least 16 characters");
            }
            dsl.insertInto(OAUTH_APPS)
                    .set(OAUTH_APPS.ID, UUID.randomUUID())
                    .set(OAUTH_APPS.TEAM_ID, systemTeam())
                    .set(OAUTH_APPS.NAME, "Latchkey admin automation")
                    .set(OAUTH_APPS.CLIENT_ID, properties.adminClientId())
                    .set(OAUTH_APPS.CLIENT_SECRET_HASH, secretEncoder.encode(properties.adminClientSecret()))
                    .set(OAUTH_APPS.GRANT_TYPES, new String[] {"client_credentials"})
                    .set(OAUTH_APPS.SCOPES, new String[] {"admin"})
                    .set(OAUTH_APPS.TOKEN_ENDPOINT_AUTH_METHOD, "client_secret_basic")
                    .set(OAUTH_APPS.REQUIRE_CONSENT, false)
                    .set(OAUTH_APPS.REGISTERED_VIA, "bootstrap")
                    .onConflictDoNothing()
                    .execute();
            log.info("Bootstrap: created admin client {}", properties.adminClientId());
        }
    }

    private UUID systemTeam() {
        return accounts.findTeamByName(SYSTEM_TEAM).map(AccountService.Team::id).orElseGet(() -> {
            try {
                return accounts.createTeam(SYSTEM_TEAM).id();
            } catch (AccountService.DuplicateException raced) {
                return accounts.findTeamByName(SYSTEM_TEAM).orElseThrow().id();
            }
        });
    }

}
