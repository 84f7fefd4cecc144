package dynamod.bench;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.ByteSource;
import dynamod.journal.codec.DecodeException;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.snapshot.Reducer;
import dynamod.journal.snapshot.Replay;
import dynamod.journal.snapshot.SnapshotStore;
import dynamod.journal.snapshot.StateCodec;
import dynamod.journal.store.ChronicleRuntime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The journal's numbers. Each measurement runs on a fresh journal in a temporary directory on the disk the
 * benchmark runs from ({@code --dir} to choose), after a warm-up, and prints what it measured and how.
 *
 * <pre>bin/bench journal [--events N] [--dir DIR]</pre>
 */
public final class JournalBench {

    private static int events = 1_000_000;
    private static Path base;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("writer")) {
            writer(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("writer-paced")) {
            paced(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--events")) events = Integer.parseInt(args[++i]);
            if (args[i].equals("--dir")) base = Path.of(args[++i]);
        }
        base = base == null ? Files.createTempDirectory("dynamod-bench") : Files.createDirectories(base);
        System.out.printf("journal benchmark: %,d events, %d cores, %s%n", events, Runtime.getRuntime().availableProcessors(), base);
        appendOneWriter();
        appendTwoProcesses();
        followLatency();
        replayAndRecovery();
    }

    private static ServiceStateChanged transition(int i) {
        return new ServiceStateChanged("service-" + (i % 500), ServiceState.STARTING, ServiceState.RUNNING, 1000 + i,
                i % 10 == 0 ? Optional.of(ExitStatus.exited(1)) : Optional.empty(), "ready", Optional.empty());
    }

    private static final byte[] LINE = "GET /index.html HTTP/1.1 200 612 \"-\" \"curl/7.88.1\"".getBytes();

    private static LogLine logLine(int i) {
        return new LogLine("web", LogStream.STDOUT, 6, 4242, "nginx", LINE, 0);
    }

    private static Path fresh(String name) throws IOException {
        Path dir = base.resolve(name);
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        return dir;
    }

    private static void appendOneWriter() throws Exception {
        for (String kind : List.of("events (ServiceStateChanged)", "log lines (LogLine, 53-byte message)")) {
            Path dir = fresh("one-writer");
            try (Journal journal = Journal.open(JournalOptions.defaults(dir, Origin.TOOL))) {
                boolean logs = kind.startsWith("log");
                for (int i = 0; i < 50_000; i++) journal.append(logs ? logLine(i) : transition(i)); // warm-up
                long start = System.nanoTime();
                for (int i = 0; i < events; i++) journal.append(logs ? logLine(i) : transition(i));
                long nanos = System.nanoTime() - start;
                journal.sync();
                Stream stream = logs ? Stream.LOGS : Stream.EVENTS;
                long[] sizes = sizes(dir.resolve(stream.directory()));
                System.out.printf("append, 1 writer, %s: %,.0f events/s; on disk %.1f bytes/event (%.1f apparent)%n", kind,
                        events * 1e9 / nanos, sizes[1] / (double) (events + 50_000), sizes[0] / (double) (events + 50_000));
            }
        }
    }

    /** Apparent and allocated bytes of a directory, as du reports them. */
    private static long[] sizes(Path dir) throws Exception {
        return new long[] {du(dir, "-sb"), du(dir, "-s", "--block-size=1")};
    }

    private static long du(Path dir, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of("du"));
        command.addAll(Arrays.asList(flags));
        command.add(dir.toString());
        Process du = new ProcessBuilder(command).start();
        String out = new String(du.getInputStream().readAllBytes()).trim();
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /** Child mode: append {@code count} events tagged {@code tag}, print the elapsed nanoseconds. */
    private static void writer(Path dir, int tag, int count) throws Exception {
        try (Journal journal = Journal.open(JournalOptions.defaults(dir, Origin.TOOL))) {
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine(); // go
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) journal.append(transition(i));
            System.out.println((System.nanoTime() - start) + " " + start);
            System.out.flush();
        }
    }

    private static Process child(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.addAll(ChronicleRuntime.jvmFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JournalBench.class.getName()));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void appendTwoProcesses() throws Exception {
        Path dir = fresh("two-writers");
        int each = events / 2;
        Process[] writers = {child("writer", dir.toString(), "1", Integer.toString(each)), child("writer", dir.toString(), "2", Integer.toString(each))};
        List<BufferedReader> outs = new ArrayList<>();
        for (Process w : writers) {
            BufferedReader out = new BufferedReader(new InputStreamReader(w.getInputStream()));
            if (!"ready".equals(out.readLine())) throw new IllegalStateException("writer did not start");
            outs.add(out);
        }
        for (Process w : writers) {
            w.getOutputStream().write('\n');
            w.getOutputStream().flush();
        }
        long firstStart = Long.MAX_VALUE;
        long lastEnd = 0;
        List<Double> rates = new ArrayList<>();
        for (BufferedReader out : outs) {
            String[] parts = out.readLine().split(" ");
            long nanos = Long.parseLong(parts[0]);
            long start = Long.parseLong(parts[1]);
            firstStart = Math.min(firstStart, start);
            lastEnd = Math.max(lastEnd, start + nanos);
            rates.add(each * 1e9 / nanos);
        }
        for (Process w : writers) w.waitFor();
        System.out.printf("append, 2 writer processes at once: %,.0f and %,.0f events/s each, %,.0f events/s together%n",
                rates.get(0), rates.get(1), 2.0 * each * 1e9 / (lastEnd - firstStart));
    }

    /**
     * A writer appends 2,000 events/s — in a thread of this JVM, then in another process — and this JVM follows,
     * taking for each event CLOCK_MONOTONIC now minus the event's own monotonic timestamp (one clock for all
     * processes of a boot).
     */
    private static void followLatency() throws Exception {
        int count = 20_000;
        follow("the writer in this JVM's thread", fresh("follow"), count, dir -> {
            Thread pacer = Thread.ofPlatform().start(() -> paced(dir, count));
            return pacer::join;
        });
        follow("the writer in another process", fresh("follow-cross"), count, dir -> {
            Process writer = child("writer-paced", dir.toString(), Integer.toString(count));
            return writer::waitFor;
        });
    }

    private interface Writer {
        Waiter start(Path dir) throws Exception;
    }

    private interface Waiter {
        void await() throws Exception;
    }

    private static void follow(String where, Path dir, int count, Writer writer) throws Exception {
        try (Journal journal = Journal.open(JournalOptions.defaults(dir, Origin.TOOL))) {
            journal.append(transition(0));
            JournalReader reader = journal.reader(Stream.EVENTS);
            reader.next();
            Waiter waiter = writer.start(dir);
            long[] latencies = new long[count];
            int n = 0;
            while (n < count) {
                Optional<Recorded> next = reader.poll(Duration.ofSeconds(30));
                if (next.isEmpty()) break;
                latencies[n++] = System.nanoTime() - next.get().monotonicNanos();
            }
            waiter.await();
            long[] warm = Arrays.copyOfRange(latencies, n / 2, n);
            Arrays.sort(warm);
            System.out.printf("follow, %s at 2,000 events/s: p50 %d us, p99 %d us, max %d us (warm half of %,d)%n", where,
                    warm[warm.length / 2] / 1000, warm[(int) (warm.length * 0.99)] / 1000, warm[warm.length - 1] / 1000, n);
        }
    }

    private static void paced(Path dir, int count) {
        try (Journal journal = Journal.open(JournalOptions.defaults(dir, Origin.TOOL))) {
            long next = System.nanoTime();
            for (int i = 0; i < count; i++) {
                next += 500_000;
                LockSupport.parkNanos(next - System.nanoTime());
                journal.append(transition(i));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    record Counts(TreeMap<String, Long> byService) {}

    private static final Reducer<Counts> REDUCER = new Reducer<>() {
        @Override
        public Counts initial() {
            return new Counts(new TreeMap<>());
        }

        @Override
        public Counts apply(Counts state, Recorded event) {
            if (event.event() instanceof ServiceStateChanged s) state.byService().merge(s.service(), 1L, Long::sum);
            return state;
        }
    };

    private static final StateCodec<Counts> CODEC = new StateCodec<>() {
        @Override
        public int version() {
            return 1;
        }

        @Override
        public byte[] encode(Counts state) {
            ByteSink out = new ByteSink(1024);
            out.varint(state.byService().size());
            state.byService().forEach((k, v) -> {
                out.string(k);
                out.varint(v);
            });
            return out.toByteArray();
        }

        @Override
        public Counts decode(byte[] bytes) throws DecodeException {
            ByteSource in = new ByteSource(bytes, 0, bytes.length);
            TreeMap<String, Long> map = new TreeMap<>();
            for (int i = in.count(2); i > 0; i--) map.put(in.string(), in.varint());
            return new Counts(map);
        }
    };

    private static void replayAndRecovery() throws Exception {
        Path dir = fresh("replay");
        try (Journal journal = Journal.open(JournalOptions.defaults(dir, Origin.TOOL))) {
            for (int i = 0; i < events; i++) journal.append(transition(i));
            Replay.full(journal, Stream.EVENTS, REDUCER); // warm-up
            Replay.Result<Counts> full = Replay.full(journal, Stream.EVENTS, REDUCER);
            System.out.printf("replay, full: %,d events in %d ms, %,.0f events/s%n", full.eventsApplied(), full.nanos() / 1_000_000,
                    full.eventsApplied() * 1e9 / full.nanos());
            SnapshotStore snapshots = journal.snapshots("bench");
            // A snapshot as the manager takes one every 10,000 events: at most that many to replay after it.
            long snapshotSeq = full.lastSeq() - 10_000;
            Replay.Result<Counts> upTo;
            try (JournalReader reader = journal.reader(Stream.EVENTS)) {
                Counts state = REDUCER.initial();
                long seq = -1;
                for (Optional<Recorded> next = reader.next(); next.isPresent() && next.get().seq() <= snapshotSeq; next = reader.next()) {
                    state = REDUCER.apply(state, next.get());
                    seq = next.get().seq();
                }
                snapshots.write(seq, CODEC.version(), 0, CODEC.encode(state));
            }
            Replay.fromSnapshot(journal, Stream.EVENTS, REDUCER, CODEC, snapshots); // warm-up
            upTo = Replay.fromSnapshot(journal, Stream.EVENTS, REDUCER, CODEC, snapshots);
            if (!upTo.state().equals(full.state())) throw new IllegalStateException("snapshot replay differs from full replay");
            System.out.printf("recovery from %,d events: %d ms with a snapshot 10,000 events back (%,d replayed), %d ms without%n",
                    full.eventsApplied(), upTo.nanos() / 1_000_000, upTo.eventsApplied(), full.nanos() / 1_000_000);
        }
    }
}
