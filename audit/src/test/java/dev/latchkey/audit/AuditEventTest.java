package dev.latchkey.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building events: attacker-influenced text is made storable, code-chosen names are strict, no secrets get in. */
class AuditEventTest {

    private static AuditEvent.Builder login() {
        return AuditEvent.builder(Actor.user("alice"), "login.attempt", Outcome.DENIED);
    }

    @Test
    void whenSourceIsNotAnIpLiteralThenItIsRejectedWithoutANameLookup() {
        for (String bad : List.of("example.org", "999.1.1.1", "010.1.1.1", "1.2.3", "fe80::1%eth0", "::::", "1:2")) {
            assertThatThrownBy(() -> login().source(bad, null).build())
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void whenSourceIsIpv6ThenItIsStoredInRfc5952Form() {
        assertThat(login().source("2001:0DB8:0000:0000:0000:0000:0000:0001", null).build().sourceIp())
                .isEqualTo("2001:db8::1");
        assertThat(login().source("[2001:db8:0:1:0:0:1:1]", null).build().sourceIp()).isEqualTo("2001:db8:0:1::1:1");
        assertThat(login().source("::1", null).build().sourceIp()).isEqualTo("::1");
        assertThat(login().source("::", null).build().sourceIp()).isEqualTo("::");
        assertThat(login().source("::ffff:198.51.100.7", null).build().sourceIp()).isEqualTo("198.51.100.7");
    }

    @Test
    void whenActionIsNotADottedLowerCaseNameThenItIsABug() {
        assertThatThrownBy(() -> AuditEvent.builder(Actor.user("a"), "Token Issue", Outcome.SUCCESS).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditEvent.builder(Actor.user("a"), "token.", Outcome.SUCCESS).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenTextIsTooLongThenItIsCutAtACodePointBoundary() {
        String emoji = "\uD83D\uDE00";
        AuditEvent e = login().source(null, "a" + emoji.repeat(600)).build();
        assertThat(e.userAgent().codePointCount(0, e.userAgent().length())).isEqualTo(AuditEvent.MAX_USER_AGENT);
        assertThat(Character.isHighSurrogate(e.userAgent().charAt(e.userAgent().length() - 1))).isFalse();
    }

    @Test
    void whenTimeHasNanosecondsThenItIsCutToMicroseconds() {
        AuditEvent e = login().occurredAt(Instant.parse("2026-01-02T03:04:05.123456789Z")).build();
        assertThat(e.occurredAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
        assertThatThrownBy(() -> new AuditEvent(e.eventId(), Instant.parse("2026-01-02T03:04:05.123456789Z"),
                e.actor(), e.action(), null, null, e.outcome(), null, null, null, AuditDetails.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenDetailsHoldIssuedSecretsThenTheyAreRedactedAndClientIdsAreKept() {
        AuditDetails d = AuditDetails.of(Map.of("client", "lk_ci_public123", "secret", "lk_cs_SECRETSECRET",
                "nested", List.of(Map.of("code", "lk_ac_abc-DEF_123"))));
        assertThat(d.json()).contains("lk_ci_public123").contains("lk_cs_[redacted]").contains("lk_ac_[redacted]")
                .doesNotContain("SECRETSECRET").doesNotContain("abc-DEF");
    }

    @Test
    void whenDetailsHoldBytesOrUnknownTypesOrNonFiniteNumbersThenTheyAreRefused() {
        assertThatThrownBy(() -> AuditDetails.of(Map.of("raw", new byte[32])))
                .hasMessageContaining("Fingerprints");
        assertThatThrownBy(() -> AuditDetails.of(Map.of("obj", new Object())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditDetails.of(Map.of("n", Double.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditDetails.of(Map.of("big", "x".repeat(AuditDetails.MAX_BYTES))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenDetailsComeBackFromJsonbFormattingThenTheCanonicalFormIsUnchanged() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("z", 10);
        values.put("a", List.of(1.50, new BigDecimal("2.000"), 1e21, -0.0));
        values.put("m", Map.of("b", true, "a", "line\nbreak \"quoted\" \u0001"));
        values.put("nothing", null);
        AuditDetails d = AuditDetails.of(values);
        // What PostgreSQL's jsonb output looks like for the same value: keys reordered, spaces, numbers reformatted.
        String jsonb = "{\"a\": [1.5, 2.000, 1000000000000000000000, 0], \"m\": {\"a\": \"line\\nbreak \\\"quoted\\\""
                + " \\u0001\", \"b\": true}, \"z\": 10, \"nothing\": null}";

        assertThat(AuditDetails.parse(jsonb)).isEqualTo(d);
        assertThat(AuditDetails.parse(d.json()).json()).isEqualTo(d.json());
    }

    @Test
    void whenDetailsJsonIsNotOneObjectOrHasDuplicateKeysThenParsingFails() {
        for (String bad : List.of("[]", "\"s\"", "{\"a\":1} {}", "{\"a\":1,\"a\":2}", "{", "")) {
            assertThatThrownBy(() -> AuditDetails.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void whenFingerprintIsTakenThenItIsAKeyedHashPrefixNeverTheValue() {
        byte[] hash = new byte[32];
        hash[0] = (byte) 0xab;
        assertThat(Fingerprints.of(hash)).isEqualTo("hmac:ab000000000000000000000000000000");
        assertThatThrownBy(() -> Fingerprints.of("lk_at_short".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whenAnyContentFieldChangesThenTheRecordMacChanges() {
        AuditChainKey key = TestKeys.chainKey();
        AuditEvent e = TestEvents.any();
        byte[] mac = key.recordMac(e);
        List<AuditEvent> variants = List.of(
                new AuditEvent(e.eventId(), e.occurredAt().plusNanos(1000), e.actor(), e.action(), e.target(),
                        e.tenant(), e.outcome(), e.sourceIp(), e.userAgent(), e.requestId(), e.details()),
                new AuditEvent(e.eventId(), e.occurredAt(), Actor.admin(e.actor().id()), e.action(), e.target(),
                        e.tenant(), e.outcome(), e.sourceIp(), e.userAgent(), e.requestId(), e.details()),
                new AuditEvent(e.eventId(), e.occurredAt(), e.actor(), e.action(), e.target(),
                        e.tenant(), Outcome.DENIED, e.sourceIp(), e.userAgent(), e.requestId(), e.details()),
                // A value moved between adjacent optional fields must not encode alike.
                new AuditEvent(e.eventId(), e.occurredAt(), e.actor(), e.action(), e.target(),
                        null, e.outcome(), e.tenant(), e.userAgent(), e.requestId(), e.details()),
                new AuditEvent(e.eventId(), e.occurredAt(), e.actor(), e.action(), e.target(),
                        e.tenant(), e.outcome(), e.sourceIp(), e.userAgent(), e.requestId(), AuditDetails.empty()));
        for (AuditEvent v : variants) {
            assertThat(key.recordMac(v)).isNotEqualTo(mac);
        }
        assertThat(TestKeys.otherChainKey().recordMac(e)).isNotEqualTo(mac);
    }
}
