package dev.latchkey.broker.credential;

import dev.latchkey.broker.catalog.Secret;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.Sealer;
import dev.latchkey.vault.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Seals and opens a connection's secret values. The context binds each ciphertext to its tenant, its connection and
 * what it is, so a sealed refresh token copied into another row, tenant or column never opens.
 */
public final class CredentialSealer {

    static final String ACCESS = "credential.access";
    static final String REFRESH = "credential.refresh";

    private final Sealer sealer;

    public CredentialSealer(Sealer sealer) {
        this.sealer = sealer;
    }

    public byte[] sealAccess(String tenant, UUID connectionId, Secret value) {
        return seal(value, new SealContext(tenant, connectionId.toString(), ACCESS));
    }

    public byte[] sealRefresh(String tenant, UUID connectionId, Secret value) {
        return value == null ? null : seal(value, new SealContext(tenant, connectionId.toString(), REFRESH));
    }

    public Secret openAccess(StoredCredential credential) {
        return open(credential.accessSealed(), credential.tenant(), credential.connectionId(), ACCESS);
    }

    /** The refresh token, or null when the credential has none. */
    public Secret openRefresh(StoredCredential credential) {
        return credential.refreshSealed() == null ? null
                : open(credential.refreshSealed(), credential.tenant(), credential.connectionId(), REFRESH);
    }

    private byte[] seal(Secret value, SealContext context) {
        return sealer.seal(value.reveal().getBytes(StandardCharsets.UTF_8), context);
    }

    private Secret open(byte[] sealed, String tenant, UUID connectionId, String purpose) {
        try (SecretBytes bytes = sealer.open(sealed, new SealContext(tenant, connectionId.toString(), purpose))) {
            return Secret.of(new String(bytes.revealBytes(), StandardCharsets.UTF_8));
        }
    }
}
