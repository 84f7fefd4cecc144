package dynamod.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that tests move by hand; realtime and monotonic advance together. */
final class ManualClock implements JournalClock {

    private final AtomicLong realtime;
    private final AtomicLong monotonic = new AtomicLong(1_000_000_000L);

    ManualClock(Instant start) {
        realtime = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
    }

    void advance(Duration duration) {
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
