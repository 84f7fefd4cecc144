package dynamod.svmgr.core;

import java.time.Duration;

/**
 * The manager's own settings, not any service's.
 *
 * @param shutdownTimeout everything must be down this long after a shutdown began, or is killed
 * @param maxParallelStarts at most this many services starting (spawned, not ready) at once; 0: no limit
 * @param shutdownProgressInterval how often a shutdown says what it still waits for
 */
public record Options(Duration shutdownTimeout, int maxParallelStarts, Duration shutdownProgressInterval) {

    public static final Options DEFAULT = new Options(Duration.ofSeconds(90), 0, Duration.ofSeconds(5));

    public Options {
        if (maxParallelStarts < 0) throw new IllegalArgumentException("maxParallelStarts < 0");
        if (shutdownTimeout.isNegative() || shutdownProgressInterval.isNegative() || shutdownProgressInterval.isZero()) {
            throw new IllegalArgumentException("bad shutdown durations");
        }
    }

    public Options withMaxParallelStarts(int max) {
        return new Options(shutdownTimeout, max, shutdownProgressInterval);
    }
}
