package dev.latchkey.audit.chain;

/** Refusal to archive a range that does not verify: archiving it would erase the evidence. */
public final class AuditChainBrokenException extends IllegalStateException {

    private final transient VerificationReport report;

    public AuditChainBrokenException(VerificationReport report) {
        super("the audit chain does not verify, nothing was archived: " + report.summary());
        this.report = report;
    }

    public VerificationReport report() {
        return report;
    }
}
