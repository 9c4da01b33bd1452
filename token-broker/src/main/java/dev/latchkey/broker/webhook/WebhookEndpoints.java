package dev.latchkey.broker.webhook;

import static dev.latchkey.db.Tables.WEBHOOK_ENDPOINTS;

import dev.latchkey.db.tables.records.WebhookEndpointsRecord;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.Sealer;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * Webhook endpoints: where connection status events go. {@link #create} validates the request, generates a 32-byte
 * signing key, stores it sealed (purpose {@value #SECRET_PURPOSE}, bound to the endpoint id) and returns it once as
 * {@code whsec_<base64>}; nothing else ever returns it.
 *
 * <p>URLs must be absolute https URLs; plain http is accepted only for a loopback host and only when
 * {@code allowInsecureLoopback} is set (local development and tests). Endpoints are configured by administrators, so
 * internal hosts are not refused; the dispatcher never follows redirects.
 */
public final class WebhookEndpoints {

    /** A product tenant id, as {@code connections.tenant_id} constrains it. */
    public static final Pattern TENANT_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
    /** {@link SealContext#purpose()} of an endpoint's signing key. */
    public static final String SECRET_PURPOSE = "webhook.secret";

    // Endpoints are platform configuration (the tenant is only a delivery filter), so their keys are sealed as the
    // platform's, bound to the endpoint id.
    private static final String SEAL_TENANT = "system";
    private static final int SECRET_BYTES = 32;
    private static final int MAX_URL_LENGTH = 2000;
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DSLContext dsl;
    private final Sealer sealer;
    private final boolean allowInsecureLoopback;

    /**
     * @param allowInsecureLoopback accept {@code http://} URLs whose host is loopback (never any other http URL)
     */
    public WebhookEndpoints(DSLContext dsl, Sealer sealer, boolean allowInsecureLoopback) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.allowInsecureLoopback = allowInsecureLoopback;
    }

    /**
     * Adds an endpoint.
     *
     * @param url        absolute https URL (http only for loopback when allowed)
     * @param tenant     the one tenant whose events it receives, or null for every tenant
     * @param eventTypes wire names of the event types it receives; null or empty for every type
     * @return the endpoint and its secret, shown this once
     * @throws InvalidWebhookEndpointException naming the invalid field
     */
    public CreatedWebhookEndpoint create(String url, String tenant, Collection<String> eventTypes) {
        String checkedUrl = checkUrl(url);
        checkTenant(tenant);
        List<String> types = checkEventTypes(eventTypes);
        UUID id = UUID.randomUUID();
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        try {
            byte[] sealed = sealer.seal(key, sealContext(id));
            WebhookEndpointsRecord row = dsl.insertInto(WEBHOOK_ENDPOINTS)
                    .set(WEBHOOK_ENDPOINTS.ID, id)
                    .set(WEBHOOK_ENDPOINTS.URL, checkedUrl)
                    .set(WEBHOOK_ENDPOINTS.TENANT_ID, tenant)
                    .set(WEBHOOK_ENDPOINTS.EVENT_TYPES, types.toArray(String[]::new))
                    .set(WEBHOOK_ENDPOINTS.SECRET_SEALED, sealed)
                    .set(WEBHOOK_ENDPOINTS.ENABLED, true)
                    .returning()
                    .fetchSingle();
            return new CreatedWebhookEndpoint(view(row), WebhookSignatures.encodeSecret(key));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Every endpoint, oldest first. */
    public List<WebhookEndpoint> list() {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS)
                .orderBy(WEBHOOK_ENDPOINTS.CREATED_AT, WEBHOOK_ENDPOINTS.ID)
                .fetch(WebhookEndpoints::view);
    }

    public Optional<WebhookEndpoint> find(UUID id) {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id)).fetchOptional(WebhookEndpoints::view);
    }

    /** Deletes the endpoint and its undelivered events; false when there is no such endpoint. */
    public boolean delete(UUID id) {
        return dsl.deleteFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id)).execute() == 1;
    }

    /** The owner of an endpoint's sealed signing key. */
    static SealContext sealContext(UUID endpointId) {
        return new SealContext(SEAL_TENANT, endpointId.toString(), SECRET_PURPOSE);
    }

    private static WebhookEndpoint view(WebhookEndpointsRecord row) {
        return new WebhookEndpoint(row.getId(), row.getUrl(), row.getTenantId(), List.of(row.getEventTypes()),
                row.getEnabled(), row.getCreatedAt().toInstant());
    }

    private String checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidWebhookEndpointException("url", "url is required");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new InvalidWebhookEndpointException("url", "url is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidWebhookEndpointException("url", "url must be an absolute http or https URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new InvalidWebhookEndpointException("url", "url must be an absolute http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new InvalidWebhookEndpointException("url", "url must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidWebhookEndpointException("url", "url must not contain credentials");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidWebhookEndpointException("url", "url must not contain a fragment");
        }
        if (scheme.equals("http") && !(allowInsecureLoopback && isLoopback(uri.getHost()))) {
            throw new InvalidWebhookEndpointException("url", "url must use https");
        }
        // The column's check wants a lower-case scheme; the rest of the URL is kept as given.
        return scheme + url.substring(scheme.length());
    }

    private static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("[::1]") || IPV4_LOOPBACK.matcher(h).matches();
    }

    private static void checkTenant(String tenant) {
        if (tenant != null && !TENANT_ID.matcher(tenant).matches()) {
            throw new InvalidWebhookEndpointException("tenant", "tenant must match " + TENANT_ID.pattern()
                    + ", or be absent for every tenant");
        }
    }

    private static List<String> checkEventTypes(Collection<String> eventTypes) {
        if (eventTypes == null || eventTypes.isEmpty()) {
            return List.of();
        }
        Set<WebhookEventType> types = EnumSet.noneOf(WebhookEventType.class);
        for (String name : eventTypes) {
            types.add(WebhookEventType.fromWireName(name).orElseThrow(() -> new InvalidWebhookEndpointException(
                    "eventTypes", "unknown event type; known types are " + Arrays.stream(WebhookEventType.values())
                            .map(WebhookEventType::wireName).collect(Collectors.joining(", ")))));
        }
        return types.stream().map(WebhookEventType::wireName).toList();
    }
}
