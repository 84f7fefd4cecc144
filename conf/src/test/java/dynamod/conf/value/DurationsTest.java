package dynamod.conf.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "250ms | PT0.25S", "30s | PT30S", "5m | PT5M", "1h | PT1H", "1d | PT24H", "1w | PT168H",
        "1m30s | PT1M30S", "1h 30m | PT1H30M", "1.5s | PT1.5S", "30 | PT30S", "0.5 | PT0.5S", "0 | PT0S",
        "0s | PT0S", "2 s | PT2S", "100us | PT0.0001S", "3 min | PT3M", "2 hours 5 seconds | PT2H0M5S",
        "1M30S | PT1M30S", "1d12h | PT36H"
    })
    void parsesWhatUsersWrite(String text, String expected) {
        assertEquals(Parsed.ok(Duration.parse(expected)), Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5x | unknown unit \"x\"", "-1s | negative", "1m30 | missing unit", "s | is not a duration",
        "'' | empty duration", "99999999999d | too large", "1s1 | missing unit", "1..5s | unexpected '.'", "1s+2s | is not a duration",
        "12345678901234567890123456789012345678901s | too large"
    })
    void rejectsWithAReason(String text, String reason) {
        Parsed<Duration> parsed = Durations.parse(text);
        Parsed.Invalid<Duration> invalid = assertInstanceOf(Parsed.Invalid.class, parsed);
        assertTrue(invalid.reason().contains(reason), invalid.reason());
    }

    @Test
    void numbersAreSeconds() {
        assertEquals(Parsed.ok(Duration.ofMillis(250)), Durations.ofSeconds(new BigDecimal("0.25"), "0.25"));
        assertInstanceOf(Parsed.Invalid.class, Durations.ofSeconds(new BigDecimal("-1"), "-1"));
        assertInstanceOf(Parsed.Invalid.class, Durations.ofSeconds(new BigDecimal("1e30"), "1e30"));
    }

    @Test
    void formatIsShortAndParsesBack() {
        assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("1d2h", Durations.format(Duration.ofHours(26)));
        assertEquals("0s", Durations.format(Duration.ZERO));
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            Duration d = Duration.ofNanos(random.nextLong(0, Long.MAX_VALUE >> random.nextInt(63)));
            assertEquals(Parsed.ok(d), Durations.parse(Durations.format(d)), () -> d + " as " + Durations.format(d));
        }
    }
}
