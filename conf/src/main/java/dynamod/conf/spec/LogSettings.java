package dynamod.conf.spec;

import java.time.Duration;

/**
 * How a service's stdout and stderr become log lines: the rate limit ({@code rateLimitBurst} lines per
 * {@code rateLimitInterval}; 0 for either means no limit, as journald's {@code RateLimitBurst=} and
 * {@code RateLimitIntervalSec=}), and the longest line, in bytes, before it is split.
 */
public record LogSettings(int rateLimitBurst, Duration rateLimitInterval, int lineMax) {

    public static final int DEFAULT_RATE_LIMIT_BURST = 10_000;
    public static final Duration DEFAULT_RATE_LIMIT_INTERVAL = Duration.ofSeconds(30);
    public static final int DEFAULT_LINE_MAX = 48 * 1024;
    public static final int MIN_LINE_MAX = 1024;
    public static final int MAX_LINE_MAX = 1024 * 1024;

    /** Without a [logs] table. */
    public static final LogSettings DEFAULT = new LogSettings(DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_INTERVAL, DEFAULT_LINE_MAX);

    public LogSettings {
        if (rateLimitBurst < 0) throw new IllegalArgumentException("negative rate-limit-burst " + rateLimitBurst);
        if (rateLimitInterval.isNegative()) throw new IllegalArgumentException("negative rate-limit-interval " + rateLimitInterval);
        if (lineMax < MIN_LINE_MAX || lineMax > MAX_LINE_MAX) throw new IllegalArgumentException("line-max out of range: " + lineMax);
    }

    /** Whether lines are rate limited at all. */
    public boolean rateLimited() {
        return rateLimitBurst > 0 && !rateLimitInterval.isZero();
    }
}
