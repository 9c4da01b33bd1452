package dev.latchkey.benchmarks;

import dev.latchkey.vault.CacheSettings;
import dev.latchkey.vault.EnvelopeSealer;
import dev.latchkey.vault.SealContext;
import dev.latchkey.vault.SecretBytes;
import dev.latchkey.vault.local.LocalKeyEncryptionKey;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seal and open throughput of {@link EnvelopeSealer} over the local keyring, with the data-key cache on (default
 * limits: a data key serves up to 1,000 seals or opens for 5 minutes) and off (every seal generates and wraps a data
 * key, every open unwraps one). The local KEK is an in-process AES-GCM call, so this is the cheapest KEK there is;
 * with Vault or KMS the uncached path adds a network round trip per operation.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class SealerBenchmark {

    /** {@code cached}: default data-key cache; {@code uncached}: one local KEK call per operation. */
    @Param({"cached", "uncached"})
    public String cache;

    /** Plaintext size in bytes (a typical OAuth access token). */
    @Param({"256"})
    public int size;

    private LocalKeyEncryptionKey kek;
    private EnvelopeSealer sealer;
    private SealContext owner;
    private byte[] plaintext;
    private byte[] sealed;

    @Setup(Level.Trial)
    public void setUp() {
        kek = LocalKeyEncryptionKey.ephemeral();
        sealer = EnvelopeSealer.builder(kek)
                .cacheSettings(cache.equals("cached") ? CacheSettings.defaults() : CacheSettings.disabled())
                .build();
        owner = new SealContext("tenant-bench", "credential-42", "credential.access_token");
        plaintext = new byte[size];
        new Random(1).nextBytes(plaintext);
        sealed = sealer.seal(plaintext, owner);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sealer.close();
        kek.close();
    }

    @Benchmark
    public byte[] seal() {
        return sealer.seal(plaintext, owner);
    }

    @Benchmark
    public int open() {
        try (SecretBytes opened = sealer.open(sealed, owner)) {
            return opened.length();
        }
    }
}
