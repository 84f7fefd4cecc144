package dynamod.bench;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.svmgr.control.ControlClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Log ingestion through real host-mode trees ({@code bin/dynamod up -d}: dynamod-init, dynamod-svmgr, the built-in
 * dynamod-logd): how many lines a second reach the journal, with none lost.
 *
 * <p>Each scenario boots a fresh tree whose services are flooders (perl, {@code [logs] rate-limit-burst = 0}). They
 * wait for a go-file, then write numbered 60-byte lines ({@code %010d} and 48 {@code x}, the newline included) as fast
 * as they can for {@code --seconds}, then one {@code END n} line, then sleep. The sources: the service's stdout
 * (svmgr's capture: pipe, spool, framing, journal), and logd's sockets — syslog datagrams, native-protocol datagrams
 * (both on a connected socket; a full receive queue blocks the sender, so nothing may be dropped) and the stdout
 * stream socket ({@code systemd-cat}'s protocol). Each with 1 flooder and with {@code --services} at once.
 *
 * <p>The clock runs from the go-file to the journal's stamp of the last line (the bench's {@code System.nanoTime()} and
 * the journal's monotonic stamps are one clock); the journal is read only after svmgr and logd went idle, so reading
 * does not compete with ingestion. Every flooder's numbers are checked: each once, in order, none missing, flags 0,
 * the service and identifier right. CPU: utime+stime of svmgr, logd and the flooders over the same window (100 % = one
 * core). Bytes per line: the journal's logs directory as {@code du} counts it (allocated), over the lines in it.
 *
 * <pre>bin/bench logs [--seconds 10] [--services 10] [--only stdout,syslog,native,stream] [--dir DIR]</pre>
 */
public final class LogsBench {

    private static final int LINE_BYTES = 60; // "%010d " + 48 x + "\n"
    private static final Map<String, Object> LIST = Map.of("command", "list");
    private static final Map<String, Object> PING = Map.of("command", "ping");

    private static Path home;
    private static Path base;
    private static int seconds = 10;
    private static int services = 10;
    private static List<String> sources = List.of("stdout", "syslog", "native", "stream");
    private static final List<Path> live = new CopyOnWriteArrayList<>();
    private static final List<String> warnings = new ArrayList<>();
    private static final List<Result> results = new ArrayList<>();

    /** The stdout flooder: its stdout is the service's. */
    private static final String STDOUT_FLOODER = """
            use Time::HiRes qw(time sleep);
            my ($go, $secs) = @ARGV;
            my $pad = "x" x 48;
            sleep 0.005 until -e $go;
            my $end = time + $secs;
            my $i = 0;
            while (1) {
                for (1..1000) { $i++; printf "%010d %s\\n", $i, $pad; }
                last if time >= $end;
            }
            $| = 1;
            print "END $i\\n";
            sleep 1000000;
            """;

    /** The socket flooder: syslog or native datagrams on a connected socket, or a stdout stream (systemd-cat's header). */
    private static final String SOCKET_FLOODER = """
            use IO::Socket::UNIX;
            use Socket qw(SOCK_DGRAM SOCK_STREAM);
            use Time::HiRes qw(time sleep);
            my ($mode, $path, $go, $secs, $tag) = @ARGV;
            my $pad = "x" x 48;
            sleep 0.005 until -e $go;
            my $s;
            until ($s = IO::Socket::UNIX->new(Type => ($mode eq "stream" ? SOCK_STREAM : SOCK_DGRAM), Peer => $path)) { sleep 0.01 }
            sub out { my $m = shift; my $off = 0; while ($off < length $m) { my $n = syswrite($s, $m, length($m) - $off, $off); die "write: $!" unless defined $n; $off += $n } }
            sub one {
                my $text = shift;
                if ($mode eq "syslog") { defined $s->send("<14>$tag: $text") or die "send: $!" }
                elsif ($mode eq "native") { defined $s->send("MESSAGE=$text\\nSYSLOG_IDENTIFIER=$tag\\nPRIORITY=6\\n") or die "send: $!" }
                else { return "$text\\n" }
                return "";
            }
            out("$tag\\n\\n6\\n1\\n0\\n0\\n0\\n") if $mode eq "stream";
            my $end = time + $secs;
            my $i = 0;
            while (1) {
                my $batch = "";
                for (1..1000) { $i++; $batch .= one(sprintf("%010d %s", $i, $pad)); }
                out($batch) if $mode eq "stream";
                last if time >= $end;
            }
            my $last = one("END $i");
            out($last) if $mode eq "stream";
            sleep 1000000;
            """;

    record Result(String source, int flooders, long lines, long payloadBytes, double seconds, double writerSeconds, long missing,
            long duplicated, long misplaced, long misattributed, double bytesPerLine, double svmgrCpu, double logdCpu,
            double floodersCpu) {}

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--services" -> services = Integer.parseInt(args[++i]);
                case "--only" -> sources = List.of(args[++i].split(","));
                case "--dir" -> base = Path.of(args[++i]);
                default -> throw new IllegalArgumentException(
                        "usage: bin/bench logs [--seconds 10] [--services 10] [--only stdout,syslog,native,stream] [--dir DIR]");
            }
        }
        home = Path.of(System.getProperty("dynamod.home", "."));
        base = base == null ? Files.createTempDirectory("dynamod-bench-logs") : Files.createDirectories(base);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path state : live) HostTrees.down(home, state);
        }));
        System.out.printf("logs benchmark (host mode, bin/dynamod up -d): %d s floods of %d-byte lines, 1 and %d flooders, %d cores, %s%n",
                seconds, LINE_BYTES, services, Runtime.getRuntime().availableProcessors(), base);
        for (String source : sources) {
            for (int n : services == 1 ? List.of(1) : List.of(1, services)) {
                try {
                    results.add(scenario(source, n));
                } catch (Exception e) {
                    warn(source + " x" + n + ": failed: " + e);
                }
            }
        }
        report();
    }

    // ---------------------------------------------------------------- one scenario

    private static Result scenario(String source, int flooders) throws Exception {
        String name = source + flooders;
        Path config = base.resolve(name).resolve("config"), state = base.resolve(name).resolve("state"), run = state.resolve("run");
        Path go = base.resolve(name).resolve("go");
        Files.createDirectories(config.resolve("services"));
        Files.createDirectories(config.resolve("supervisors"));
        Files.writeString(config.resolve("supervisors/root.toml"),
                "[supervisor]\nname = \"root\"\n\n[restart]\nmax-restarts = 1000\nmax-restart-window = \"10m\"\n");
        for (int i = 0; i < flooders; i++) {
            String service = "flood" + i;
            String exec = source.equals("stdout")
                    ? "[\"perl\", \"-e\", '''" + STDOUT_FLOODER + "''', \"" + go + "\", \"" + seconds + "\"]"
                    : "[\"perl\", \"-e\", '''" + SOCKET_FLOODER + "''', \"" + source + "\", \"" + socketOf(run, source) + "\", \"" + go
                            + "\", \"" + seconds + "\", \"" + tag(i) + "\"]";
            Files.writeString(config.resolve("services/" + service + ".toml"), "[service]\nname = \"" + service + "\"\nexec = " + exec
                    + "\n\n[restart]\ndelay = \"1s\"\n\n[logs]\nrate-limit-burst = 0\n");
        }
        HostTrees.prebuild(home);
        HostTrees.waitQuiet(name).ifPresent(LogsBench::warn);
        Process up = new ProcessBuilder(home.resolve("bin/dynamod").toString(), "up", "--config", config.toString(), "--state",
                state.toString(), "-d").redirectErrorStream(true).redirectOutput(base.resolve(name).resolve("up.log").toFile()).start();
        live.add(state);
        try {
            if (up.waitFor() != 0) throw new IllegalStateException("bin/dynamod up failed: " + Files.readString(base.resolve(name).resolve("up.log")));
            // every flooder and logd running, logd's sockets there
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Map<String, Integer> pids = Map.of();
            while (System.nanoTime() < deadline) {
                pids = running(run);
                if (pids.size() == flooders + 1 && pids.containsKey("dynamod-logd") && Files.exists(run.resolve("log.sock"))
                        && Files.exists(run.resolve("journal.sock")) && Files.exists(run.resolve("stdout.sock"))) break;
                Thread.sleep(50);
            }
            if (pids.size() != flooders + 1 || !pids.containsKey("dynamod-logd") || !Files.exists(run.resolve("stdout.sock"))) {
                throw new IllegalStateException(name + ": not all running after 120 s (or logd's sockets missing): " + pids);
            }
            int svmgr;
            try (ControlClient c = ControlClient.connect(run)) {
                svmgr = ((Number) c.call(PING).get("pid")).intValue();
            }
            int logd = pids.get("dynamod-logd");
            List<Integer> flooderPids = pids.entrySet().stream().filter(e -> e.getKey().startsWith("flood")).map(Map.Entry::getValue).toList();
            Thread.sleep(1000); // logd's and svmgr's start-up work done
            HostTrees.waitQuiet(name + " flood").ifPresent(LogsBench::warn);

            long svmgr0 = ticks(svmgr), logd0 = ticks(logd), flood0 = 0;
            for (int p : flooderPids) flood0 += ticks(p);
            long t0 = System.nanoTime();
            Files.writeString(go, "go\n");
            Thread.sleep(seconds * 1000L);
            // then until svmgr and logd are idle: a 500 ms stretch with under 5 % of a core between them
            long idleDeadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            long last = ticks(svmgr) + ticks(logd);
            while (System.nanoTime() < idleDeadline) {
                Thread.sleep(500);
                long now = ticks(svmgr) + ticks(logd);
                if (now - last <= 2) break; // 100 Hz ticks: 2 in 0.5 s = 4 %
                last = now;
            }
            long svmgr1 = ticks(svmgr), logd1 = ticks(logd), flood1 = 0;
            for (int p : flooderPids) flood1 += ticks(p);

            Check check = check(state, source, flooders);
            if (check.ends < flooders) warn(name + ": only " + check.ends + " of " + flooders + " END lines in the journal");
            double window = (check.lastNanos - t0) / 1e9;
            double hz = 100.0;
            long[] du = du(state.resolve("journal").resolve(Stream.LOGS.directory()));
            Result r = new Result(source, flooders, check.lines, check.payload, window, seconds, check.missing, check.duplicated,
                    check.misplaced, check.misattributed, du[1] / (double) Math.max(1, check.allLines),
                    100 * (svmgr1 - svmgr0) / hz / window, 100 * (logd1 - logd0) / hz / window, 100 * (flood1 - flood0) / hz / window);
            System.out.printf("  %-7s x%-2d %,11d lines in %5.2f s: %,9.0f lines/s, %6.1f MB/s; lost %d, twice %d, out of order %d, "
                    + "misattributed %d; %.0f B/line on disk; CPU svmgr %.0f %%, logd %.0f %%, flooders %.0f %%%n", source, flooders,
                    r.lines, r.seconds, r.lines / r.seconds, r.payloadBytes / r.seconds / 1e6, r.missing, r.duplicated, r.misplaced,
                    r.misattributed, r.bytesPerLine, r.svmgrCpu, r.logdCpu, r.floodersCpu);
            return r;
        } finally {
            HostTrees.down(home, state);
            live.remove(state);
        }
    }

    private static String tag(int i) {
        return "flood" + i + "tag";
    }

    private static Path socketOf(Path run, String source) {
        return run.resolve(switch (source) {
            case "syslog" -> "log.sock";
            case "native" -> "journal.sock";
            case "stream" -> "stdout.sock";
            default -> throw new IllegalArgumentException("unknown source " + source + " (stdout, syslog, native, stream)");
        });
    }

    private static final class Check {
        long lines, payload, missing, duplicated, misplaced, misattributed, allLines, lastNanos;
        int ends;
    }

    /** Reads the logs stream once: every flooder's numbers once and in order; the last line's stamp. */
    private static Check check(Path state, String source, int flooders) throws IOException {
        Check c = new Check();
        long[] next = new long[flooders];
        java.util.Arrays.fill(next, 1);
        boolean[] ended = new boolean[flooders];
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < flooders; i++) index.put(source.equals("stdout") ? "flood" + i : tag(i), i);
        LogStream expected = switch (source) {
            case "stdout", "stream" -> LogStream.STDOUT;
            case "syslog" -> LogStream.SYSLOG;
            default -> LogStream.NATIVE;
        };
        try (Journal journal = Journal.open(JournalOptions.defaults(state.resolve("journal"), Origin.TOOL).readingOnly());
                JournalReader reader = journal.reader(Stream.LOGS)) {
            long quietUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.ends < flooders && System.nanoTime() < quietUntil) {
                for (Optional<Recorded> e; (e = reader.next()).isPresent(); ) {
                    c.allLines++;
                    if (!(e.get().event() instanceof LogLine l)) continue;
                    Integer who = index.get(source.equals("stdout") ? l.service() : l.identifier());
                    if (who == null || l.stream() != expected) continue;
                    int i = who;
                    String wantService = "flood" + i;
                    if (!l.service().equals(wantService) || l.flags() != 0) c.misattributed++;
                    byte[] m = l.message();
                    if (m.length > 4 && m[0] == 'E' && m[1] == 'N' && m[2] == 'D' && m[3] == ' ') {
                        long n = Long.parseLong(new String(m, 4, m.length - 4, StandardCharsets.US_ASCII).strip());
                        if (n >= next[i]) c.missing += n - next[i] + 1;
                        ended[i] = true;
                        c.ends++;
                        c.lastNanos = Math.max(c.lastNanos, e.get().monotonicNanos());
                        continue;
                    }
                    long n = parseNumber(m);
                    c.lines++;
                    c.payload += m.length + 1;
                    c.lastNanos = Math.max(c.lastNanos, e.get().monotonicNanos());
                    if (n < 0 || ended[i]) {
                        c.misplaced++;
                    } else if (n == next[i]) {
                        next[i]++;
                    } else if (n < next[i]) {
                        c.duplicated++;
                    } else {
                        c.misplaced++;
                        c.missing += n - next[i];
                        next[i] = n + 1;
                    }
                }
                if (c.ends < flooders) {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        }
        return c;
    }

    /** The number at the start of a flooder's line ("%010d xxx..."), or -1. */
    private static long parseNumber(byte[] m) {
        if (m.length < 11 || m[10] != ' ') return -1;
        long n = 0;
        for (int i = 0; i < 10; i++) {
            if (m[i] < '0' || m[i] > '9') return -1;
            n = n * 10 + (m[i] - '0');
        }
        return n;
    }

    // ---------------------------------------------------------------- the tree

    /** Services running now, by name: their pids. */
    @SuppressWarnings("unchecked")
    private static Map<String, Integer> running(Path run) {
        Map<String, Integer> pids = new LinkedHashMap<>();
        if (!Files.exists(run.resolve(ControlClient.SOCKET_NAME))) return pids;
        try (ControlClient c = ControlClient.connect(run)) {
            Map<String, Object> response = c.call(LIST);
            if (!Boolean.TRUE.equals(response.get("ok"))) return pids;
            for (Map<String, Object> s : (List<Map<String, Object>>) response.get("services")) {
                if ("running".equals(s.get("state"))) pids.put((String) s.get("name"), ((Number) s.get("pid")).intValue());
            }
        } catch (IOException e) {
            // not up yet
        }
        return pids;
    }



    // ---------------------------------------------------------------- the machine

    /** utime + stime of a process, in clock ticks (0 when it is gone). */
    private static long ticks(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            return 0;
        }
    }



    /** Apparent and allocated bytes of a directory, as du counts them. */
    private static long[] du(Path dir) throws Exception {
        return new long[] {du(dir, "-sb"), du(dir, "-s", "--block-size=1")};
    }

    private static long du(Path dir, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of("du"));
        command.addAll(List.of(flags));
        command.add(dir.toString());
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    // ---------------------------------------------------------------- the report

    private static void report() {
        System.out.printf("%nlogs, %s, %d cores, %d s floods of %d-byte lines (rate limit off)%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), seconds, LINE_BYTES);
        System.out.printf("%-28s %9s %11s %10s %8s %6s %9s %8s %8s %9s%n", "source", "flooders", "lines", "lines/s", "MB/s", "lost",
                "B/line", "svmgr", "logd", "flooders");
        for (Result r : results) {
            String label = switch (r.source()) {
                case "stdout" -> "service stdout (svmgr)";
                case "syslog" -> "syslog datagrams (logd)";
                case "native" -> "native datagrams (logd)";
                default -> "stdout stream socket (logd)";
            };
            long lost = r.missing() + r.duplicated() + r.misplaced() + r.misattributed();
            System.out.printf("%-28s %9d %,11d %,10.0f %8.1f %6s %9.0f %7.0f%% %7.0f%% %8.0f%%%n", label, r.flooders(), r.lines(),
                    r.lines() / r.seconds(), r.payloadBytes() / r.seconds() / 1e6, lost == 0 ? "0" : "BAD " + lost, r.bytesPerLine(),
                    r.svmgrCpu(), r.logdCpu(), r.floodersCpu());
        }
        System.out.println("(CPU: share of one core over the window, go-file to the last line journaled; lost: missing + twice + out of"
                + " order + wrong service/flags)");
        System.out.println("Query latency over 10 M lines comes with logd's indexes (a later step).");
        if (!warnings.isEmpty()) {
            System.out.println();
            for (String w : warnings) System.out.println("WARNING: " + w);
        }
    }

    private static void warn(String text) {
        warnings.add(text);
        System.out.println("  WARNING: " + text);
    }
}
