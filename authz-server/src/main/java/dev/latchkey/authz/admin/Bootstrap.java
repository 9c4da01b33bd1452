package dev.latchkey.authz.admin;

import dev.latchkey.authz.account.AccountService;
import dev.latchkey.authz.client.AppService;
import dev.latchkey.authz.config.BootstrapProperties;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
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
    private final AppService apps;

    public Bootstrap(BootstrapProperties properties, AccountService accounts, AppService apps) {
        this.properties = properties;
        this.accounts = accounts;
        this.apps = apps;
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
                && apps.createBootstrapClient(systemTeam(), properties.adminClientId(), properties.adminClientSecret())) {
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
