package dev.latchkey.authz.audit;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the audit trail, reported as {@code auditChain}: DOWN while the newest verification found tampering
 * ({@link AuditVerifyJob}), UP once one succeeds, UNKNOWN before the first. Not part of readiness: a node keeps
 * serving while the evidence is investigated.
 */
final class AuditChainHealthIndicator implements HealthIndicator {

    private final AuditVerifyJob verification;

    AuditChainHealthIndicator(AuditVerifyJob verification) {
        this.verification = verification;
    }

    @Override
    public Health health() {
        AuditVerifyJob.Status status = verification.status();
        Health.Builder health = switch (status.state()) {
            case VERIFIED -> Health.up();
            case BROKEN -> Health.down();
            case UNKNOWN -> Health.unknown();
        };
        if (status.verifiedAt() != null) {
            health.withDetail("verifiedAt", status.verifiedAt().toString());
        }
        return health.withDetail("summary", status.summary()).build();
    }
}
