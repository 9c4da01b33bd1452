package dev.latchkey.broker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretTest {

    @Test
    void whenASecretIsPrintedThenItsValueIsRedacted() {
        Secret secret = Secret.of("xoxb-very-secret");

        assertThat(secret.toString()).isEqualTo("Secret[redacted]");
        assertThat(secret.reveal()).isEqualTo("xoxb-very-secret");
    }

    @Test
    void whenTwoSecretsHaveTheSameValueThenTheyAreEqualAndShareAFingerprint() {
        assertThat(Secret.of("a")).isEqualTo(Secret.of("a")).isNotEqualTo(Secret.of("b"));
        assertThat(Secret.of("a").fingerprint()).isEqualTo(Secret.of("a").fingerprint())
                .isNotEqualTo(Secret.of("b").fingerprint());
    }

    @Test
    void whenASecretIsEmptyThenItIsRefused() {
        assertThatThrownBy(() -> Secret.of("")).isInstanceOf(IllegalArgumentException.class);
    }
}
