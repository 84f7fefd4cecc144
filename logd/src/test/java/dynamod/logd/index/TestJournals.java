package dynamod.logd.index;

import dynamod.journal.Journal;
import dynamod.journal.JournalClock;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Generated journals for the index tests: many services, priorities, pids, identifiers, transports and boots. */
final class TestJournals {

    private TestJournals() {}

    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    static final String[] WORDS = {"request", "timeout", "connection", "refused", "GET", "/api/v1/users", "ok", "slow", "retry",
        "cache", "miss", "hit", "Error", "database", "query", "took", "ms", "worker", "started", "stopped", "panic"};
    static final LogStream[] STREAMS = {LogStream.STDOUT, LogStream.STDOUT, LogStream.STDERR, LogStream.SYSLOG, LogStream.NATIVE,
        LogStream.KERNEL, LogStream.MANAGER};

    /** A clock that moves by hand; realtime and monotonic together. */
    static final class Clock implements JournalClock {
        final AtomicLong realtime = new AtomicLong(START.getEpochSecond() * 1_000_000_000L);
        final AtomicLong monotonic = new AtomicLong(1_000_000_000L);

        @Override
        public long realtimeNanos() {
            return realtime.get();
        }

        @Override
        public long monotonicNanos() {
            return monotonic.get();
        }

        void advanceMillis(long ms) {
            realtime.addAndGet(ms * 1_000_000L);
            monotonic.addAndGet(ms * 1_000_000L);
        }
    }

    static Journal open(Path dir, Clock clock, UUID boot) throws Exception {
        return Journal.open(JournalOptions.defaults(dir, Origin.SVMGR).withClock(clock).withBootId(boot));
    }

    static UUID boot(int i) {
        return new UUID(0xb00700000000L + i, 0x8000000000000000L + i);
    }

    /** Appends {@code lines} random entries (about 1 in 200 a LinesSuppressed). */
    static void append(Journal j, Clock clock, Random random, int lines, int services) {
        for (int i = 0; i < lines; i++) {
            clock.advanceMillis(1 + random.nextInt(400));
            if (random.nextInt(200) == 0) {
                j.append(new LinesSuppressed("svc" + random.nextInt(services), 1 + random.nextInt(50), 30_000));
                continue;
            }
            int s = random.nextInt(services);
            LogStream stream = STREAMS[random.nextInt(STREAMS.length)];
            String service = stream == LogStream.KERNEL || random.nextInt(20) == 0 ? "" : "svc" + s;
            int priority = random.nextInt(10) < 7 ? 6 : random.nextInt(8);
            int pid = random.nextInt(10) == 0 ? 0 : 100 + s * 3 + random.nextInt(3);
            String identifier = stream == LogStream.KERNEL ? "kernel" : random.nextInt(4) == 0 ? "helper-" + random.nextInt(5) : "svc" + s;
            StringBuilder m = new StringBuilder();
            int words = 3 + random.nextInt(10);
            for (int w = 0; w < words; w++) m.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            if (random.nextInt(1000) == 0) m.append(" needle-").append(random.nextInt(3));
            j.append(new LogLine(service, stream, priority, pid, identifier, m.toString().getBytes(StandardCharsets.UTF_8), 0, -1));
        }
    }
}
