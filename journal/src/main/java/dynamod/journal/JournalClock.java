package dynamod.journal;

/** Where event timestamps come from: the system's clocks, or a test's. */
public interface JournalClock {

    /** Nanoseconds since the epoch (CLOCK_REALTIME). */
    long realtimeNanos();

    /** Nanoseconds of CLOCK_MONOTONIC: the same clock in every process of a boot. */
    long monotonicNanos();

    JournalClock SYSTEM = new JournalClock() {
        @Override
        public long realtimeNanos() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public long monotonicNanos() {
            return System.nanoTime(); // CLOCK_MONOTONIC on Linux
        }
    };
}
