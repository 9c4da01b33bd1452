package dev.latchkey.authz.keys;

import static dev.latchkey.db.Tables.SIGNING_KEYS;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.latchkey.db.tables.records.SigningKeysRecord;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * JWS signing keys, generated on first start and stored with the private half sealed by vault-adapter. Exactly one
 * key signs (the newest unretired one, listed first); retired keys stay published in the JWKS, public half only,
 * until every token they signed has expired, so rotation never breaks verification.
 */
public final class SigningKeys implements JWKSource<SecurityContext> {

    private static final Duration RELOAD_EVERY = Duration.ofSeconds(30);
    private static final long ROTATION_LOCK = 0x4c4b_5349_474eL;

    private final DSLContext dsl;
    private final Sealer sealer;
    private final Duration overlap;
    private final Clock clock;
    private volatile Loaded loaded;

    private record Loaded(JWKSet keys, Instant at) {}

    public SigningKeys(DSLContext dsl, Sealer sealer, Duration overlap, Clock clock) {
        this.dsl = dsl;
        this.sealer = sealer;
        this.overlap = overlap;
        this.clock = clock;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        return selector.select(keys());
    }

    /** The current key set: the signing key (with private half) first, then published retired keys (public only). */
    public JWKSet keys() {
        Loaded current = loaded;
        if (current == null || current.at().plus(RELOAD_EVERY).isBefore(clock.instant())) {
            current = new Loaded(load(), clock.instant());
            loaded = current;
        }
        return current.keys();
    }

    /** Creates the first key if there is none; safe when several nodes start at once. */
    public void ensureKey() {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            db.select(DSL.function("pg_advisory_xact_lock", Object.class, DSL.inline(ROTATION_LOCK))).fetch();
            if (!db.fetchExists(SIGNING_KEYS, SIGNING_KEYS.RETIRED_AT.isNull())) {
                insertNewKey(db);
            }
        });
        loaded = null;
    }

    /** Retires the signing key (still published for the overlap) and starts signing with a new one. */
    public String rotate() {
        String kid = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.select(DSL.function("pg_advisory_xact_lock", Object.class, DSL.inline(ROTATION_LOCK))).fetch();
            OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
            db.update(SIGNING_KEYS).set(SIGNING_KEYS.RETIRED_AT, now).set(SIGNING_KEYS.EXPIRES_AT, now.plus(overlap))
                    .where(SIGNING_KEYS.RETIRED_AT.isNull()).execute();
            return insertNewKey(db);
        });
        loaded = null;
        return kid;
    }

    /** Rotates when the signing key is older than {@code maxAge}; returns whether it did. */
    public boolean rotateIfOlderThan(Duration maxAge) {
        OffsetDateTime newest = dsl.select(DSL.max(SIGNING_KEYS.CREATED_AT)).from(SIGNING_KEYS)
                .where(SIGNING_KEYS.RETIRED_AT.isNull()).fetchOne(0, OffsetDateTime.class);
        if (newest != null && newest.toInstant().plus(maxAge).isAfter(clock.instant())) {
            return false;
        }
        rotate();
        return true;
    }

    private String insertNewKey(DSLContext db) {
        try {
            String kid = UUID.randomUUID().toString();
            RSAKey key = new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
            byte[] privateJson = key.toJSONString().getBytes(StandardCharsets.UTF_8);
            db.insertInto(SIGNING_KEYS)
                    .set(SIGNING_KEYS.KID, kid)
                    .set(SIGNING_KEYS.ALGORITHM, JWSAlgorithm.RS256.getName())
                    .set(SIGNING_KEYS.PUBLIC_JWK, JSONB.valueOf(key.toPublicJWK().toJSONString()))
                    .set(SIGNING_KEYS.PRIVATE_KEY_SEALED, sealer.seal(privateJson, context(kid)))
                    .set(SIGNING_KEYS.CREATED_AT, clock.instant().atOffset(ZoneOffset.UTC))
                    .execute();
            java.util.Arrays.fill(privateJson, (byte) 0);
            return kid;
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }

    private JWKSet load() {
        OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
        List<SigningKeysRecord> rows = dsl.selectFrom(SIGNING_KEYS)
                .where(SIGNING_KEYS.EXPIRES_AT.isNull().or(SIGNING_KEYS.EXPIRES_AT.gt(now)))
                .orderBy(SIGNING_KEYS.RETIRED_AT.isNull().desc(), SIGNING_KEYS.CREATED_AT.desc())
                .fetch();
        List<JWK> keys = new ArrayList<>();
        try {
            for (SigningKeysRecord row : rows) {
                if (row.getRetiredAt() == null && keys.isEmpty()) {
                    try (SecretBytes privateJson = sealer.open(row.getPrivateKeySealed(), context(row.getKid()))) {
                        keys.add(JWK.parse(new String(privateJson.revealBytes(), StandardCharsets.UTF_8)));
                    }
                } else {
                    keys.add(JWK.parse(row.getPublicJwk().data()));
                }
            }
        } catch (ParseException e) {
            throw new IllegalStateException("stored signing key is malformed", e);
        }
        return new JWKSet(keys);
    }

    static SealContext context(String kid) {
        return new SealContext("system", kid, "signing_key");
    }
}
