package dynamod.bench;

import dynamod.journal.Journal;
import dynamod.journal.ManualClock;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.logd.QueryServer;
import dynamod.logd.index.IndexedLogs;
import dynamod.logd.index.Indexer;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogQuery.Grep;
import dynamod.logd.query.LogQuery.Lines;
import dynamod.logd.query.LogdClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/bench logquery [--dir DIR] [--lines N] [--only TEXT] [--reuse-index] [--no-scan]}: N (10 M) LogLines of 200 services into DIR/state/journal, logd's
 * indexer over them (lines/s), then query latency through logd's socket (in this process: socket, protocol, decode)
 * and by the direct scan, and ripgrep over the same lines exported as text. A journal left in DIR by an earlier run
 * with as many lines is reused. Numbers, not a test.
 */
public final class LogQueryBench {

    private LogQueryBench() {}

    static final int SERVICES = 200;
    static final String[] VERBS = {"GET", "POST", "PUT", "DELETE"};
    static final String[] PATHS = {"/api/v1/users", "/api/v1/orders", "/health", "/metrics", "/api/v2/search", "/login", "/static/app.js"};
    static final String[] EVENTS = {"connection accepted from", "cache miss for key", "worker pool resized to", "flushed segment",
        "checkpoint starting:", "session expired for user", "retrying upstream request to", "scheduled job finished:"};

    /** Only the queries whose name contains this ({@code --only -g}: the grep rows). */
    static String only = "";
    /** {@code --reuse-index}: keep an index left by an earlier run (no indexing row); {@code --no-scan}: no direct scans. */
    static boolean reuseIndex, noScan;

    public static void main(String[] args) throws Exception {
        Path dir = null;
        long lines = 10_000_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--lines" -> lines = Long.parseLong(args[++i].replace("_", ""));
                case "--only" -> only = args[++i];
                case "--reuse-index" -> reuseIndex = true;
                case "--no-scan" -> noScan = true;
                default -> throw new IllegalArgumentException(
                        "usage: bin/bench logquery [--dir DIR] [--lines N] [--only TEXT] [--reuse-index] [--no-scan]");
            }
        }
        if (dir == null) dir = Files.createTempDirectory("dynamod-bench-logquery");
        Path state = dir.resolve("state"), journalDir = state.resolve("journal");
        Instant now = Instant.now();
        Path marker = dir.resolve("lines");
        if (!Files.exists(marker) || Long.parseLong(Files.readString(marker).strip()) != lines) {
            deleteTree(state);
            long t0 = System.nanoTime();
            Instant end = generate(journalDir, lines, now);
            double s = (System.nanoTime() - t0) / 1e9;
            Files.writeString(marker, lines + "\n");
            Files.writeString(dir.resolve("end"), end + "\n");
            System.out.printf("wrote %,d lines in %.1f s (%,.0f lines/s); journal %s%n", lines, s, lines / s, size(journalDir.resolve("logs")));
        } else {
            System.out.printf("reusing the journal of %,d lines in %s%n", lines, journalDir);
        }
        Instant end = Instant.parse(Files.readString(dir.resolve("end")).strip());
        try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.LOGD))) {
            Path indexDir = Indexer.directory(state);
            if (!reuseIndex) deleteTree(indexDir);
            long t0 = System.nanoTime();
            try (Indexer indexer = Indexer.open(journal, indexDir)) {
                long n = indexer.catchUp();
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("indexed %,d lines in %.1f s (%,.0f lines/s); index %s%n", n, s, n / s, size(indexDir));
            }
            try (Indexer indexer = Indexer.open(journal, indexDir)) {
                long t1 = System.nanoTime();
                indexer.catchUp();
                System.out.printf("restart: resumed in %.0f ms, read %d events%n", (System.nanoTime() - t1) / 1e6, indexer.read());
                JournalLogs direct = JournalLogs.over(journal);
                IndexedLogs engine = new IndexedLogs(direct, indexer.index(), indexer::through);
                Path socket = state.resolve("run/logd.sock");
                try (QueryServer server = QueryServer.start(socket, engine)) {
                    Path text = export(direct, dir.resolve("export.txt"));
                    run(direct, socket, text, end);
                }
            }
        }
    }

    record Case(String name, LogQuery query, List<String> rg) {}

    static void run(JournalLogs direct, Path socket, Path text, Instant end) throws Exception {
        String x = service(42);
        LogQuery all = LogQuery.all();
        List<Case> cases = List.of(
                new Case("-u " + x + " -n 100", with(all, List.of(x), LogQuery.ALL_PRIORITIES, Optional.empty(), Optional.empty(), Lines.tail(100)),
                        List.of(" " + x + "\\[")),
                new Case("-u " + x + " --since -1h", with(all, List.of(x), LogQuery.ALL_PRIORITIES, Optional.empty(),
                        Optional.of(end.minus(Duration.ofHours(1))), Lines.ALL), null),
                new Case("-u " + x + " -p err", with(all, List.of(x), 0x0f, Optional.empty(), Optional.empty(), Lines.ALL), null),
                new Case("-p err -n 100", with(all, List.of(), 0x0f, Optional.empty(), Optional.empty(), Lines.tail(100)), null),
                new Case("-p err", with(all, List.of(), 0x0f, Optional.empty(), Optional.empty(), Lines.ALL), null),
                new Case("-g needle-7f3a (rare)", with(all, List.of(), LogQuery.ALL_PRIORITIES, Optional.of(new Grep("needle-7f3a", false)),
                        Optional.empty(), Lines.ALL), List.of("-i", "needle-7f3a")),
                new Case("-g timeout (common)", with(all, List.of(), LogQuery.ALL_PRIORITIES, Optional.of(new Grep("timeout", false)),
                        Optional.empty(), Lines.ALL), List.of("-i", "timeout")),
                new Case("-g timeout -n 100", with(all, List.of(), LogQuery.ALL_PRIORITIES, Optional.of(new Grep("timeout", false)),
                        Optional.empty(), Lines.tail(100)), List.of("-i", "timeout")),
                new Case("-g 'status=500 bytes=\\d+'", with(all, List.of(), LogQuery.ALL_PRIORITIES,
                        Optional.of(new Grep("status=500 bytes=\\d+", false)), Optional.empty(), Lines.ALL), List.of("-i", "status=500 bytes=\\d+")),
                new Case("-g 'GET /login' (case-sensitive)", with(all, List.of(), LogQuery.ALL_PRIORITIES, Optional.of(new Grep("GET /login", true)),
                        Optional.empty(), Lines.ALL), List.of("GET /login")),
                new Case("-g 'needle-7f3a|nowhere' (alternation)", with(all, List.of(), LogQuery.ALL_PRIORITIES,
                        Optional.of(new Grep("needle-7f3a|nowhere", false)), Optional.empty(), Lines.ALL), List.of("-i", "needle-7f3a|nowhere")),
                new Case("-g '(?i)needle-7f3a' (no literal: inline flags)", with(all, List.of(), LogQuery.ALL_PRIORITIES,
                        Optional.of(new Grep("(?i)needle-7f3a", true)), Optional.empty(), Lines.ALL), List.of("(?i)needle-7f3a")),
                new Case("-u " + x + " -g timeout", with(all, List.of(x), LogQuery.ALL_PRIORITIES, Optional.of(new Grep("timeout", false)),
                        Optional.empty(), Lines.ALL), null)).stream().filter(c -> c.name().contains(only)).toList();
        for (int round = 0; round < 3; round++) {
            // Warm-up (the JIT, the page cache) with the indexed queries; the scans warm up by their size.
            for (Case c : cases) if (IndexedLogs.indexable(c.query())) viaLogd(socket, c.query());
        }
        System.out.printf("%n| query | entries | logd (socket) | direct scan | rg on exported text |%n|---|---:|---:|---:|---:|%n");
        for (Case c : cases) {
            long[] viaLogd = best(1, () -> viaLogd(socket, c.query()));
            if (viaLogd[0] < 2_000_000_000L) viaLogd = best(5, () -> viaLogd(socket, c.query()));
            String scan = "";
            if (!noScan) {
                long[] viaScan = best(1, () -> viaScan(direct, c.query()));
                if (viaLogd[1] != viaScan[1]) throw new IllegalStateException(c.name() + ": logd " + viaLogd[1] + " entries, scan " + viaScan[1]);
                scan = ms(viaScan[0]);
            }
            String rg = c.rg() == null ? "" : ms(rg(text, c.rg(), c.name().contains("-n 100")));
            System.out.printf("| `%s` | %,d | %s | %s | %s |%n", c.name(), viaLogd[1], ms(viaLogd[0]), scan, rg);
        }
    }

    static LogQuery with(LogQuery q, List<String> units, int priorities, Optional<Grep> grep, Optional<Instant> since, Lines lines) {
        return new LogQuery(q.matches(), units, q.identifiers(), q.boot(), since, q.until(), priorities, grep, q.cursor(), q.afterCursor(),
                lines, q.reverse(), q.follow(), q.kernelOnly());
    }

    static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms < 10 ? String.format("%.1f ms", ms) : ms < 10_000 ? String.format("%.0f ms", ms) : String.format("%.1f s", ms / 1000);
    }

    interface Timed {
        long count() throws Exception;
    }

    /** {best nanos, entries}. */
    static long[] best(int runs, Timed t) throws Exception {
        long best = Long.MAX_VALUE, count = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            count = t.count();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return new long[] {best, count};
    }

    /** As dynamodctl logs does it: each entry formatted (short mode) to a sink that drops the bytes. */
    static long viaLogd(Path socket, LogQuery q) throws IOException {
        AtomicLong n = new AtomicLong();
        try (LogdClient client = LogdClient.connect(socket).orElseThrow()) {
            client.run(q, sink(n), () -> false);
        }
        return n.get();
    }

    static long viaScan(JournalLogs direct, LogQuery q) throws IOException {
        AtomicLong n = new AtomicLong();
        direct.run(q, sink(n), () -> false);
        return n.get();
    }

    static JournalLogs.Sink sink(AtomicLong n) {
        OutputStream out = OutputStream.nullOutputStream();
        return e -> {
            out.write(shortLine(e));
            n.incrementAndGet();
        };
    }

    /** About what -o short prints (LogWriter is ctl's): time, identifier[pid], message. */
    static byte[] shortLine(LogEntry e) {
        String head = Instant.ofEpochSecond(0, e.recorded().realtimeNanos()) + " host " + e.identifier() + (e.pid() > 0 ? "[" + e.pid() + "]" : "")
                + ": ";
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + e.message().length + 1];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(e.message(), 0, out, h.length, e.message().length);
        out[out.length - 1] = '\n';
        return out;
    }

    static Path export(JournalLogs direct, Path file) throws IOException {
        if (Files.exists(file)) return file;
        long t0 = System.nanoTime();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            direct.run(LogQuery.all(), e -> out.write(shortLine(e)), () -> false);
        }
        System.out.printf("exported the lines as text in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, size(file));
        return file;
    }

    /** ripgrep over the exported text, best of 3, output discarded (| tail -n 100 for the -n case). */
    static long rg(Path text, List<String> args, boolean tail) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            List<String> cmd = new ArrayList<>();
            if (tail) {
                cmd.addAll(List.of("sh", "-c", "rg '" + String.join("' '", args) + "' '" + text + "' | tail -n 100"));
            } else {
                cmd.add("rg");
                cmd.addAll(args);
                cmd.add(text.toString());
            }
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.waitFor();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    static String service(int i) {
        return String.format("svc-%03d", i);
    }

    /** 3 boots over the last 7 days; the last line at about {@code now}. Priorities mostly info; 1 line in 1 M has a needle. */
    static Instant generate(Path journalDir, long lines, Instant now) throws Exception {
        long span = Duration.ofDays(7).toNanos();
        long step = span / lines;
        ManualClock clock = new ManualClock(now.minusNanos(span));
        Random r = new Random(2026);
        byte[][] ids = new byte[SERVICES][];
        long perBoot = lines / 3 + 1;
        long written = 0;
        for (int boot = 0; boot < 3 && written < lines; boot++) {
            try (Journal j = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR).withClock(clock)
                    .withBootId(new UUID(0x6c6f67717565L, boot + 1L)).withSyncInterval(Duration.ZERO))) {
                clock.set(Instant.ofEpochSecond(0, clock.realtimeNanos()), Duration.ofSeconds(1)); // a boot restarts monotonic
                for (long i = 0; i < perBoot && written < lines; i++, written++) {
                    clock.advance(Duration.ofNanos(step));
                    // Service popularity: a few busy ones, a long tail.
                    int s = (int) Math.min(SERVICES - 1, Math.abs(r.nextGaussian()) * SERVICES / 3);
                    if (r.nextInt(4) == 0) s = r.nextInt(SERVICES);
                    int roll = r.nextInt(1000);
                    int priority = roll < 5 ? 2 : roll < 40 ? 3 : roll < 100 ? 4 : roll < 150 ? 5 : roll < 900 ? 6 : 7;
                    LogStream stream = priority <= 4 && r.nextBoolean() ? LogStream.STDERR : LogStream.STDOUT;
                    int pid = 1000 + s * 4 + r.nextInt(2);
                    String message = message(r, priority, written);
                    j.append(new LogLine(service(s), stream, priority, pid, service(s), message.getBytes(StandardCharsets.UTF_8), 0, -1));
                }
            }
        }
        return Instant.ofEpochSecond(0, clock.realtimeNanos());
    }

    static String message(Random r, int priority, long n) {
        StringBuilder b = new StringBuilder(128);
        if (n % 1_000_003 == 17) b.append("needle-7f3a ");
        switch (r.nextInt(3)) {
            case 0 -> b.append(VERBS[r.nextInt(VERBS.length)]).append(' ').append(PATHS[r.nextInt(PATHS.length)]).append("?id=")
                    .append(r.nextInt(1_000_000)).append(" status=").append(priority <= 3 ? 500 : 200).append(" bytes=")
                    .append(r.nextInt(100_000)).append(" duration=").append(r.nextInt(2000)).append("ms client=10.0.")
                    .append(r.nextInt(256)).append('.').append(r.nextInt(256));
            case 1 -> b.append(EVENTS[r.nextInt(EVENTS.length)]).append(' ').append(Long.toHexString(r.nextLong())).append(" after ")
                    .append(r.nextInt(5000)).append(" ms (attempt ").append(1 + r.nextInt(5)).append(" of 5, queue depth ")
                    .append(r.nextInt(300)).append(')');
            default -> b.append(priority <= 3 ? "request failed: " : "request done: ").append(r.nextInt(20) == 0 ? "upstream timeout" : "ok")
                    .append(" trace=").append(Long.toHexString(r.nextLong())).append(Long.toHexString(r.nextLong())).append(" user=u")
                    .append(r.nextInt(100_000));
        }
        return b.toString();
    }

    static String size(Path p) throws IOException {
        if (!Files.exists(p)) return "0 B";
        long bytes;
        try (var files = Files.walk(p)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        return String.format("%,.0f MiB", bytes / 1048576.0);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
