package dynamod.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock moved by hand, for what writes a journal with chosen times — tests, benchmarks, tools that generate
 * journals; realtime and monotonic advance together.
 */
public final class ManualClock implements JournalClock {

    private final AtomicLong realtime;
    private final AtomicLong monotonic = new AtomicLong(1_000_000_000L);

    public ManualClock(Instant start) {
        realtime = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
    }

    /** Jumps to a moment: a new boot starts its monotonic clock again. */
    public void set(Instant realtime, Duration monotonic) {
        this.realtime.set(realtime.getEpochSecond() * 1_000_000_000L + realtime.getNano());
        this.monotonic.set(monotonic.toNanos());
    }

    public void advance(Duration duration) {
        realtime.addAndGet(duration.toNanos());
        monotonic.addAndGet(duration.toNanos());
    }

    @Override
    public long realtimeNanos() {
        return realtime.get();
    }

    @Override
    public long monotonicNanos() {
        return monotonic.get();
    }
}
