package dev.latchkey.vault.transit;

import static dev.latchkey.vault.TestSealContexts.accessToken;
import static dev.latchkey.vault.TestSealContexts.otherTenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.SealedDataException;
import dev.latchkey.vault.SealedHeader;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Opt-in: runs against a real Vault when {@code VAULT_ADDR} and {@code VAULT_TOKEN} are set (the token needs to
 * create, read and rotate Transit keys), and is reported as skipped otherwise. Uses the Transit mount
 * {@code LATCHKEY_TEST_VAULT_MOUNT} (default {@code transit}) and the keys {@code LATCHKEY_TEST_VAULT_KEY} (default
 * {@code latchkey-test}) and {@code <key>-derived}, creating them if missing. Rotates those keys.
 */
class RealVaultTransitTest {

    private static final byte[] SECRET = "real-vault-secret".getBytes(StandardCharsets.UTF_8);

    private String address;
    private String token;
    private String mount;
    private String keyName;

    @BeforeEach
    void requireVault() {
        address = System.getenv("VAULT_ADDR");
        token = System.getenv("VAULT_TOKEN");
        assumeTrue(address != null && !address.isBlank() && token != null && !token.isBlank(),
                "set VAULT_ADDR and VAULT_TOKEN to run against a real Vault");
        mount = Objects.requireNonNullElse(System.getenv("LATCHKEY_TEST_VAULT_MOUNT"), "transit");
        keyName = Objects.requireNonNullElse(System.getenv("LATCHKEY_TEST_VAULT_KEY"), "latchkey-test");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void whenRealVaultThenSealOpenRotateAndRewrapWork(boolean derived) throws Exception {
        String name = derived ? keyName + "-derived" : keyName;
        Vault admin = Vault.create(new VaultConfig().address(address).token(token).build(), 1);
        if (admin.logical().read(mount + "/keys/" + name).getRestResponse().getStatus() == 404) {
            admin.logical().write(mount + "/keys/" + name, Map.of("type", "aes256-gcm96", "derived", derived));
        }
        try (var kek = new VaultTransitKeyEncryptionKey(
                VaultTransitSettings.withToken(address, token).withKey(mount, name))) {
            EnvelopeSealer sealer = EnvelopeSealer.builder(kek).cacheSettings(CacheSettings.disabled()).build();
            byte[] sealed = sealer.seal(SECRET, accessToken());
            assertThat(sealer.open(sealed, accessToken()).revealBytes()).isEqualTo(SECRET);
            assertThatThrownBy(() -> sealer.open(sealed, otherTenant())).isInstanceOf(SealedDataException.class);

            int rotated = kek.rotate();
            byte[] rewrapped = sealer.rewrap(sealed, accessToken());

            assertThat(SealedHeader.parse(rewrapped).key().version()).isEqualTo(rotated);
            assertThat(sealer.open(rewrapped, accessToken()).revealBytes()).isEqualTo(SECRET);
            assertThat(kek.status().primaryVersion()).isEqualTo(rotated);
        }
    }
}
