package dev.latchkey.audit;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One audited fact: who ({@link Actor}) did what ({@code action}, for example {@code token.issue}) to what
 * ({@link Target}), in which tenant, when, from where, and whether it was allowed ({@link Outcome}).
 *
 * <p>Build events with {@link #builder}, which cleans attacker-influenced text (see {@link AuditDetails}), caps
 * lengths, canonicalises the source IP and stamps a random event id and the time. The canonical constructor takes
 * values exactly as stored (used when reading rows back) and only checks them.
 *
 * @param eventId random id chosen by the writer, covered by the record MAC (a copied row is a visible duplicate)
 * @param occurredAt when, at microsecond precision (PostgreSQL's)
 */
public record AuditEvent(
        UUID eventId,
        Instant occurredAt,
        Actor actor,
        String action,
        Target target,
        String tenant,
        Outcome outcome,
        String sourceIp,
        String userAgent,
        String requestId,
        AuditDetails details) {

    public static final int MAX_ID = 200;
    public static final int MAX_USER_AGENT = 512;

    public AuditEvent {
        Objects.requireNonNull(eventId, "event id");
        Objects.requireNonNull(occurredAt, "occurred at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(details, "details");
        if (occurredAt.getNano() % 1_000 != 0) {
            throw new IllegalArgumentException("occurredAt must have microsecond precision (use the builder)");
        }
    }

    /** Starts an event; {@code action} is a dotted lower-case name such as {@code token.refresh}. */
    public static Builder builder(Actor actor, String action, Outcome outcome) {
        return new Builder(actor, action, outcome);
    }

    /** Collects the optional parts of an event; {@link #build()} checks and cleans them. */
    public static final class Builder {

        private final Actor actor;
        private final String action;
        private final Outcome outcome;
        private Target target;
        private String tenant;
        private String sourceIp;
        private String userAgent;
        private String requestId;
        private final Map<String, Object> details = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private Instant occurredAt;
        private UUID eventId;

        private Builder(Actor actor, String action, Outcome outcome) {
            this.actor = Objects.requireNonNull(actor, "actor");
            this.action = action;
            this.outcome = Objects.requireNonNull(outcome, "outcome");
        }

        public Builder target(String type, String id) {
            this.target = new Target(type, id);
            return this;
        }

        public Builder target(Target target) {
            this.target = target;
            return this;
        }

        /** The tenant (team id) the action concerns; null for platform-wide actions. */
        public Builder tenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        /** The caller's address (an IP literal; a wrong one is a bug and throws) and user agent (cleaned, capped). */
        public Builder source(String sourceIp, String userAgent) {
            this.sourceIp = sourceIp;
            this.userAgent = userAgent;
            return this;
        }

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        /** A non-secret detail; for secret values record {@link Fingerprints#of} their keyed hash. */
        public Builder detail(String key, Object value) {
            this.details.put(key, value);
            return this;
        }

        public Builder details(Map<String, ?> values) {
            this.details.putAll(values);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder occurredAt(Instant occurredAt) {
            this.occurredAt = occurredAt;
            return this;
        }

        public Builder eventId(UUID eventId) {
            this.eventId = eventId;
            return this;
        }

        public AuditEvent build() {
            Target cleanTarget = null;
            if (target != null) {
                cleanTarget = new Target(AuditText.name("target type", target.type(), 100),
                        AuditText.optional(target.id(), MAX_ID));
            }
            return new AuditEvent(
                    eventId != null ? eventId : UUID.randomUUID(),
                    (occurredAt != null ? occurredAt : clock.instant()).truncatedTo(ChronoUnit.MICROS),
                    new Actor(actor.type(), AuditText.optional(actor.id(), MAX_ID)),
                    AuditText.name("action", action, 100),
                    cleanTarget,
                    AuditText.optional(tenant, MAX_ID),
                    outcome,
                    sourceIp == null || sourceIp.isBlank() ? null : IpLiteral.canonical(sourceIp),
                    AuditText.optional(userAgent, MAX_USER_AGENT),
                    AuditText.optional(requestId, MAX_ID),
                    AuditDetails.of(details));
        }
    }
}
