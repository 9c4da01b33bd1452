package dev.latchkey.broker.apps;

import static dev.latchkey.db.Tables.BROKER_PROVIDER_APPS;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.latchkey.broker.catalog.ClientCredentials;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.Sealer;
import dev.latchkey.vault.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * Our own OAuth client registration at each provider: a deployment-wide default ({@link #ANY_TENANT}) and
 * per-tenant registrations for tenants that bring their own app. Client secrets are sealed; opened registrations
 * are cached briefly because every refresh needs one.
 */
public final class ProviderApps {

    public static final String ANY_TENANT = "*";
    private static final String PURPOSE = "broker.provider_app.client_secret";

    private final DSLContext dsl;
    private final Sealer sealer;
    private final Cache<String, Optional<ClientCredentials>> cache = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(30)).build();

    public ProviderApps(DSLContext dsl, Sealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /** The tenant's own registration at the provider, else the deployment default. */
    public Optional<ClientCredentials> find(String providerId, String tenant) {
        return cache.get(providerId + "\n" + tenant, key -> load(providerId, tenant).or(() -> load(providerId, ANY_TENANT)));
    }

    /** Creates or replaces a registration. */
    public void put(String providerId, String tenant, String clientId, Secret clientSecret) {
        byte[] sealed = clientSecret == null ? null : sealer.seal(clientSecret.reveal().getBytes(StandardCharsets.UTF_8),
                context(providerId, tenant));
        dsl.insertInto(BROKER_PROVIDER_APPS)
                .set(BROKER_PROVIDER_APPS.PROVIDER_ID, providerId)
                .set(BROKER_PROVIDER_APPS.TENANT_ID, tenant)
                .set(BROKER_PROVIDER_APPS.CLIENT_ID, clientId)
                .set(BROKER_PROVIDER_APPS.CLIENT_SECRET_SEALED, sealed)
                .onConflict(BROKER_PROVIDER_APPS.PROVIDER_ID, BROKER_PROVIDER_APPS.TENANT_ID).doUpdate()
                .set(BROKER_PROVIDER_APPS.CLIENT_ID, clientId)
                .set(BROKER_PROVIDER_APPS.CLIENT_SECRET_SEALED, sealed)
                .set(BROKER_PROVIDER_APPS.UPDATED_AT, OffsetDateTime.now())
                .execute();
        cache.invalidateAll();
    }

    public boolean delete(String providerId, String tenant) {
        int deleted = dsl.deleteFrom(BROKER_PROVIDER_APPS)
                .where(BROKER_PROVIDER_APPS.PROVIDER_ID.eq(providerId), BROKER_PROVIDER_APPS.TENANT_ID.eq(tenant))
                .execute();
        cache.invalidateAll();
        return deleted > 0;
    }

    /** Every registration, without secrets. */
    public List<ProviderApp> list() {
        return dsl.selectFrom(BROKER_PROVIDER_APPS)
                .orderBy(BROKER_PROVIDER_APPS.PROVIDER_ID, BROKER_PROVIDER_APPS.TENANT_ID)
                .fetch(r -> new ProviderApp(r.getProviderId(), r.getTenantId(), r.getClientId(),
                        r.getClientSecretSealed() != null, r.getUpdatedAt().toInstant()));
    }

    private Optional<ClientCredentials> load(String providerId, String tenant) {
        var row = dsl.selectFrom(BROKER_PROVIDER_APPS)
                .where(BROKER_PROVIDER_APPS.PROVIDER_ID.eq(providerId), BROKER_PROVIDER_APPS.TENANT_ID.eq(tenant))
                .fetchOne();
        if (row == null) {
            return Optional.empty();
        }
        if (row.getClientSecretSealed() == null) {
            return Optional.of(new ClientCredentials(row.getClientId(), null));
        }
        try (SecretBytes secret = sealer.open(row.getClientSecretSealed(), context(providerId, tenant))) {
            return Optional.of(new ClientCredentials(row.getClientId(),
                    Secret.of(new String(secret.revealBytes(), StandardCharsets.UTF_8))));
        }
    }

    private static SealContext context(String providerId, String tenant) {
        return new SealContext("system", providerId + "/" + tenant, PURPOSE);
    }
}
