package dev.latchkey.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** The pool's bound (reuse itself is proven through the sealer in {@link EnvelopeSealerTest}). */
class GcmCiphersTest {

    @Test
    void whenMoreCiphersAreReleasedThanMayIdleThenOnlyTheCapIsKept() throws Exception {
        GcmCiphers ciphers = new GcmCiphers();
        List<Cipher> taken = new ArrayList<>();
        for (int i = 0; i < GcmCiphers.MAX_IDLE + 10; i++) {
            taken.add(ciphers.acquire());
        }
        assertThat(ciphers.idle()).isZero();

        taken.forEach(ciphers::release);
        assertThat(ciphers.idle()).isEqualTo(GcmCiphers.MAX_IDLE);

        Cipher reused = ciphers.acquire();
        assertThat(taken).contains(reused);
        assertThat(ciphers.idle()).isEqualTo(GcmCiphers.MAX_IDLE - 1);
    }
}
