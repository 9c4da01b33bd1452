package dev.latchkey.authz.registration;

import static dev.latchkey.db.Tables.REGISTRATION_TOKENS;

import dev.latchkey.authz.hashing.SecretGenerator;
import dev.latchkey.authz.hashing.TokenHasher;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Initial access tokens for RFC 7591 dynamic registration (§3), issued by admins for one team, limited in uses
 * and lifetime, stored as keyed hashes.
 */
public final class RegistrationTokens {

    private final DSLContext dsl;
    private final TokenHasher hasher;

    public RegistrationTokens(DSLContext dsl, TokenHasher hasher) {
        this.dsl = dsl;
        this.hasher = hasher;
    }

    /** An issued initial access token; {@code token} is shown this once. */
    public record Issued(UUID id, UUID teamId, String token, int maxUses, OffsetDateTime expiresAt) {
        @Override
        public String toString() {
            return "Issued[id=" + id + ", token=[redacted]]";
        }
    }

    public Issued issue(UUID teamId, String description, int maxUses, long expiresInSeconds) {
        if (teamId == null) {
            throw new IllegalArgumentException("teamId is required");
        }
        if (maxUses < 1 || maxUses > 10_000) {
            throw new IllegalArgumentException("maxUses must be 1..10000");
        }
        if (expiresInSeconds < 60 || expiresInSeconds > 31_536_000) {
            throw new IllegalArgumentException("expiresInSeconds must be 60..31536000");
        }
        String token = SecretGenerator.generate("lk_iat_");
        UUID id = UUID.randomUUID();
        OffsetDateTime expiresAt = OffsetDateTime.now().plusSeconds(expiresInSeconds);
        dsl.insertInto(REGISTRATION_TOKENS)
                .set(REGISTRATION_TOKENS.ID, id)
                .set(REGISTRATION_TOKENS.TEAM_ID, teamId)
                .set(REGISTRATION_TOKENS.TOKEN_HASH, hasher.hashToken(token))
                .set(REGISTRATION_TOKENS.DESCRIPTION, description)
                .set(REGISTRATION_TOKENS.MAX_USES, maxUses)
                .set(REGISTRATION_TOKENS.EXPIRES_AT, expiresAt)
                .execute();
        return new Issued(id, teamId, token, maxUses, expiresAt);
    }

    /**
     * Spends one use of the token atomically; returns the team it registers for, or empty when the token is
     * unknown, expired, revoked or used up.
     */
    public Optional<UUID> redeem(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        return dsl.update(REGISTRATION_TOKENS)
                .set(REGISTRATION_TOKENS.USES, REGISTRATION_TOKENS.USES.plus(1))
                .where(REGISTRATION_TOKENS.TOKEN_HASH.eq(hasher.hashToken(token)))
                .and(REGISTRATION_TOKENS.USES.lt(REGISTRATION_TOKENS.MAX_USES))
                .and(REGISTRATION_TOKENS.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .and(REGISTRATION_TOKENS.REVOKED_AT.isNull())
                .returning(REGISTRATION_TOKENS.TEAM_ID)
                .fetchOptional(REGISTRATION_TOKENS.TEAM_ID);
    }
}
