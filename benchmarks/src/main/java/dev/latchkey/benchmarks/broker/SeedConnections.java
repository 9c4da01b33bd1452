package dev.latchkey.benchmarks.broker;

import dev.latchkey.broker.catalog.ExpirySource;
import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.broker.credential.CredentialCache;
import dev.latchkey.broker.credential.CredentialKind;
import dev.latchkey.broker.credential.CredentialSealer;
import dev.latchkey.broker.credential.CredentialStore;
import dev.latchkey.broker.credential.NewCredential;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Seeds connections for the broker benchmarks straight into a running Latchkey's PostgreSQL, sealed exactly as the
 * application seals them: {@link CredentialSealer} over an {@link EnvelopeSealer} on the server's own local keyring
 * file, stored by {@link CredentialStore#create}. Going through the connect flow would take minutes for 10,000
 * connections and would measure the connect flow, not the token fetch.
 *
 * <pre>
 * java -cp benchmarks.jar dev.latchkey.benchmarks.broker.SeedConnections fetch|storm [name=value...]
 * </pre>
 *
 * Settings (name=value):
 * <ul>
 *   <li>{@code jdbc-url}, {@code db-user} (default {@code postgres}), {@code keyring} (the server's
 *       {@code latchkey.keys.local.keyring-file}), {@code ids-out} (one connection id per line): required</li>
 *   <li>{@code count} (10000), {@code tenants} (100, named {@code bench-tenant-000}…)</li>
 *   <li>fetch: {@code oauth-provider}, {@code apikey-provider}, {@code apikey-share} (0.2): OAuth connections get a
 *       30-day access token with a refresh token (so neither a fetch nor the engine refreshes them), the rest API
 *       keys</li>
 *   <li>storm: {@code oauth-provider}, {@code start-in} (seconds from commit to the first due refresh, 10),
 *       {@code spread} (seconds over which refreshes fall due, 60), {@code expires-after} (seconds from a
 *       credential's due time to its expiry, 180). Refresh tokens are {@code bench_rt_<connection id>_1}, the form
 *       {@link StormProvider} accepts; each connection's metadata records {@code bench_due_at} and
 *       {@code bench_expires_at} for the report.</li>
 * </ul>
 */
public final class SeedConnections {

    private SeedConnections() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("fetch") || args[0].equals("storm"))) {
            System.err.println("usage: SeedConnections fetch|storm name=value...");
            System.exit(2);
        }
        boolean storm = args[0].equals("storm");
        Map<String, String> settings = settings(args);
        int count = Integer.parseInt(settings.getOrDefault("count", "10000"));
        int tenants = Integer.parseInt(settings.getOrDefault("tenants", "100"));
        String oauthProvider = required(settings, "oauth-provider");
        Path keyring = Path.of(required(settings, "keyring"));
        Path idsOut = Path.of(required(settings, "ids-out"));

        long started = System.nanoTime();
        List<UUID> ids = new ArrayList<>(count);
        List<NewCredential> rows = new ArrayList<>(count);
        try (LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.fromFile(keyring, false);
                EnvelopeSealer envelope = new EnvelopeSealer(kek)) {
            CredentialSealer sealer = new CredentialSealer(envelope);
            if (storm) {
                // Seal first and time-stamp afterwards, so the spread of due times starts after the slow part.
                List<Sealed> sealed = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    UUID id = UUID.randomUUID();
                    String tenant = tenant(i, tenants);
                    sealed.add(new Sealed(id, tenant,
                            sealer.sealAccess(tenant, id, Secret.of("bench_at_" + id + "_1")),
                            sealer.sealRefresh(tenant, id, Secret.of("bench_rt_" + id + "_1"))));
                }
                Duration startIn = Duration.ofSeconds(Long.parseLong(settings.getOrDefault("start-in", "10")));
                long spreadMillis = Long.parseLong(settings.getOrDefault("spread", "60")) * 1000;
                Duration expiresAfter = Duration.ofSeconds(Long.parseLong(settings.getOrDefault("expires-after", "180")));
                Instant first = Instant.now().plus(startIn);
                for (int i = 0; i < count; i++) {
                    Sealed s = sealed.get(i);
                    Instant due = first.plusMillis(spreadMillis * i / Math.max(1, count - 1));
                    Instant expires = due.plus(expiresAfter);
                    Instant issued = expires.minus(Duration.ofHours(1));
                    String metadata = "{\"bench_due_at\":\"" + due + "\",\"bench_expires_at\":\"" + expires + "\"}";
                    rows.add(new NewCredential(s.id(), s.tenant(), "user-" + i, oauthProvider, CredentialKind.OAUTH2,
                            List.of("read"), "{}", metadata, "bench-seeder", s.access(), s.refresh(), "Bearer",
                            issued, expires, ExpirySource.PROVIDER, 3600L, due));
                    ids.add(s.id());
                }
            } else {
                String apiKeyProvider = required(settings, "apikey-provider");
                double apiKeyShare = Double.parseDouble(settings.getOrDefault("apikey-share", "0.2"));
                int apiKeys = (int) Math.round(count * apiKeyShare);
                Instant now = Instant.now();
                for (int i = 0; i < count; i++) {
                    UUID id = UUID.randomUUID();
                    String tenant = tenant(i, tenants);
                    // Interleaved, so that any random pick of ids sees both kinds in the same proportion.
                    boolean apiKey = (long) i * apiKeys / count != (long) (i + 1) * apiKeys / count;
                    if (apiKey) {
                        rows.add(new NewCredential(id, tenant, "user-" + i, apiKeyProvider, CredentialKind.API_KEY,
                                List.of(), "{}", "{}", "bench-seeder",
                                sealer.sealAccess(tenant, id, Secret.of("bench_key_" + id)), null, null,
                                now, null, ExpirySource.NEVER, null, null));
                    } else {
                        Instant expires = now.plus(Duration.ofDays(30));
                        rows.add(new NewCredential(id, tenant, "user-" + i, oauthProvider, CredentialKind.OAUTH2,
                                List.of("read"), "{}", "{}", "bench-seeder",
                                sealer.sealAccess(tenant, id, Secret.of("bench_at_" + id + "_1")),
                                sealer.sealRefresh(tenant, id, Secret.of("bench_rt_" + id + "_1")), "Bearer",
                                now, expires, ExpirySource.PROVIDER, Duration.ofDays(30).toSeconds(),
                                expires.minus(Duration.ofDays(6))));
                    }
                    ids.add(id);
                }
            }
        }
        long sealedAt = System.nanoTime();

        try (Connection connection = DriverManager.getConnection(required(settings, "jdbc-url"),
                settings.getOrDefault("db-user", "postgres"), settings.getOrDefault("db-password", ""))) {
            connection.setAutoCommit(false);
            DSLContext dsl = DSL.using(connection, SQLDialect.POSTGRES);
            CredentialStore store = new CredentialStore(dsl, CredentialCache.disabled());
            for (NewCredential row : rows) {
                store.create(row);
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
        }
        long insertedAt = System.nanoTime();
        write(idsOut, ids);
        System.out.printf("seeded %d %s connections: sealing %.1f s, inserting %.1f s (one transaction); ids in %s%n",
                count, storm ? "storm" : "fetch", (sealedAt - started) / 1e9, (insertedAt - sealedAt) / 1e9, idsOut);
        if (storm) {
            System.out.println("first refresh due at " + rows.get(0).nextRefreshAt() + ", last at "
                    + rows.get(rows.size() - 1).nextRefreshAt() + " (committed at " + Instant.now() + ")");
        }
    }

    private record Sealed(UUID id, String tenant, byte[] access, byte[] refresh) {
    }

    private static String tenant(int i, int tenants) {
        return "bench-tenant-%03d".formatted(i % tenants);
    }

    private static void write(Path file, List<UUID> ids) throws IOException {
        StringBuilder text = new StringBuilder(ids.size() * 37);
        ids.forEach(id -> text.append(id).append('\n'));
        Files.writeString(file, text);
    }

    private static Map<String, String> settings(String[] args) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected name=value, got " + args[i]);
            }
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return settings;
    }

    private static String required(Map<String, String> settings, String name) {
        String value = settings.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + "= is required");
        }
        return value;
    }
}
