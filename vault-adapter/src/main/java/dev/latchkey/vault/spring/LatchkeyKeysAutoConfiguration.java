package dev.latchkey.vault.spring;

import dev.latchkey.vault.DataKeyCache;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.Sealer;
import dev.latchkey.vault.rewrap.RewrapJob;
import dev.latchkey.vault.rewrap.SealedValueStore;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration of the vault adapter: the configured {@link KeyEncryptionKey}
 * ({@code latchkey.keys.provider}), the {@link DataKeyCache}, the {@link Sealer} ({@link EnvelopeSealer}), a
 * {@code keyProvider} health indicator, cache metrics when Micrometer is present, and a {@link RewrapJob} when the
 * application defines one {@link SealedValueStore}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties(LatchkeyKeysProperties.class)
public class LatchkeyKeysAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public KeyEncryptionKey keyEncryptionKey(LatchkeyKeysProperties properties) {
        return KeyEncryptionKeyFactory.create(properties);
    }

    @Bean
    @ConditionalOnMissingBean
    public DataKeyCache latchkeyDataKeyCache(LatchkeyKeysProperties properties) {
        return new DataKeyCache(properties.getCache().toSettings());
    }

    @Bean
    @ConditionalOnMissingBean(Sealer.class)
    public EnvelopeSealer sealer(KeyEncryptionKey keyEncryptionKey, DataKeyCache latchkeyDataKeyCache) {
        return new EnvelopeSealer(keyEncryptionKey, latchkeyDataKeyCache);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(EnvelopeSealer.class)
    @ConditionalOnSingleCandidate(SealedValueStore.class)
    public RewrapJob rewrapJob(EnvelopeSealer sealer, SealedValueStore store, LatchkeyKeysProperties properties) {
        return new RewrapJob(sealer, store, properties.getRewrap().getBatchSize());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("keyprovider")
    static class KeyProviderHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "keyProviderHealthIndicator")
        KeyProviderHealthIndicator keyProviderHealthIndicator(KeyEncryptionKey keyEncryptionKey) {
            return new KeyProviderHealthIndicator(keyEncryptionKey);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class DataKeyCacheMetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "latchkeyDataKeyCacheMeterBinder")
        DataKeyCacheMeterBinder latchkeyDataKeyCacheMeterBinder(DataKeyCache latchkeyDataKeyCache) {
            return new DataKeyCacheMeterBinder(latchkeyDataKeyCache);
        }
    }
}
