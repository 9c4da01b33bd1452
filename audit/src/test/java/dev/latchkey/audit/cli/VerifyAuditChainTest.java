package dev.latchkey.audit.cli;

import static dev.latchkey.db.Tables.SYSTEM_SECRETS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.JooqAuditLog;
import dev.latchkey.audit.TestDatabase;
import dev.latchkey.audit.TestEvents;
import dev.latchkey.audit.TestKeys;
import dev.latchkey.audit.chain.ArchiveDirectory;
import dev.latchkey.audit.chain.ArchiveSummary;
import dev.latchkey.audit.chain.AuditChainer;
import dev.latchkey.audit.chain.AuditCheckpointer;
import dev.latchkey.audit.chain.AuditRetention;
import dev.latchkey.audit.chain.Signatures;
import dev.latchkey.audit.chain.SigningKey;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit 0 when the trail verifies, 1 with the report when it does not, 2 when it cannot run. */
class VerifyAuditChainTest {

    private static final Map<String, String> ENV = Map.of(
            "AUDIT_CHAIN_KEY", Base64.getEncoder().encodeToString(TestKeys.chainKeyBytes()));
    private static TestDatabase db;
    private static DSLContext dsl;
    private static SigningKey checkpointKey;
    private static Path publicKeyPem;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.start();
        dsl = db.node().dsl();
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        checkpointKey = Signatures.keyPair("cli-ed25519", pair.getPrivate(), pair.getPublic());
        publicKeyPem = dir.resolve("checkpoint.pem");
        Files.writeString(publicKeyPem, Signatures.publicKeyPem(checkpointKey));
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void noSealedSecrets() {
        dsl.deleteFrom(SYSTEM_SECRETS).execute();
    }

    @BeforeEach
    void tenChainedRowsWithACheckpoint() {
        db.reset();
        JooqAuditLog log = new JooqAuditLog(dsl, TestKeys.chainKey());
        for (int i = 0; i < 10; i++) {
            log.record(TestEvents.any());
        }
        new AuditChainer(dsl, TestKeys.chainKey()).chainAll();
        new AuditCheckpointer(dsl, checkpointKey, Clock.systemUTC()).checkpoint();
    }

    @Test
    void whenTheTrailIsIntactThenExitZeroAndAnOkLine() {
        Run run = run("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem);

        assertThat(run.status).as(run.err).isZero();
        assertThat(run.out).startsWith("OK: 10 chained rows, 1 checkpoints");
    }

    @Test
    void whenARowWasEditedThenExitOneAndTheJsonReportNamesTheRow() {
        db.tamper("update audit_events set outcome = 'denied' where seq = 6");

        Run run = run("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem,
                "--json");

        assertThat(run.status).isEqualTo(1);
        assertThat(run.out).contains("\"ok\":false", "\"reason\":\"EDITED\"", "\"first_bad_seq\":6",
                "\"rows_checked\":5");
    }

    @Test
    void whenTheCheckpointKeyIsNotTrustedThenExitOne() {
        Run run = run("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "another-key=" + publicKeyPem);

        assertThat(run.status).isEqualTo(1);
        assertThat(run.out).contains("BAD_CHECKPOINT_SIGNATURE");
    }

    @Test
    void whenKeysAreSealedInTheDatabaseThenTheyAreOpenedWithTheKeyring() throws Exception {
        byte[] hmacKey = new byte[32];
        hmacKey[0] = 42;
        byte[] ed25519Seed = new byte[32];
        ed25519Seed[5] = 9;
        Path keyring = sealedWithNewKeyring("keyring.json", Map.of(AuditChainKey.SYSTEM_SECRET_NAME,
                TestKeys.chainKeyBytes(), Signatures.HMAC_SYSTEM_SECRET_NAME, hmacKey,
                Signatures.ED25519_SEED_SYSTEM_SECRET_NAME, ed25519Seed));
        new AuditCheckpointer(dsl, Signatures.hmacSha256("sealed-hmac", SecretBytes.copyOf(hmacKey)), Clock.systemUTC())
                .checkpoint();
        // The application's own key: derived from its sealed seed, as AuditConfiguration does.
        new AuditCheckpointer(dsl, Signatures.ed25519FromSeed(SecretBytes.copyOf(ed25519Seed)), Clock.systemUTC())
                .checkpoint();

        Run run = run("--sealed-chain-key", "--checkpoint-hmac-sealed", "sealed-hmac", "--checkpoint-ed25519-sealed",
                "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem, "--keyring-file", keyring.toString());
        Run withoutEd25519 = run("--sealed-chain-key", "--checkpoint-hmac-sealed", "sealed-hmac",
                "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem, "--keyring-file", keyring.toString());

        assertThat(run.status).as(run.out + run.err).isZero();
        assertThat(run.out).startsWith("OK: 10 chained rows, 3 checkpoints");
        assertThat(withoutEd25519.status).isEqualTo(1);
        assertThat(withoutEd25519.out).contains("BAD_CHECKPOINT_SIGNATURE");
    }

    @Test
    void whenThePublicKeyIsPrintedThenItAloneVerifiesTheApplicationsCheckpointsWithoutTheSealedSeed() throws Exception {
        byte[] ed25519Seed = new byte[32];
        ed25519Seed[7] = 3;
        Path keyring = sealedWithNewKeyring("print-keyring.json",
                Map.of(Signatures.ED25519_SEED_SYSTEM_SECRET_NAME, ed25519Seed));
        SigningKey applicationKey = Signatures.ed25519FromSeed(SecretBytes.copyOf(ed25519Seed));
        new AuditCheckpointer(dsl, applicationKey, Clock.systemUTC()).checkpoint();
        Run printed = run("--print-checkpoint-public-key", "--keyring-file", keyring.toString());
        assertThat(printed.status).as(printed.err).isZero();
        assertThat(printed.out).startsWith("-----BEGIN PUBLIC KEY-----").doesNotContain("PRIVATE");
        assertThat(printed.err.strip()).isEqualTo("key id: " + applicationKey.keyId());

        Path pem = dir.resolve("printed.pem");
        Files.writeString(pem, printed.out);
        Run verified = run("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key",
                "cli-ed25519=" + publicKeyPem, "--checkpoint-public-key", applicationKey.keyId() + "=" + pem);
        assertThat(verified.status).as(verified.out + verified.err).isZero();
        assertThat(verified.out).startsWith("OK: 10 chained rows, 2 checkpoints");

        Run withoutKeyring = run("--print-checkpoint-public-key");
        assertThat(withoutKeyring.status).isEqualTo(2);
        assertThat(withoutKeyring.err).contains("--keyring-file");
    }

    @Test
    void whenAnArchiveExportIsGivenThenItIsVerifiedAgainstTheStoredSummary() throws Exception {
        Path export = dir.resolve("archive-1.jsonl");
        try (OutputStream out = Files.newOutputStream(export)) {
            new AuditRetention(dsl, TestKeys.chainKey(), checkpointKey, Clock.systemUTC()).archive(6, out);
        }
        String[] args = {"--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem,
                "--export", export.toString(), "--archive-first-seq", "1"};

        assertThat(run(args).status).isZero();
        List<String> lines = new ArrayList<>(Files.readAllLines(export));
        lines.remove(5);
        Files.write(export, lines);
        Run tampered = run(args);
        assertThat(tampered.status).isEqualTo(1);
        assertThat(tampered.out).contains("TRUNCATED");
    }

    @Test
    void whenAnArchiveFileIsGivenWithItsSummaryFileThenItVerifiesWithoutTheDatabase() throws Exception {
        ArchiveDirectory archives = ArchiveDirectory.open(dir.resolve("archives"));
        ArchiveSummary summary = new AuditRetention(dsl, TestKeys.chainKey(), checkpointKey, Clock.systemUTC())
                .archiveOldest(Instant.now().plusSeconds(60), 1_000, archives).orElseThrow();
        Path rows = archives.rowsFile(1, 10);
        Path summaryFile = archives.summaryFile(1, 10);
        assertThat(summary.lastSeq()).isEqualTo(10);

        Run ok = offline("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "cli-ed25519=" + publicKeyPem,
                "--export", rows.toString(), "--summary", summaryFile.toString());
        assertThat(ok.status).as(ok.err).isZero();
        assertThat(ok.out).startsWith("OK: 10 chained rows");

        // A summary claiming a shorter range no longer carries a valid signature.
        Files.writeString(summaryFile, Files.readString(summaryFile).replace("\"last_seq\":10", "\"last_seq\":9")
                .replace("\"count\":10", "\"count\":9"));
        Run forged = offline("--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key",
                "cli-ed25519=" + publicKeyPem, "--export", rows.toString(), "--summary", summaryFile.toString());
        assertThat(forged.status).isEqualTo(1);
        assertThat(forged.out).contains("BAD_CHECKPOINT_SIGNATURE");

        Run sealedWithoutDatabase = offline("--sealed-chain-key", "--checkpoint-public-key", "k=" + publicKeyPem,
                "--export", rows.toString(), "--summary", summaryFile.toString());
        assertThat(sealedWithoutDatabase.status).isEqualTo(2);
        assertThat(sealedWithoutDatabase.err).contains("--jdbc-url");
    }

    @Test
    void whenOptionsAreMissingOrTheDatabaseIsUnreachableThenExitTwo() {
        assertThat(run("--chain-key-env", "AUDIT_CHAIN_KEY").status).isEqualTo(2);
        Run noKey = run("--checkpoint-public-key", "k=" + publicKeyPem);
        assertThat(noKey.status).isEqualTo(2);
        assertThat(noKey.err).contains("usage:");
        assertThat(VerifyAuditChain.run(new String[] {"--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none",
                "--chain-key-env", "AUDIT_CHAIN_KEY", "--checkpoint-public-key", "k=" + publicKeyPem}, ENV,
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream())))
                .isEqualTo(2);
        assertThat(run("--chain-key-env", "UNSET_VARIABLE", "--checkpoint-public-key", "k=" + publicKeyPem).status)
                .isEqualTo(2);
    }

    /** Stores {@code secrets} as sealed system secrets under a new local keyring, as the application would. */
    private static Path sealedWithNewKeyring(String keyringFile, Map<String, byte[]> secrets) {
        Path keyring = dir.resolve(keyringFile);
        try (EnvelopeSealer sealer = new EnvelopeSealer(LocalKeyEncryptionKey.fromFile(keyring, true))) {
            secrets.forEach((name, value) -> dsl.insertInto(SYSTEM_SECRETS)
                    .set(SYSTEM_SECRETS.NAME, name)
                    .set(SYSTEM_SECRETS.SEALED, sealer.seal(value, new SealContext("system", name, "system_secret")))
                    .execute());
        }
        return keyring;
    }

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("--jdbc-url", db.jdbcUrl(), "--user", db.username()));
        all.addAll(List.of(args));
        return offline(all.toArray(String[]::new));
    }

    /** Runs the command with exactly these arguments (no database unless they name one). */
    private static Run offline(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = VerifyAuditChain.run(args, ENV, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
