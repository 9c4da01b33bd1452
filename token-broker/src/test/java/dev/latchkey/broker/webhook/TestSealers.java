package dev.latchkey.broker.webhook;

import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;

/** A real envelope sealer over an ephemeral local key, as the application seals with a local keyring. */
final class TestSealers {

    private TestSealers() {
    }

    static EnvelopeSealer sealer() {
        return new EnvelopeSealer(LocalKeyEncryptionKey.ephemeral());
    }
}
