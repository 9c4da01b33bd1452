package dev.latchkey.broker.webhook;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings under {@code latchkey.broker.webhooks}: endpoint rules and how the outbox is delivered. */
@ConfigurationProperties("latchkey.broker.webhooks")
public class WebhookProperties {

    /** Whether this node runs the dispatcher (it is safe to run on every node). */
    private boolean dispatchEnabled = true;

    /** Wait between dispatch rounds when the outbox has nothing more due. */
    private Duration pollInterval = Duration.ofSeconds(1);

    /** Attempts per delivery before it is marked failed for good. */
    private int maxAttempts = 12;

    /** Accept http:// endpoint URLs whose host is loopback (local development and tests only). */
    private boolean allowInsecureLoopback = false;

    /** Outbox rows claimed per round. */
    private int batchSize = 32;

    /** Deliveries sent at once per node. */
    private int concurrency = 4;

    /** Ceiling of the wait after the first failure; it doubles per failure, with full jitter below it. */
    private Duration baseBackoff = Duration.ofSeconds(5);

    /** Largest backoff ceiling. */
    private Duration maxBackoff = Duration.ofHours(1);

    /** How long a claimed row stays hidden from other nodes while it is sent. */
    private Duration lease = Duration.ofSeconds(60);

    /** Connect timeout to a receiver. */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /** Time a receiver has to answer. */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /** The dispatcher settings these properties describe (validated there). */
    public WebhookDispatchSettings toSettings() {
        return new WebhookDispatchSettings(batchSize, concurrency, maxAttempts, baseBackoff, maxBackoff, lease,
                connectTimeout, requestTimeout);
    }

    public boolean isDispatchEnabled() {
        return dispatchEnabled;
    }

    public void setDispatchEnabled(boolean dispatchEnabled) {
        this.dispatchEnabled = dispatchEnabled;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public boolean isAllowInsecureLoopback() {
        return allowInsecureLoopback;
    }

    public void setAllowInsecureLoopback(boolean allowInsecureLoopback) {
        this.allowInsecureLoopback = allowInsecureLoopback;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public int getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(int concurrency) {
        this.concurrency = concurrency;
    }

    public Duration getBaseBackoff() {
        return baseBackoff;
    }

    public void setBaseBackoff(Duration baseBackoff) {
        this.baseBackoff = baseBackoff;
    }

    public Duration getMaxBackoff() {
        return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
        this.maxBackoff = maxBackoff;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }
}
