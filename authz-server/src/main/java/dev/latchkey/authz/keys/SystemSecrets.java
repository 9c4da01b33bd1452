package dev.latchkey.authz.keys;

import static dev.latchkey.db.Tables.SYSTEM_SECRETS;

import dev.latchkey.authz.hashing.SecretGenerator;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.Sealer;
import java.util.Arrays;
import org.jooq.DSLContext;

/**
 * Platform secrets (such as the token-hashing key) generated on first start and stored sealed. Concurrent first
 * starts on several nodes agree on one value: the insert does nothing on conflict and everyone reads the winner.
 */
public final class SystemSecrets {

    private final DSLContext dsl;
    private final Sealer sealer;

    public SystemSecrets(DSLContext dsl, Sealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    public SecretBytes getOrCreate(String name, int lengthBytes) {
        SealContext context = context(name);
        byte[] fresh = SecretGenerator.randomBytes(lengthBytes);
        try {
            dsl.insertInto(SYSTEM_SECRETS)
                    .set(SYSTEM_SECRETS.NAME, name)
                    .set(SYSTEM_SECRETS.SEALED, sealer.seal(fresh, context))
                    .onConflictDoNothing()
                    .execute();
        } finally {
            Arrays.fill(fresh, (byte) 0);
        }
        byte[] sealed = dsl.select(SYSTEM_SECRETS.SEALED).from(SYSTEM_SECRETS)
                .where(SYSTEM_SECRETS.NAME.eq(name)).fetchSingle(SYSTEM_SECRETS.SEALED);
        return sealer.open(sealed, context);
    }

    static SealContext context(String name) {
        return new SealContext("system", name, "system_secret");
    }
}
