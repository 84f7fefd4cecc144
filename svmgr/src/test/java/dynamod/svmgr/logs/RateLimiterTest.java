package dynamod.svmgr.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** journald's burst/interval rule with an injected clock: no sleeps. */
class RateLimiterTest {

    private static final long S = 1_000_000_000L;

    /** Admits n lines at {@code now}; returns how many were admitted. */
    private static int admitMany(RateLimiter r, long now, int n) {
        int admitted = 0;
        for (int i = 0; i < n; i++) if (r.admit(now)) admitted++;
        return admitted;
    }

    @Test
    void theFirstBurstLinesOfAnIntervalPassTheRestAreCounted() {
        RateLimiter r = new RateLimiter(3, Duration.ofSeconds(10));
        assertEquals(3, admitMany(r, 0, 5));
        assertFalse(r.admit(5 * S));
        assertEquals(0, r.suppressedToReport(5 * S), "the interval is still running");
        assertEquals(0, r.suppressedToReport(10 * S), "the interval includes its last instant (journald: begin + interval < now)");
    }

    @Test
    void aLineAfterTheIntervalStartsANewOneAndTheCountIsReportedOnce() {
        RateLimiter r = new RateLimiter(2, Duration.ofSeconds(10));
        assertEquals(2, admitMany(r, 100, 6));
        assertTrue(r.admit(100 + 10 * S + 1));
        assertEquals(4, r.suppressedToReport(100 + 10 * S + 1));
        assertEquals(0, r.suppressedToReport(100 + 10 * S + 2), "reported once");
        // The new interval began with that line: one more passes, then it limits again.
        assertTrue(r.admit(100 + 11 * S));
        assertFalse(r.admit(100 + 12 * S));
        assertEquals(0, r.suppressedToReport(100 + 12 * S));
        assertEquals(1, r.suppressedToReport(100 + 30 * S));
    }

    @Test
    void theIntervalBeginsWithTheFirstLineAfterTheLastOneNotOnAGrid() {
        RateLimiter r = new RateLimiter(1, Duration.ofSeconds(10));
        assertTrue(r.admit(0));
        assertFalse(r.admit(S));
        assertEquals(1, r.suppressedToReport(11 * S)); // interval 0..10 s ended
        assertTrue(r.admit(25 * S)); // a new interval begins at 25 s, not at 20 s
        assertFalse(r.admit(34 * S));
        assertFalse(r.admit(35 * S));
        assertTrue(r.admit(35 * S + 1));
        assertEquals(2, r.suppressedToReport(35 * S + 1));
    }

    @Test
    void theReportWaitsForNoLine() {
        RateLimiter r = new RateLimiter(1, Duration.ofSeconds(30));
        assertEquals(OptionalLong.empty(), r.reportDue());
        r.admit(0);
        assertEquals(OptionalLong.empty(), r.reportDue(), "nothing suppressed");
        r.admit(1);
        r.admit(2);
        assertEquals(OptionalLong.of(30 * S + 1), r.reportDue());
        assertEquals(0, r.suppressedToReport(30 * S));
        assertEquals(2, r.suppressedToReport(30 * S + 1), "the service went quiet; the count is reported anyway");
        assertEquals(OptionalLong.empty(), r.reportDue());
    }

    @Test
    void reportDueIsAlreadyPastWhenAnEndedIntervalWasNotReported() {
        RateLimiter r = new RateLimiter(1, Duration.ofSeconds(1));
        r.admit(0);
        r.admit(0);
        assertTrue(r.admit(2 * S)); // rolls over: 1 to report
        assertTrue(r.reportDue().orElseThrow() <= 2 * S);
        assertEquals(1, r.suppressedToReport(2 * S));
    }

    @Test
    void suppressedLinesOfSeveralEndedIntervalsAddUp() {
        RateLimiter r = new RateLimiter(1, Duration.ofSeconds(1));
        r.admit(0);
        r.admit(0);
        r.admit(5 * S);
        r.admit(5 * S);
        r.admit(5 * S);
        assertEquals(3, r.suppressedToReport(10 * S));
    }

    @Test
    void burstZeroOrIntervalZeroMeansNoLimit() {
        RateLimiter none = new RateLimiter(0, Duration.ofSeconds(30));
        assertFalse(none.limits());
        assertEquals(100_000, admitMany(none, 0, 100_000));
        assertEquals(0, none.suppressedToReport(S));
        assertEquals(OptionalLong.empty(), none.reportDue());
        RateLimiter zero = new RateLimiter(5, Duration.ZERO);
        assertFalse(zero.limits());
        assertEquals(1000, admitMany(zero, 0, 1000));
        assertTrue(new RateLimiter(1, Duration.ofNanos(1)).limits());
    }

    @Test
    void negativeClockValuesWork() {
        long base = Long.MIN_VALUE + 5; // System.nanoTime() may be anything; only differences count
        RateLimiter r = new RateLimiter(1, Duration.ofSeconds(1));
        assertTrue(r.admit(base));
        assertFalse(r.admit(base + S));
        assertTrue(r.admit(base + S + 1));
        assertEquals(1, r.suppressedToReport(base + S + 1));
    }

    @Test
    void aHugeIntervalDoesNotOverflow() {
        RateLimiter r = new RateLimiter(1, Duration.ofDays(365L * 1000));
        assertTrue(r.admit(0));
        assertFalse(r.admit(Long.MAX_VALUE / 4));
        assertEquals(0, r.suppressedToReport(Long.MAX_VALUE / 4));
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter(-1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter(1, Duration.ofSeconds(-1)));
        RateLimiter r = new RateLimiter(7, Duration.ofSeconds(3));
        assertEquals(7, r.burst());
        assertEquals(Duration.ofSeconds(3), r.interval());
    }
}
