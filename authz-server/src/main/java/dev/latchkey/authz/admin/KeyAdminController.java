package dev.latchkey.authz.admin;

import dev.latchkey.audit.Outcome;
import dev.latchkey.authz.audit.AuditTrail;
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
    private final AuditTrail audit;

    public KeyAdminController(KeyEncryptionKey kek, RewrapJob rewrapJob, AuditTrail audit) {
        this.audit = audit;
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
            // The keyring is a file, not a database row: the event is written once the rotation has happened.
            var version = local.rotate();
            audit.record(AuditTrail.currentAdmin(), "kek.rotated", Outcome.SUCCESS, "kek", kek.providerId(), null,
                    Map.of("primaryVersion", version));
            return Map.of("primaryVersion", version);
        }
        return AdminApiErrors.problem(HttpStatus.CONFLICT, "Rotate in the key provider",
                "Rotate the " + kek.providerId() + " key in the provider itself, then call POST /admin/v1/keys/rewrap.");
    }

    @PostMapping("/rewrap")
    RewrapResult rewrap() {
        // Resumable and batched in its own transactions: recorded when the run ends (a failed run is recorded too).
        try {
            RewrapResult result = rewrapJob.run();
            audit.record(AuditTrail.currentAdmin(), "kek.rewrap_run", Outcome.SUCCESS, "kek", kek.providerId(), null,
                    Map.of("rewrapped", result.rewrapped(), "alreadyCurrent", result.alreadyCurrent(),
                            "conflicts", result.conflicts(), "failed", result.failed(), "complete", result.complete()));
            return result;
        } catch (RuntimeException e) {
            audit.record(AuditTrail.currentAdmin(), "kek.rewrap_run", Outcome.FAILURE, "kek", kek.providerId(), null,
                    Map.of("error", e.getClass().getSimpleName()));
            throw e;
        }
    }

}
