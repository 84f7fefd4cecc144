package dynamod.journal.snapshot;

import java.time.Duration;

/** When to take the next snapshot: after {@code everyEvents} events or {@code every} time, whichever comes first. */
public record SnapshotPolicy(long everyEvents, Duration every) {

    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(10_000, Duration.ofMinutes(5));

    public boolean due(long eventsSinceLast, Duration sinceLast) {
        return eventsSinceLast > 0 && (eventsSinceLast >= everyEvents || sinceLast.compareTo(every) >= 0);
    }
}
