package dynamod.journal;

import dynamod.journal.event.Event;
import java.time.Instant;
import java.util.UUID;

/**
 * An event as the journal holds it. {@code seq} is its position in its stream: unique, increasing in append order,
 * and the cursor to read from. {@code realtimeNanos} is wall-clock time (may jump), {@code monotonicNanos} is
 * CLOCK_MONOTONIC (the same clock in every process of a boot, never jumps).
 */
public record Recorded(
        Stream stream, long seq, long realtimeNanos, long monotonicNanos, UUID bootId, Origin origin, int originPid, Event event) {

    public Instant realtime() {
        return Instant.ofEpochSecond(Math.floorDiv(realtimeNanos, 1_000_000_000L), Math.floorMod(realtimeNanos, 1_000_000_000L));
    }
}
