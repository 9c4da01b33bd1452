package dev.latchkey.vault.spring;

import dev.latchkey.vault.CacheStats;
import dev.latchkey.vault.DataKeyCache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Publishes {@link DataKeyCache} counters: {@code latchkey.keys.cache.requests} (tags {@code operation=seal|open},
 * {@code result=hit|miss}), {@code latchkey.keys.cache.evictions} and the gauge {@code latchkey.keys.cache.size}.
 */
public class DataKeyCacheMeterBinder implements MeterBinder {

    private final DataKeyCache cache;

    public DataKeyCacheMeterBinder(DataKeyCache cache) {
        this.cache = cache;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        requests(registry, "seal", "hit", CacheStats::sealHits);
        requests(registry, "seal", "miss", CacheStats::sealMisses);
        requests(registry, "open", "hit", CacheStats::openHits);
        requests(registry, "open", "miss", CacheStats::openMisses);
        FunctionCounter.builder("latchkey.keys.cache.evictions", cache, c -> c.stats().evictions())
                .description("Data keys evicted from the cache and zeroed")
                .register(registry);
        Gauge.builder("latchkey.keys.cache.size", cache, DataKeyCache::size)
                .description("Data keys cached now")
                .register(registry);
    }

    private void requests(MeterRegistry registry, String operation, String result,
            java.util.function.ToLongFunction<CacheStats> counter) {
        ToDoubleFunction<DataKeyCache> f = c -> counter.applyAsLong(c.stats());
        FunctionCounter.builder("latchkey.keys.cache.requests", cache, f)
                .tag("operation", operation)
                .tag("result", result)
                .description("Data-key cache lookups")
                .register(registry);
    }
}
