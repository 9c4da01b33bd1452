package dev.latchkey.authz.audit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@code latchkey.audit.chain.verified}: 1 when the newest verification succeeded, 0 when it found tampering, NaN
 * before the first ({@link AuditVerifyJob#status()}). Alert on 0.
 */
final class AuditChainMetrics implements MeterBinder {

    private final AuditVerifyJob verification;

    AuditChainMetrics(AuditVerifyJob verification) {
        this.verification = verification;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("latchkey.audit.chain.verified", verification, job -> switch (job.status().state()) {
                    case VERIFIED -> 1;
                    case BROKEN -> 0;
                    case UNKNOWN -> Double.NaN;
                })
                .description("Whether the newest full verification of the audit trail succeeded")
                .register(registry);
    }
}
