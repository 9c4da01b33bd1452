package dev.latchkey.authz.developer;

import static dev.latchkey.db.Tables.DEVELOPER_TOKENS;
import static dev.latchkey.db.Tables.USERS;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.Fingerprints;
import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
import dev.latchkey.authz.hashing.SecretGenerator;
import dev.latchkey.authz.hashing.TokenHasher;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Developers' personal API tokens for the developer API ({@code lk_pat_…}), like GitHub's personal access tokens:
 * created in the portal after a password sign-in, shown once, stored only as a keyed hash, expiring, revocable.
 * A token acts as its developer for their team and stops working when the user loses the {@code developer} role
 * or is disabled (checked on every use). Creation and revocation are audited ({@code developer_token.created},
 * {@code developer_token.revoked}) in their transaction, with the token's fingerprint, never its value.
 */
public final class DeveloperTokens {

    public static final String PREFIX = "lk_pat_";
    public static final int MAX_ACTIVE_PER_USER = 20;
    public static final int MAX_DAYS = 365;

    private final DSLContext dsl;
    private final TokenHasher hasher;
    private final AuditTrail audit;

    public DeveloperTokens(DSLContext dsl, TokenHasher hasher, AuditTrail audit) {
        this.dsl = dsl;
        this.hasher = hasher;
        this.audit = audit;
    }

    /** A token as listed: never its value or hash. */
    public record TokenView(UUID id, String name, OffsetDateTime createdAt, OffsetDateTime expiresAt,
            OffsetDateTime lastUsedAt) {}

    /** A newly issued token; {@code value} exists only in this response. */
    public record Issued(TokenView token, String value) {
        @Override
        public String toString() {
            return "Issued[token=" + token.id() + ", value=[redacted]]";
        }
    }

    /** A token-request field that cannot be accepted; {@code field} names the input. */
    public static final class InvalidTokenRequestException extends IllegalArgumentException {
        private final String field;

        public InvalidTokenRequestException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    public Issued issue(Developer developer, String name, int days) {
        String label = name == null ? "" : name.strip();
        if (label.isEmpty() || label.length() > 100) {
            throw new InvalidTokenRequestException("name", "name is required (1 to 100 characters)");
        }
        if (days < 1 || days > MAX_DAYS) {
            throw new InvalidTokenRequestException("days", "a token expires after 1 to " + MAX_DAYS + " days");
        }
        if (list(developer).size() >= MAX_ACTIVE_PER_USER) {
            throw new InvalidTokenRequestException("name", "you have " + MAX_ACTIVE_PER_USER + " tokens; revoke one first");
        }
        String value = SecretGenerator.generate(PREFIX);
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now();
        byte[] hash = hasher.hashToken(value);
        audit.inTransaction(() -> {
            dsl.insertInto(DEVELOPER_TOKENS)
                    .set(DEVELOPER_TOKENS.ID, id)
                    .set(DEVELOPER_TOKENS.USER_ID, developer.userId())
                    .set(DEVELOPER_TOKENS.NAME, label)
                    .set(DEVELOPER_TOKENS.TOKEN_HASH, hash)
                    .set(DEVELOPER_TOKENS.CREATED_AT, now)
                    .set(DEVELOPER_TOKENS.EXPIRES_AT, now.plusDays(days))
                    .execute();
            audit.record(Actor.user(developer.username()), "developer_token.created", Outcome.SUCCESS,
                    "developer_token", id.toString(), developer.teamId().toString(),
                    Map.of("name", label, "days", days, "token", Fingerprints.of(hash)));
            return null;
        });
        return new Issued(new TokenView(id, label, now, now.plusDays(days), null), value);
    }

    /** The developer's tokens that are neither revoked nor expired, newest first. */
    public List<TokenView> list(Developer developer) {
        return dsl.select(DEVELOPER_TOKENS.ID, DEVELOPER_TOKENS.NAME, DEVELOPER_TOKENS.CREATED_AT,
                        DEVELOPER_TOKENS.EXPIRES_AT, DEVELOPER_TOKENS.LAST_USED_AT)
                .from(DEVELOPER_TOKENS)
                .where(DEVELOPER_TOKENS.USER_ID.eq(developer.userId()))
                .and(DEVELOPER_TOKENS.REVOKED_AT.isNull())
                .and(DEVELOPER_TOKENS.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .orderBy(DEVELOPER_TOKENS.CREATED_AT.desc())
                .fetch(r -> new TokenView(r.value1(), r.value2(), r.value3(), r.value4(), r.value5()));
    }

    public boolean revoke(Developer developer, UUID tokenId) {
        return audit.inTransaction(() -> {
            boolean revoked = dsl.update(DEVELOPER_TOKENS)
                    .set(DEVELOPER_TOKENS.REVOKED_AT, DSL.currentOffsetDateTime())
                    .where(DEVELOPER_TOKENS.ID.eq(tokenId))
                    .and(DEVELOPER_TOKENS.USER_ID.eq(developer.userId()))
                    .and(DEVELOPER_TOKENS.REVOKED_AT.isNull())
                    .execute() == 1;
            if (revoked) {
                audit.record(Actor.user(developer.username()), "developer_token.revoked", Outcome.SUCCESS,
                        "developer_token", tokenId.toString(), developer.teamId().toString(), Map.of());
            }
            return revoked;
        });
    }

    /**
     * The developer a presented token acts for: looked up by keyed hash, live, and its user still an enabled
     * developer. Records the use (at most once a minute, so reads do not turn into a write per request).
     */
    public Optional<Developer> authenticate(String value) {
        if (value == null || !value.startsWith(PREFIX) || value.length() > 200) {
            return Optional.empty();
        }
        Optional<Developer> developer = dsl.select(DEVELOPER_TOKENS.ID, USERS.ID, USERS.TEAM_ID, USERS.USERNAME)
                .from(DEVELOPER_TOKENS)
                .join(USERS).on(USERS.ID.eq(DEVELOPER_TOKENS.USER_ID))
                .where(DEVELOPER_TOKENS.TOKEN_HASH.eq(hasher.hashToken(value)))
                .and(DEVELOPER_TOKENS.REVOKED_AT.isNull())
                .and(DEVELOPER_TOKENS.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .and(USERS.ROLES.contains(new String[] {"developer"}))
                .and(USERS.DISABLED_AT.isNull())
                .fetchOptional(r -> {
                    dsl.update(DEVELOPER_TOKENS)
                            .set(DEVELOPER_TOKENS.LAST_USED_AT, DSL.currentOffsetDateTime())
                            .where(DEVELOPER_TOKENS.ID.eq(r.value1()))
                            .and(DEVELOPER_TOKENS.LAST_USED_AT.isNull()
                                    .or(DEVELOPER_TOKENS.LAST_USED_AT.lt(OffsetDateTime.now().minusMinutes(1))))
                            .execute();
                    return new Developer(r.value2(), r.value3(), r.value4());
                });
        return developer;
    }
}
