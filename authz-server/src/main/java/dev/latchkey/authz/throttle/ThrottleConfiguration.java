package dev.latchkey.authz.throttle;

import com.github.benmanes.caffeine.cache.Ticker;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one throttle of this node and the listener that feeds it login outcomes. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ThrottleProperties.class)
public class ThrottleConfiguration {

    @Bean
    FailureThrottle failureThrottle(ThrottleProperties properties) {
        return new FailureThrottle(properties.settings(), Ticker.systemTicker());
    }

    @Bean
    LoginThrottleListener loginThrottleListener(FailureThrottle throttle) {
        return new LoginThrottleListener(throttle);
    }
}
