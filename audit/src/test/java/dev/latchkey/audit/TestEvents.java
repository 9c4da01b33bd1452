package dev.latchkey.audit;

import java.util.concurrent.atomic.AtomicInteger;

/** Audit events for tests: varied, realistic, never holding secret values. */
public final class TestEvents {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestEvents() {}

    public static AuditEvent tokenIssued(String tenant, String clientId) {
        int n = COUNTER.incrementAndGet();
        return AuditEvent.builder(Actor.app(clientId), "token.issue", Outcome.SUCCESS)
                .target("token", "grant-" + n)
                .tenant(tenant)
                .source("203.0.113." + (n % 250 + 1), "latchkey-test/1.0")
                .requestId("req-" + n)
                .detail("grant_type", "client_credentials")
                .detail("scopes", java.util.List.of("read", "write"))
                .detail("fingerprint", Fingerprints.of(new byte[32]))
                .build();
    }

    public static AuditEvent any() {
        return tokenIssued("team-" + (COUNTER.get() % 3), "lk_ci_app" + (COUNTER.get() % 5));
    }
}
