package dev.latchkey.authz.admin;

import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.KeyStatus;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import dev.latchkey.vault.rewrap.RewrapJob;
import dev.latchkey.vault.rewrap.RewrapResult;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Key-encryption-key status, rotation of the local development keyring, and the rewrap job that moves every
 * stored data key to the primary KEK version (safe to run on several nodes at once, resumable).
 */
@RestController
@RequestMapping(path = "/admin/v1/keys", produces = "application/json")
public class KeyAdminController {

    private final KeyEncryptionKey kek;
    private final RewrapJob rewrapJob;

    public KeyAdminController(KeyEncryptionKey kek, RewrapJob rewrapJob) {
        this.kek = kek;
        this.rewrapJob = rewrapJob;
    }

    @GetMapping
    KeyStatus status() {
        return kek.status();
    }

    /** Rotates the local keyring; Vault and KMS keys are rotated in Vault or KMS, then rewrapped here. */
    @PostMapping("/rotate")
    Object rotate() {
        if (kek instanceof LocalKeyEncryptionKey local) {
            return Map.of("primaryVersion", local.rotate());
        }
        return AdminApiErrors.problem(HttpStatus.CONFLICT, "Rotate in the key provider",
                "Rotate the " + kek.providerId() + " key in the provider itself, then call POST /admin/v1/keys/rewrap.");
    }

    @PostMapping("/rewrap")
    RewrapResult rewrap() {
        return rewrapJob.run();
    }

}
