package dev.latchkey.authz.throttle;

import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Brute-force limits for login and client authentication ({@code latchkey.throttle.*}). Defaults: 5 failures of one
 * account from one source in 15 minutes block that pair for 1 minute, doubling up to 1 hour; 20 failures from one
 * source (any accounts) block the source for 5 minutes, doubling up to 1 hour; 50 failures of one account (any
 * sources) delay new sources for 30 seconds. The source is the connection's remote address, which honours
 * {@code X-Forwarded-For} only when {@code server.forward-headers-strategy} says so.
 */
@ConfigurationProperties("latchkey.throttle")
public record ThrottleProperties(
        Boolean enabled,
        Duration window,
        Integer pairMaxFailures,
        Duration pairBlock,
        Duration pairMaxBlock,
        Integer sourceMaxFailures,
        Duration sourceBlock,
        Duration sourceMaxBlock,
        Integer accountMaxFailures,
        Duration accountDelay,
        Duration knownGoodFor,
        Set<String> exemptSources,
        Long maxEntries) {

    public FailureThrottle.Settings settings() {
        Duration w = window == null ? Duration.ofMinutes(15) : window;
        Duration accountDelay = this.accountDelay == null ? Duration.ofSeconds(30) : this.accountDelay;
        return new FailureThrottle.Settings(
                enabled == null || enabled,
                new FailureThrottle.Rule(or(pairMaxFailures, 5), w, or(pairBlock, Duration.ofMinutes(1)), or(pairMaxBlock, Duration.ofHours(1))),
                new FailureThrottle.Rule(or(sourceMaxFailures, 20), w, or(sourceBlock, Duration.ofMinutes(5)), or(sourceMaxBlock, Duration.ofHours(1))),
                new FailureThrottle.Rule(or(accountMaxFailures, 50), w, accountDelay, accountDelay),
                exemptSources == null ? Set.of() : Set.copyOf(exemptSources),
                or(knownGoodFor, Duration.ofDays(30)),
                maxEntries == null ? 100_000 : maxEntries);
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
