package dev.latchkey.broker.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Fixtures: the built-in catalog (loaded once), deployment files, and a fixed clock. */
final class TestCatalogs {

    static final Instant NOW = Instant.parse("2026-08-21T10:00:00Z");

    static final ClientCredentials CLIENT = new ClientCredentials("client-123", Secret.of("s3cr:et value"));

    private static ProviderCatalog builtIn;

    private TestCatalogs() {
    }

    static synchronized ProviderCatalog builtIn() {
        if (builtIn == null) {
            builtIn = new ProviderCatalog();
        }
        return builtIn;
    }

    static Provider provider(String id) {
        return builtIn().get(id);
    }

    /** Writes {@code content} to {@code dir/name} and returns the directory. */
    static Path write(Path dir, String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deployment catalog holding one provider entry (YAML, indented under its id). */
    static ProviderCatalog withEntry(Path dir, String id, String entryYaml) {
        String indented = entryYaml.stripIndent().lines().map(line -> "    " + line)
                .reduce("", (a, b) -> a + b + "\n");
        write(dir, "custom.yaml", "providers:\n  " + id + ":\n" + indented);
        return new ProviderCatalog(dir);
    }

    /** A minimal valid oauth2 provider pointing at a loopback test server. */
    static String localProvider(String extra) {
        return """
                displayName: Local test provider
                authMode: oauth2
                allowInsecureForTesting: true
                urls:
                  authorize: http://127.0.0.1:9/authorize
                  token: http://127.0.0.1:9/token
                authorize: { pkce: S256 }
                tokenRequest: { clientAuth: client_secret_basic }
                """ + extra;
    }

    static ConnectionUrls urls(Provider provider, Map<String, String> parameters) {
        return provider.resolveUrls(parameters);
    }

    static ConnectionUrls urls(Provider provider) {
        return provider.resolveUrls(exampleParameters(provider));
    }

    /** Example values for required parameters (parameters with a default are left to it). */
    static Map<String, String> exampleParameters(Provider provider) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        provider.connectionParameters().values().forEach(p -> {
            if (p.defaultValue() == null) {
                values.put(p.name(), p.example());
            }
        });
        return values;
    }
}
