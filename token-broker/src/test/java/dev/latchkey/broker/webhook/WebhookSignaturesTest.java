package dev.latchkey.broker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Standard Webhooks signatures; the vector is the one the specification publishes. */
class WebhookSignaturesTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String TIMESTAMP = "1614265330";
    private static final String BODY = "{\"test\": 2432232314}";
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final Instant SIGNED_AT = Instant.ofEpochSecond(1614265330);
    private static final Duration TOLERANCE = WebhookSignatures.DEFAULT_TOLERANCE;

    @Test
    void whenTheSpecificationVectorIsSignedThenItsSignatureIsProduced() {
        byte[] key = WebhookSignatures.decodeSecret(SECRET);

        assertThat(WebhookSignatures.sign(key, ID, 1614265330, BODY.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(SIGNATURE);
    }

    @Test
    void whenTheSpecificationVectorIsVerifiedThenItIsValid() {
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT.plusSeconds(10))).isTrue();
    }

    @Test
    void whenTheBodyIsTamperedThenItIsRejected() {
        assertThat(verify(SECRET, ID, TIMESTAMP, "{\"test\": 2432232315}", SIGNATURE, SIGNED_AT)).isFalse();
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY + " ", SIGNATURE, SIGNED_AT)).isFalse();
    }

    @Test
    void whenTheSecretIsWrongThenItIsRejected() {
        String other = WebhookSignatures.encodeSecret(new byte[32]);

        assertThat(verify(other, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT)).isFalse();
    }

    @Test
    void whenTheIdIsChangedThenItIsRejected() {
        assertThat(verify(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJel", TIMESTAMP, BODY, SIGNATURE, SIGNED_AT)).isFalse();
    }

    @Test
    void whenTheTimestampIsOlderThanTheToleranceThenItIsRejected() {
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT.plus(TOLERANCE))).isTrue();
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT.plus(TOLERANCE).plusSeconds(1)))
                .isFalse();
    }

    @Test
    void whenTheTimestampIsTooFarInTheFutureThenItIsRejected() {
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT.minus(TOLERANCE).minusSeconds(1)))
                .isFalse();
    }

    @Test
    void whenTheTimestampHeaderIsChangedThenTheSignatureNoLongerMatches() {
        assertThat(verify(SECRET, ID, "1614265331", BODY, SIGNATURE, SIGNED_AT)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"1614265330.0", "-1614265330", " 1614265330", "2021-02-25T15:02:10Z", "abc",
            "99999999999999999999"})
    void whenTheTimestampIsNotUnixSecondsThenItIsRejected(String timestamp) {
        assertThat(verify(SECRET, ID, timestamp, BODY, SIGNATURE, SIGNED_AT)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"v1,", "v1,!!!not-base64", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O", "v1,AAAA"})
    void whenTheSignatureHeaderIsMalformedOrForeignThenItIsRejectedWithoutThrowing(String header) {
        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, header, SIGNED_AT)).isFalse();
    }

    @Test
    void whenTheHeaderCarriesSeveralSignaturesThenOneValidV1SignatureSuffices() {
        String header = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,xyz " + SIGNATURE;

        assertThat(verify(SECRET, ID, TIMESTAMP, BODY, header, SIGNED_AT)).isTrue();
    }

    @Test
    void whenTheIdContainsADotThenItIsRejectedBecauseTheSignedContentWouldBeAmbiguous() {
        // "a.1" + "." + "2" + "." + body signs the same bytes as "a" + "." + "1" + "." + "2." + body.
        byte[] key = WebhookSignatures.decodeSecret(SECRET);
        byte[] body = ("2." + BODY).getBytes(StandardCharsets.UTF_8);
        String signedForA = WebhookSignatures.sign(key, "a", 1, body);

        assertThat(WebhookSignatures.verify(SECRET, "a.1", "2", BODY, signedForA, Instant.ofEpochSecond(2),
                TOLERANCE)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!!", "whsec_AAAA",
            "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    void whenTheSecretIsNotAWhsecSecretThenVerifyingIsAConfigurationError(String secret) {
        assertThatThrownBy(() -> verify(secret, ID, TIMESTAMP, BODY, SIGNATURE, SIGNED_AT))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    }

    @Test
    void whenAKeyIsEncodedThenItDecodesToTheSameBytes() {
        byte[] key = new byte[32];
        key[0] = 1;
        key[31] = (byte) 0xff;

        String secret = WebhookSignatures.encodeSecret(key);

        assertThat(secret).startsWith("whsec_").endsWith(Base64.getEncoder().encodeToString(key));
        assertThat(WebhookSignatures.decodeSecret(secret)).isEqualTo(key);
    }

    @Test
    void whenSignedWithBinaryBodyThenVerifiedOverTheSameBytes() {
        byte[] key = WebhookSignatures.decodeSecret(SECRET);
        byte[] body = {(byte) 0xc3, (byte) 0xa9, 0x00, 0x7f};
        String header = WebhookSignatures.sign(key, ID, 1614265330, body);

        assertThat(WebhookSignatures.verify(SECRET, ID, TIMESTAMP, body, header, SIGNED_AT, TOLERANCE)).isTrue();
    }

    private static boolean verify(String secret, String id, String timestamp, String body, String header,
            Instant now) {
        return WebhookSignatures.verify(secret, id, timestamp, body, header, now, TOLERANCE);
    }
}
