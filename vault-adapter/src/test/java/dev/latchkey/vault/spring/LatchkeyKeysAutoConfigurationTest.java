package dev.latchkey.vault.spring;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.vault.DataKeyCache;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.Sealer;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.kms.AwsKmsKeyEncryptionKey;
import dev.latchkey.vault.kms.FakeKmsServer;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import dev.latchkey.vault.rewrap.InMemorySealedValueStore;
import dev.latchkey.vault.rewrap.RewrapJob;
import dev.latchkey.vault.rewrap.SealedValueStore;
import dev.latchkey.vault.transit.FakeVaultTransitServer;
import dev.latchkey.vault.transit.VaultTransitKeyEncryptionKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LatchkeyKeysAutoConfigurationTest {

    private static final byte[] SECRET = "secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(LatchkeyKeysAutoConfiguration.class))
                .withPropertyValues("latchkey.keys.local.keyring-file=" + dir.resolve("data/keyring.json"));
    }

    @Test
    void whenNothingConfiguredThenLocalKeyringIsCreatedAndSealerRoundTrips() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(Sealer.class);
            assertThat(context).hasSingleBean(EnvelopeSealer.class);
            assertThat(context.getBean(KeyEncryptionKey.class)).isInstanceOf(LocalKeyEncryptionKey.class);
            assertThat(dir.resolve("data/keyring.json")).exists();
            Sealer sealer = context.getBean(Sealer.class);
            assertThat(sealer.open(sealer.seal(SECRET, accessToken()), accessToken()).revealBytes())
                    .isEqualTo(SECRET);
            assertThat(context).doesNotHaveBean(RewrapJob.class);
        });
    }

    @Test
    void whenCachePropertiesSetThenCacheUsesThem() {
        runner().withPropertyValues("latchkey.keys.cache.max-age=30s", "latchkey.keys.cache.max-uses=5",
                "latchkey.keys.cache.max-entries=7").run(context -> {
                    var settings = context.getBean(DataKeyCache.class).settings();
                    assertThat(settings.enabled()).isTrue();
                    assertThat(settings.maxAge()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(settings.maxUses()).isEqualTo(5);
                    assertThat(settings.maxEntries()).isEqualTo(7);
                    assertThat(context.getBean(EnvelopeSealer.class).cache())
                            .isSameAs(context.getBean(DataKeyCache.class));
                });
    }

    @Test
    void whenCacheDisabledThenNothingIsCached() {
        runner().withPropertyValues("latchkey.keys.cache.enabled=false").run(context -> {
            EnvelopeSealer sealer = context.getBean(EnvelopeSealer.class);
            sealer.seal(SECRET, accessToken());
            assertThat(sealer.cache().size()).isZero();
        });
    }

    @Test
    void whenCreateIfMissingDisabledAndNoKeyringThenStartupFails() {
        runner().withPropertyValues("latchkey.keys.local.create-if-missing=false")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void whenKeyringEnvironmentVariableNamedButAbsentThenStartupFails() {
        runner().withPropertyValues("latchkey.keys.local.keyring-env=LATCHKEY_TEST_KEYRING_THAT_IS_NOT_SET")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void whenApplicationDefinesItsOwnSealerThenAutoConfigurationBacksOff() {
        runner().withUserConfiguration(OwnSealer.class).run(context -> {
            assertThat(context).hasSingleBean(Sealer.class);
            assertThat(context).doesNotHaveBean(EnvelopeSealer.class);
            assertThat(context.getBean(Sealer.class)).isSameAs(OwnSealer.SEALER);
        });
    }

    @Test
    void whenApplicationDefinesItsOwnKeyEncryptionKeyThenSealerUsesIt() {
        runner().withUserConfiguration(OwnKek.class).run(context -> {
            assertThat(context.getBean(KeyEncryptionKey.class)).isSameAs(OwnKek.KEK);
            assertThat(context.getBean(EnvelopeSealer.class).keyEncryptionKey()).isSameAs(OwnKek.KEK);
            assertThat(dir.resolve("data/keyring.json")).doesNotExist();
        });
    }

    @Test
    void whenProviderIsVaultTransitThenSealsThroughVault() {
        try (var vault = FakeVaultTransitServer.start("root")) {
            vault.createKey("latchkey", false);
            runner().withPropertyValues("latchkey.keys.provider=vault-transit",
                    "latchkey.keys.vault.address=" + vault.address(), "latchkey.keys.vault.token=root",
                    "latchkey.keys.vault.connect-timeout=1s", "latchkey.keys.vault.read-timeout=2s")
                    .run(context -> {
                        assertThat(context.getBean(KeyEncryptionKey.class))
                                .isInstanceOf(VaultTransitKeyEncryptionKey.class);
                        Sealer sealer = context.getBean(Sealer.class);
                        byte[] sealed = sealer.seal(SECRET, accessToken());
                        assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
                        assertThat(vault.requestCount("/v1/transit/encrypt/latchkey")).isEqualTo(1);
                        assertThat(health(context).getStatus()).isEqualTo(Status.UP);
                    });
        }
    }

    @Test
    void whenProviderIsVaultTransitWithAppRoleThenLogsIn() {
        try (var vault = FakeVaultTransitServer.start("root")) {
            vault.createKey("secrets", true);
            vault.addAppRole("latchkey-role", "latchkey-secret", 600);
            runner().withPropertyValues("latchkey.keys.provider=vault-transit",
                    "latchkey.keys.vault.address=" + vault.address(),
                    "latchkey.keys.vault.approle.role-id=latchkey-role",
                    "latchkey.keys.vault.approle.secret-id=latchkey-secret",
                    "latchkey.keys.vault.key-name=secrets")
                    .run(context -> {
                        Sealer sealer = context.getBean(Sealer.class);
                        assertThat(sealer.open(sealer.seal(SECRET, accessToken()), accessToken()).revealBytes())
                                .isEqualTo(SECRET);
                        assertThat(vault.requestCount("/v1/auth/approle/login")).isEqualTo(1);
                    });
        }
    }

    @Test
    void whenVaultUnreachableThenHealthIsDownAndSealingFailsClosed() {
        try (var vault = FakeVaultTransitServer.start("root")) {
            vault.createKey("latchkey", false);
            runner().withPropertyValues("latchkey.keys.provider=vault-transit",
                    "latchkey.keys.vault.address=" + vault.address(), "latchkey.keys.vault.token=root")
                    .run(context -> {
                        vault.failWith(503, "Vault is sealed");
                        var health = health(context);
                        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(health.getDetails()).containsEntry("provider", "vault-transit");
                        assertThat(String.valueOf(health.getDetails().get("error"))).contains("503");
                    });
        }
    }

    @Test
    void whenProviderIsAwsKmsThenSealsThroughKms() {
        try (var kms = FakeKmsServer.start()) {
            String arn = kms.createKey("alias/latchkey");
            System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
            System.setProperty("aws.secretAccessKey", "example-secret");
            try {
                runner().withPropertyValues("latchkey.keys.provider=aws-kms",
                        "latchkey.keys.kms.key-id=alias/latchkey", "latchkey.keys.kms.region=us-east-1",
                        "latchkey.keys.kms.endpoint-override=" + kms.endpoint(),
                        "latchkey.keys.kms.key-version=1")
                        .run(context -> {
                            assertThat(context.getBean(KeyEncryptionKey.class))
                                    .isInstanceOf(AwsKmsKeyEncryptionKey.class);
                            Sealer sealer = context.getBean(Sealer.class);
                            byte[] sealed = sealer.seal(SECRET, accessToken());
                            assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
                            var health = health(context);
                            assertThat(health.getStatus()).isEqualTo(Status.UP);
                            assertThat(health.getDetails()).containsEntry("keyId", arn);
                        });
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        }
    }

    @Test
    void whenProviderIsAwsKmsWithoutKeyIdThenStartupFails() {
        runner().withPropertyValues("latchkey.keys.provider=aws-kms", "latchkey.keys.kms.region=us-east-1")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void whenProviderIsVaultWithoutAddressThenStartupFails() {
        runner().withPropertyValues("latchkey.keys.provider=vault-transit")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void whenLocalKeyringPresentThenHealthIsUpWithVersions() {
        runner().run(context -> {
            var health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("provider", "local").containsEntry("primaryVersion", 1);
        });
    }

    @Test
    void whenHealthIndicatorDisabledThenNotRegistered() {
        runner().withPropertyValues("management.health.keyprovider.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("keyProviderHealthIndicator"));
    }

    @Test
    void whenOneSealedValueStoreDefinedThenRewrapJobIsConfigured() {
        runner().withUserConfiguration(OneStore.class).withPropertyValues("latchkey.keys.rewrap.batch-size=10")
                .run(context -> assertThat(context).hasSingleBean(RewrapJob.class));
    }

    @Test
    void whenMicrometerPresentThenCacheCountersArePublished() {
        runner().run(context -> {
            var registry = new SimpleMeterRegistry();
            context.getBean(DataKeyCacheMeterBinder.class).bindTo(registry);
            Sealer sealer = context.getBean(Sealer.class);
            byte[] sealed = sealer.seal(SECRET, accessToken());
            sealer.seal(SECRET, accessToken());
            sealer.open(sealed, accessToken());

            assertThat(registry.get("latchkey.keys.cache.requests").tags("operation", "seal", "result", "miss")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("latchkey.keys.cache.requests").tags("operation", "seal", "result", "hit")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("latchkey.keys.cache.requests").tags("operation", "open", "result", "hit")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("latchkey.keys.cache.size").gauge().value()).isEqualTo(2);
        });
    }

    private static org.springframework.boot.health.contributor.Health health(
            org.springframework.context.ApplicationContext context) {
        return context.getBean("keyProviderHealthIndicator", HealthIndicator.class).health();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSealer {
        static final Sealer SEALER = new Sealer() {
            @Override
            public byte[] seal(byte[] plaintext, SealContext context) {
                return plaintext.clone();
            }

            @Override
            public SecretBytes open(byte[] sealed, SealContext context) {
                return SecretBytes.copyOf(sealed);
            }
        };

        @Bean
        Sealer mySealer() {
            return SEALER;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKek {
        static final KeyEncryptionKey KEK = LocalKeyEncryptionKey.ephemeral();

        @Bean
        KeyEncryptionKey myKek() {
            return KEK;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OneStore {
        @Bean
        SealedValueStore store() {
            return new InMemorySealedValueStore();
        }
    }
}
