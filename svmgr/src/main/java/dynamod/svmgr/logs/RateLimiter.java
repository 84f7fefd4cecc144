package dynamod.svmgr.logs;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * A service's log rate limit: at most {@code burst} lines per {@code interval}; the lines over it are counted, and
 * the count is reported once, after its interval ended, to be journaled as {@code LinesSuppressed} ("N lines
 * suppressed") instead of dropping lines silently. Pure: time is the caller's monotonic clock in nanoseconds
 * ({@link System#nanoTime()} values; only differences are used, so they may be negative). Not thread-safe.
 *
 * <p>The semantics are journald's {@code RateLimitIntervalSec=} / {@code RateLimitBurst=}
 * ({@code journal_ratelimit_test()} in systemd's {@code src/journal/journald-rate-limit.c}): an interval begins with
 * the first line after the previous one ended (not on a fixed grid); its first {@code burst} lines are admitted, the
 * rest suppressed; a line more than {@code interval} after the beginning starts a new interval. A burst of 0, or an
 * interval of 0, means no limit. The defaults (10000 lines per 30 s) are journald's too. Differences:
 * <ul>
 * <li>journald scales the burst with the free disk space (x1 at ≤ 1 MiB, then +1 per 16x more: x4 at 4 GiB,
 *     {@code burst_modulate()}); dynamod does not: the configured burst is the burst.</li>
 * <li>journald keeps five pools per service, by priority class (emerg–crit, err, warning, notice–info, debug), so a
 *     flood of debug lines does not suppress errors; this limiter is one pool, and the caller may keep one per
 *     class if it wants that.</li>
 * <li>journald reports "Suppressed N messages" only when the next message of that service arrives; here
 *     {@link #suppressedToReport} can be asked at any time (a timer at {@link #reportDue()}), so the report does not
 *     wait for a service that went quiet.</li>
 * </ul>
 *
 * <p>Use: {@code if (limiter.admit(now)) { n = limiter.suppressedToReport(now); if (n > 0) journal LinesSuppressed(n);
 * journal the line; }}, and also {@code suppressedToReport(now)} when {@link #reportDue()} has passed. Asking after
 * {@code admit} puts the report of the last interval before the first line of the new one.
 */
public final class RateLimiter {

    private final int burst;
    private final Duration interval;
    private final long intervalNanos;
    private boolean started;
    private long begin;
    private long admitted;
    private long suppressed;
    private long toReport;

    /**
     * @param burst the most lines per interval; 0 for no limit
     * @param interval the interval; zero for no limit
     */
    public RateLimiter(int burst, Duration interval) {
        if (burst < 0) throw new IllegalArgumentException("negative burst " + burst);
        if (interval.isNegative()) throw new IllegalArgumentException("negative interval " + interval);
        this.burst = burst;
        this.interval = interval;
        this.intervalNanos = saturatedNanos(interval);
    }

    public int burst() {
        return burst;
    }

    public Duration interval() {
        return interval;
    }

    /** Whether this limiter limits anything (burst and interval both above 0). */
    public boolean limits() {
        return burst > 0 && intervalNanos > 0;
    }

    /** Whether a line seen now may be journaled; if not, it is counted as suppressed. */
    public boolean admit(long nowNanos) {
        if (!limits()) return true;
        roll(nowNanos);
        if (!started) {
            started = true;
            begin = nowNanos;
            admitted = 1;
            return true;
        }
        if (admitted < burst) {
            admitted++;
            return true;
        }
        suppressed++;
        return false;
    }

    /**
     * The number of lines suppressed in intervals that have ended by {@code nowNanos} and were not reported yet;
     * each suppressed line is reported once. Lines suppressed in the interval still running are not included.
     */
    public long suppressedToReport(long nowNanos) {
        roll(nowNanos);
        long n = toReport;
        toReport = 0;
        return n;
    }

    /**
     * When {@link #suppressedToReport} will have something to report: the first instant after the running interval,
     * if it suppressed lines, or now-ish (the interval's beginning) if an ended interval's count is still to be
     * reported; empty when there is nothing to report.
     */
    public OptionalLong reportDue() {
        if (toReport > 0) return OptionalLong.of(begin);
        if (started && suppressed > 0) return OptionalLong.of(begin + intervalNanos + 1);
        return OptionalLong.empty();
    }

    /** Ends the running interval if {@code nowNanos} is past it (journald: {@code p->begin + rl_interval < ts}). */
    private void roll(long nowNanos) {
        if (started && nowNanos - begin > intervalNanos) {
            toReport += suppressed;
            suppressed = 0;
            admitted = 0;
            started = false; // the next line begins the next interval
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2; // ~146 years; keeps nowNanos - begin > interval free of overflow concerns
        }
    }
}
