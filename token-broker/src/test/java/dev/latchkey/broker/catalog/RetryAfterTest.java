package dev.latchkey.broker.catalog;

import static dev.latchkey.broker.catalog.TestCatalogs.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 §10.2.3; NOW is Fri, 21 Aug 2026 10:00:00 GMT. */
class RetryAfterTest {

    @Test
    void whenTheValueIsDelaySecondsThenItIsThatManySeconds() {
        assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void whenTheValueIsAnImfFixdateThenTheWaitRunsToIt() {
        assertThat(RetryAfter.parse("Fri, 21 Aug 2026 10:02:00 GMT", NOW)).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void whenTheValueIsAnObsoleteRfc850DateThenItIsAccepted() {
        assertThat(RetryAfter.parse("Friday, 21-Aug-26 10:00:45 GMT", NOW)).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void whenTheValueIsAnAsctimeDateThenItIsAccepted() {
        assertThat(RetryAfter.parse("Fri Aug 21 10:00:10 2026", NOW)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void whenTheDateIsInThePastThenThereIsNoWait() {
        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void whenTheWaitIsAbsurdlyLongThenItIsCapped() {
        assertThat(RetryAfter.parse("99999999999999", NOW)).isEqualTo(RetryAfter.MAX);
        assertThat(RetryAfter.parse("864000", NOW)).isEqualTo(RetryAfter.MAX);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"soon", "-5", "1.5", "12s", "Fri, 32 Aug 2026 10:00:00 GMT", "2026-08-21T10:01:00Z"})
    void whenTheValueIsNotADelayOrHttpDateThenItIsIgnored(String value) {
        assertThat(RetryAfter.parse(value, NOW)).isNull();
    }
}
