package dev.latchkey.broker.credential;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToLongFunction;

/**
 * Publishes {@link CredentialCache} figures: {@code latchkey.broker.credential.cache.reads} tagged
 * {@code result=hit|miss|bypassed} (bypassed: read from the database because the change listener was not live),
 * the gauge {@code latchkey.broker.credential.cache.size}, and {@code latchkey.broker.credential.cache.live} (1 or 0).
 */
public final class CredentialCacheMeterBinder implements MeterBinder {

    private final CredentialCache cache;

    public CredentialCacheMeterBinder(CredentialCache cache) {
        this.cache = cache;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        reads(registry, "hit", CredentialCache.Stats::hits);
        reads(registry, "miss", CredentialCache.Stats::misses);
        reads(registry, "bypassed", CredentialCache.Stats::bypassed);
        Gauge.builder("latchkey.broker.credential.cache.size", cache, c -> c.stats().size())
                .description("Sealed credentials cached on this node").register(registry);
        Gauge.builder("latchkey.broker.credential.cache.live", cache, c -> c.live() ? 1 : 0)
                .description("1 while fetches are served from memory (the change listener is connected)")
                .register(registry);
    }

    private void reads(MeterRegistry registry, String result, ToLongFunction<CredentialCache.Stats> count) {
        FunctionCounter.builder("latchkey.broker.credential.cache.reads", cache, c -> count.applyAsLong(c.stats()))
                .tag("result", result).description("Token-fetch reads of sealed credentials").register(registry);
    }
}
