package dev.latchkey.audit.cli;

import static dev.latchkey.db.Tables.AUDIT_ARCHIVES;
import static dev.latchkey.db.Tables.SYSTEM_SECRETS;

import dev.latchkey.audit.AuditChainKey;
import dev.latchkey.audit.chain.ArchiveSummary;
import dev.latchkey.audit.chain.AuditVerifier;
import dev.latchkey.audit.chain.SignatureVerifier;
import dev.latchkey.audit.chain.Signatures;
import dev.latchkey.audit.chain.SigningKey;
import dev.latchkey.audit.chain.VerificationReport;
import dev.latchkey.db.tables.records.AuditArchivesRecord;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.KeyEncryptionKey;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.kms.AwsKmsKeyEncryptionKey;
import dev.latchkey.vault.kms.AwsKmsSettings;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import dev.latchkey.vault.transit.VaultTransitKeyEncryptionKey;
import dev.latchkey.vault.transit.VaultTransitSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import tools.jackson.databind.json.JsonMapper;

/**
 * Command line verification of the audit trail, for security teams and scheduled jobs. See audit/README.md.
 *
 * <p>Exit status: 0 verified, 1 tampering found (the report says where and how), 2 usage or configuration error.
 * Secrets are never taken as arguments (they would show in the process list): the database password and keys come
 * from environment variables or files, or the keys are opened from the database's sealed system secrets with the
 * deployment's key-encryption key.
 */
public final class VerifyAuditChain {

    static final String USAGE = """
            usage: VerifyAuditChain [--jdbc-url URL [--user USER] [--password-env VAR]]
                     (--chain-key-env VAR | --chain-key-file FILE | --sealed-chain-key)
                     (--checkpoint-public-key KEYID=FILE.pem | --checkpoint-hmac-env KEYID=VAR
                      | --checkpoint-hmac-sealed KEYID | --checkpoint-ed25519-sealed)...
                     [KEK for sealed keys: --keyring-file FILE
                      | --vault-addr URL --vault-token-env VAR [--vault-mount transit] [--vault-key latchkey]
                      | --kms-key-id ID --kms-region REGION]
                     [--export FILE.jsonl (--archive-first-seq N | --summary FILE.summary.json)] [--json]
                   VerifyAuditChain --print-checkpoint-public-key --jdbc-url URL [--user USER] [--password-env VAR]
                     (KEK: as above)
              Keys in variables and files are base64. --password-env defaults to PGPASSWORD.
              Without --export: verifies the chain in the database. With it: verifies an archive export against
              the signed archive summary stored for the range starting at seq N, or against the summary file kept
              next to it (then --jdbc-url is needed only for sealed keys).
              --print-checkpoint-public-key prints the application's Ed25519 checkpoint key (derived from its sealed
              seed) as PEM, and its key id on stderr: keep both where the database cannot reach them, for
              --checkpoint-public-key KEYID=FILE.pem.
              Exit status: 0 verified, 1 tampering found, 2 usage or configuration error.""";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private VerifyAuditChain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                err.println(e.getMessage());
            }
            err.println(USAGE);
            return 2;
        }
        try (Connection connection = o.jdbcUrl == null ? null
                : DriverManager.getConnection(o.jdbcUrl, o.user, env.getOrDefault(o.passwordEnv, ""))) {
            DSLContext dsl = connection == null ? null : DSL.using(connection, SQLDialect.POSTGRES);
            Keys keys = new Keys(o, env, dsl);
            if (o.printPublicKey) {
                SigningKey key = keys.ed25519();
                out.print(Signatures.publicKeyPem(key));
                err.println("key id: " + key.keyId());
                return 0;
            }
            AuditVerifier verifier = new AuditVerifier(dsl, keys.chainKey(), keys.checkpointVerifier());
            VerificationReport report;
            if (o.export != null) {
                ArchiveSummary summary = o.summary != null
                        ? ArchiveSummary.fromJson(Files.readString(o.summary, StandardCharsets.UTF_8))
                        : storedSummary(dsl, o.archiveFirstSeq);
                if (summary == null) {
                    err.println("no archive summary starts at seq " + o.archiveFirstSeq);
                    return 2;
                }
                try (InputStream in = Files.newInputStream(o.export)) {
                    report = verifier.verifyExport(in, summary);
                }
            } else {
                report = verifier.verify();
            }
            out.println(o.json ? json(report) : report.summary());
            return report.ok() ? 0 : 1;
        } catch (SQLException e) {
            err.println("cannot connect to the database: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("verification could not run: " + e.getMessage());
            return 2;
        }
    }

    private static ArchiveSummary storedSummary(DSLContext dsl, long firstSeq) {
        AuditArchivesRecord row = dsl.selectFrom(AUDIT_ARCHIVES).where(AUDIT_ARCHIVES.FIRST_SEQ.eq(firstSeq)).fetchOne();
        return row == null ? null : new ArchiveSummary(row.getFirstSeq(), row.getLastSeq(), row.getEventCount(),
                row.getFirstPrevHash(), row.getLastHash(), row.getArchivedAt().toInstant(), row.getKeyId(),
                row.getSignature());
    }

    static String json(VerificationReport r) {
        return JSON.writeValueAsString(r.fields());
    }

    /** Where the keys come from. */
    private static final class Keys {
        private final Options o;
        private final Map<String, String> env;
        private final DSLContext dsl;
        private EnvelopeSealer sealer;

        Keys(Options o, Map<String, String> env, DSLContext dsl) {
            this.o = o;
            this.env = env;
            this.dsl = dsl;
        }

        AuditChainKey chainKey() throws IOException {
            try (SecretBytes key = o.chainKeyEnv != null ? fromEnv(o.chainKeyEnv)
                    : o.chainKeyFile != null ? fromFile(o.chainKeyFile)
                    : sealed(AuditChainKey.SYSTEM_SECRET_NAME)) {
                return AuditChainKey.of(key);
            }
        }

        SignatureVerifier checkpointVerifier() throws IOException {
            List<SignatureVerifier> verifiers = new ArrayList<>();
            for (String spec : o.publicKeys) {
                String[] kv = keyValue(spec);
                verifiers.add(Signatures.publicKey(kv[0],
                        Signatures.parsePublicKeyPem(Files.readString(Path.of(kv[1]), StandardCharsets.US_ASCII))));
            }
            for (String spec : o.hmacEnvs) {
                String[] kv = keyValue(spec);
                try (SecretBytes key = fromEnv(kv[1])) {
                    verifiers.add(Signatures.hmacSha256(kv[0], key));
                }
            }
            for (String keyId : o.hmacSealed) {
                try (SecretBytes key = sealed(Signatures.HMAC_SYSTEM_SECRET_NAME)) {
                    verifiers.add(Signatures.hmacSha256(keyId, key));
                }
            }
            if (o.ed25519Sealed) {
                // The application's own checkpoint key; only its verifying half is used here.
                verifiers.add(ed25519());
            }
            return Signatures.anyOf(verifiers);
        }

        /** The application's Ed25519 checkpoint key, derived from its sealed seed as the application does. */
        SigningKey ed25519() {
            try (SecretBytes seed = sealed(Signatures.ED25519_SEED_SYSTEM_SECRET_NAME)) {
                return Signatures.ed25519FromSeed(seed);
            }
        }

        private SecretBytes fromEnv(String name) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("environment variable " + name + " is not set");
            }
            return SecretBytes.adopt(Base64.getDecoder().decode(value.strip()));
        }

        private static SecretBytes fromFile(Path file) throws IOException {
            return SecretBytes.adopt(Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        }

        /** A sealed system secret, opened with the key-encryption key (same context as the application uses). */
        private SecretBytes sealed(String name) {
            byte[] sealed = dsl.select(SYSTEM_SECRETS.SEALED).from(SYSTEM_SECRETS)
                    .where(SYSTEM_SECRETS.NAME.eq(name)).fetchOne(SYSTEM_SECRETS.SEALED);
            if (sealed == null) {
                throw new IllegalArgumentException("no system secret named " + name);
            }
            return sealer().open(sealed, new SealContext("system", name, "system_secret"));
        }

        private EnvelopeSealer sealer() {
            if (sealer == null) {
                KeyEncryptionKey kek;
                if (o.keyringFile != null) {
                    kek = LocalKeyEncryptionKey.fromFile(o.keyringFile, false);
                } else if (o.vaultAddr != null) {
                    kek = new VaultTransitKeyEncryptionKey(VaultTransitSettings
                            .withToken(o.vaultAddr, env.get(o.vaultTokenEnv)).withKey(o.vaultMount, o.vaultKey));
                } else if (o.kmsKeyId != null) {
                    kek = new AwsKmsKeyEncryptionKey(AwsKmsSettings.of(o.kmsKeyId, o.kmsRegion));
                } else {
                    throw new IllegalArgumentException(
                            "sealed keys need a key-encryption key: --keyring-file, --vault-addr or --kms-key-id");
                }
                sealer = new EnvelopeSealer(kek);
            }
            return sealer;
        }

        private static String[] keyValue(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("expected KEYID=VALUE: " + spec);
            }
            return new String[] {spec.substring(0, eq), spec.substring(eq + 1)};
        }
    }

    /** Parsed command line. */
    private static final class Options {
        String jdbcUrl;
        String user = "postgres";
        String passwordEnv = "PGPASSWORD";
        String chainKeyEnv;
        Path chainKeyFile;
        boolean sealedChainKey;
        boolean ed25519Sealed;
        boolean printPublicKey;
        final List<String> publicKeys = new ArrayList<>();
        final List<String> hmacEnvs = new ArrayList<>();
        final List<String> hmacSealed = new ArrayList<>();
        Path keyringFile;
        String vaultAddr;
        String vaultTokenEnv = "VAULT_TOKEN";
        String vaultMount = "transit";
        String vaultKey = "latchkey";
        String kmsKeyId;
        String kmsRegion;
        Path export;
        Long archiveFirstSeq;
        Path summary;
        boolean json;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--json" -> o.json = true;
                    case "--sealed-chain-key" -> o.sealedChainKey = true;
                    case "--checkpoint-ed25519-sealed" -> o.ed25519Sealed = true;
                    case "--print-checkpoint-public-key" -> o.printPublicKey = true;
                    case "--help", "-h" -> throw new IllegalArgumentException("");
                    default -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("missing value for " + a);
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--jdbc-url" -> o.jdbcUrl = v;
                            case "--user" -> o.user = v;
                            case "--password-env" -> o.passwordEnv = v;
                            case "--chain-key-env" -> o.chainKeyEnv = v;
                            case "--chain-key-file" -> o.chainKeyFile = Path.of(v);
                            case "--checkpoint-public-key" -> o.publicKeys.add(v);
                            case "--checkpoint-hmac-env" -> o.hmacEnvs.add(v);
                            case "--checkpoint-hmac-sealed" -> o.hmacSealed.add(v);
                            case "--keyring-file" -> o.keyringFile = Path.of(v);
                            case "--vault-addr" -> o.vaultAddr = v;
                            case "--vault-token-env" -> o.vaultTokenEnv = v;
                            case "--vault-mount" -> o.vaultMount = v;
                            case "--vault-key" -> o.vaultKey = v;
                            case "--kms-key-id" -> o.kmsKeyId = v;
                            case "--kms-region" -> o.kmsRegion = v;
                            case "--export" -> o.export = Path.of(v);
                            case "--archive-first-seq" -> o.archiveFirstSeq = parseLong(v);
                            case "--summary" -> o.summary = Path.of(v);
                            default -> throw new IllegalArgumentException("unknown option " + a);
                        }
                    }
                }
            }
            if (o.printPublicKey) {
                if (o.jdbcUrl == null) {
                    throw new IllegalArgumentException("the checkpoint key is read from the database: give --jdbc-url");
                }
                if (o.export != null) {
                    throw new IllegalArgumentException("--print-checkpoint-public-key verifies nothing: drop --export");
                }
                return o;
            }
            boolean sealedKeys = o.sealedChainKey || o.ed25519Sealed || !o.hmacSealed.isEmpty();
            if (o.jdbcUrl == null && (o.summary == null || sealedKeys)) {
                throw new IllegalArgumentException(o.summary == null ? "--jdbc-url is required"
                        : "sealed keys are read from the database: give --jdbc-url");
            }
            int chainSources = (o.chainKeyEnv != null ? 1 : 0) + (o.chainKeyFile != null ? 1 : 0)
                    + (o.sealedChainKey ? 1 : 0);
            if (chainSources != 1) {
                throw new IllegalArgumentException(
                        "give exactly one of --chain-key-env, --chain-key-file, --sealed-chain-key");
            }
            if (o.publicKeys.isEmpty() && o.hmacEnvs.isEmpty() && o.hmacSealed.isEmpty() && !o.ed25519Sealed) {
                throw new IllegalArgumentException("give at least one checkpoint key");
            }
            if ((o.export == null) != (o.archiveFirstSeq == null && o.summary == null)
                    || (o.archiveFirstSeq != null && o.summary != null)) {
                throw new IllegalArgumentException("--export goes with one of --archive-first-seq and --summary");
            }
            if (o.kmsKeyId != null && o.kmsRegion == null) {
                throw new IllegalArgumentException("--kms-key-id needs --kms-region");
            }
            return o;
        }

        private static long parseLong(String v) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number: " + v);
            }
        }
    }
}
