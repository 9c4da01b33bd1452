package dev.latchkey.broker.catalog;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/** Parses {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds or an HTTP-date in any of its three formats. */
public final class RetryAfter {

    /** Longer waits are capped: a provider asking for more than a day is treated as asking for a day. */
    public static final Duration MAX = Duration.ofDays(1);

    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final DateTimeFormatter RFC_850 =
            DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    private RetryAfter() {
    }

    /**
     * The wait the header asks for, measured from {@code now}.
     *
     * @return the delay (zero for a date in the past, at most {@link #MAX}), or null when the value is absent or
     *         not a valid delay-seconds or HTTP-date
     */
    public static Duration parse(String value, Instant now) {
        if (value == null) {
            return null;
        }
        String text = value.strip();
        if (text.isEmpty()) {
            return null;
        }
        if (text.chars().allMatch(Character::isDigit)) {
            if (text.length() > 9) {
                return MAX;
            }
            return min(Duration.ofSeconds(Long.parseLong(text)));
        }
        Instant at = parseDate(text, now);
        if (at == null) {
            return null;
        }
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : min(wait);
    }

    private static Instant parseDate(String text, Instant now) {
        try {
            return ZonedDateTime.parse(text, IMF_FIXDATE).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the obsolete formats
        }
        try {
            LocalDateTime parsed = LocalDateTime.parse(text, RFC_850);
            // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
            if (parsed.isAfter(LocalDateTime.ofInstant(now, ZoneOffset.UTC).plusYears(50))) {
                parsed = parsed.minusYears(100);
            }
            return parsed.toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try asctime
        }
        for (DateTimeFormatter format : List.of(ASCTIME)) {
            try {
                return LocalDateTime.parse(text, format).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException ignored) {
                // not this one
            }
        }
        return null;
    }

    private static Duration min(Duration wait) {
        return wait.compareTo(MAX) > 0 ? MAX : wait;
    }
}
