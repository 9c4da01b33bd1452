package dev.latchkey.authz.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * First-start bootstrap ({@code LATCHKEY_BOOTSTRAP_*} environment variables). Read only when the named user or
 * client does not exist yet: changing them later changes nothing.
 */
@ConfigurationProperties("latchkey.bootstrap")
public record BootstrapProperties(String adminUsername, String adminPassword, String adminClientId, String adminClientSecret) {

    @Override
    public String toString() {
        return "BootstrapProperties[adminUsername=" + adminUsername + ", adminClientId=" + adminClientId + ", secrets=[redacted]]";
    }
}
