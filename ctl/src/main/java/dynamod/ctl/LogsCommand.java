package dynamod.ctl;

import dynamod.ctl.logs.LogFormat;
import dynamod.ctl.logs.LogWriter;
import dynamod.ctl.logs.QuerySyntax;
import dynamod.journal.Boot;
import dynamod.journal.text.Json;
import dynamod.logd.query.Cursor;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogMatcher;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogdClient;
import dynamod.logd.query.QueryException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dynamodctl logs}: journalctl's vocabulary over the journal's log stream, answered by logd from its indexes
 * when it runs (the same {@link LogQuery}, {@code --list-boots}, {@code -F}, {@code --disk-usage}), else read directly. Exit codes as journalctl: 0, or 1 for a bad argument or a query
 * that cannot be answered (with a message on stderr). See docs/logs.md.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Show log lines from the journal, as journalctl does.",
            "Matches: FIELD=VALUE (same field ORed, different fields ANDed, + between groups ORs them)."})
final class LogsCommand implements Callable<Integer> {

    static final Path BOOTED_JOURNAL = Path.of("/var/lib/dynamod/journal");

    @Option(names = {"-D", "--directory"}, paramLabel = "DIR",
            description = "The journal directory (default: $DYNAMOD_STATE/journal, else /var/lib/dynamod/journal).")
    Path directory;

    @Option(names = "--state", paramLabel = "DIR", description = "A host-mode state directory: its journal is DIR/journal.")
    Path state;

    @Option(names = "--runtime-dir", paramLabel = "DIR",
            description = "Ask logd on DIR/logd.sock (default: $DYNAMOD_RUNTIME_DIR, else --state DIR/run); without a live logd the journal is read directly.")
    Path runtimeDir;

    @Option(names = {"-u", "--unit"}, paramLabel = "UNIT", description = "Lines of this service (glob; web or web.service). Repeatable.")
    List<String> units = new ArrayList<>();

    @Option(names = {"-t", "--identifier"}, paramLabel = "ID", description = "Lines with this SYSLOG_IDENTIFIER. Repeatable.")
    List<String> identifiers = new ArrayList<>();

    @Option(names = {"-b", "--boot"}, arity = "0..1", fallbackValue = "0", paramLabel = "[±N|ID]",
            description = "Lines of one boot: 0 or -0 the current (last), -1 the one before, 1 the first, or a boot id.")
    String boot;

    @Option(names = "--list-boots", description = "List the boots in the journal.")
    boolean listBoots;

    @Option(names = {"-k", "--dmesg"}, description = "Kernel lines (_TRANSPORT=kernel) of the current boot.")
    boolean dmesg;

    @Option(names = {"-S", "--since"}, paramLabel = "TIME", description = "Lines at or after TIME (2026-12-01 10:00, today, -1h, …).")
    String since;

    @Option(names = {"-U", "--until"}, paramLabel = "TIME", description = "Lines at or before TIME.")
    String until;

    @Option(names = {"-p", "--priority"}, paramLabel = "PRIO", description = "A level (and more important), or a range: err, 3, warning..err.")
    String priority;

    @Option(names = {"-g", "--grep"}, paramLabel = "REGEX", description = "Lines whose MESSAGE matches (all lower-case: case-insensitive).")
    String grep;

    @Option(names = "--case-sensitive", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Match --grep case-sensitively (or not).")
    Boolean caseSensitive;

    @Option(names = {"-f", "--follow"}, description = "Show the last 10 lines, then lines as they are appended.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, arity = "0..1", fallbackValue = "10", paramLabel = "N",
            description = "The last N lines (default 10), +N the first N, or all.")
    String lines;

    @Option(names = {"-e", "--pager-end"}, description = "The end of the journal (implies -n 1000; there is no pager).")
    boolean pagerEnd;

    @Option(names = {"-r", "--reverse"}, description = "Newest first.")
    boolean reverse;

    @Option(names = {"-o", "--output"}, paramLabel = "MODE", defaultValue = "short",
            description = "short, short-full, short-iso, short-iso-precise, short-precise, short-monotonic, short-unix, with-unit, "
                    + "cat, json, json-pretty, export.")
    String output;

    @Option(names = "--json", description = "The same as -o json: one JSON object a line.")
    boolean json;

    @Option(names = "--utc", description = "Times in UTC.")
    boolean utc;

    @Option(names = "--no-hostname", description = "No host name in the short modes.")
    boolean noHostname;

    @Option(names = {"-a", "--all"}, description = "Show unprintable messages as they are, not as [N blob data].")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "No informational lines (-- Boot …, -- No entries --).")
    boolean quiet;

    @Option(names = "--no-pager", description = "Accepted for journalctl's sake: there is no pager.")
    boolean noPager;

    @Option(names = {"-c", "--cursor"}, paramLabel = "CURSOR", description = "Start at this entry.")
    String cursor;

    @Option(names = "--after-cursor", paramLabel = "CURSOR", description = "Start after this entry.")
    String afterCursor;

    @Option(names = "--show-cursor", description = "Print the last entry's cursor after the entries.")
    boolean showCursor;

    @Option(names = "--cursor-file", paramLabel = "FILE", description = "Start after the cursor in FILE, if any; write the last cursor there.")
    Path cursorFile;

    @Option(names = {"-F", "--field"}, paramLabel = "FIELD", description = "The distinct values of FIELD among the matching lines.")
    String field;

    @Option(names = "--disk-usage", description = "The bytes the journal takes up.")
    boolean diskUsage;

    @Parameters(paramLabel = "FIELD=VALUE", arity = "0..*", description = "Matches; + between groups.")
    List<String> matches = new ArrayList<>();

    @Spec
    CommandSpec spec;

    // What tests replace; the real command writes raw bytes to fd 1 and stops following on SIGINT/SIGTERM.
    private final OutputStream stdout;
    private final Clock clock;
    private final ZoneId zone;
    private final Optional<String> hostname;
    private final Map<String, String> environment;
    private final BooleanSupplier running;

    LogsCommand() {
        this(null, Clock.systemUTC(), ZoneId.systemDefault(), Optional.empty(), System.getenv(), null);
    }

    /** For tests: where output goes, what "now" is, the local zone, the host name, the environment, when to stop following. */
    LogsCommand(OutputStream stdout, Clock clock, ZoneId zone, Optional<String> hostname, Map<String, String> environment,
            BooleanSupplier running) {
        this.stdout = stdout;
        this.clock = clock;
        this.zone = zone;
        this.hostname = hostname;
        this.environment = environment;
        this.running = running;
    }

    /** The journal directory, by the rule of every command that reads the journal directly ({@link JournalLocation}). */
    Path journalDirectory() {
        return journalDirectory(directory, state, environment);
    }

    static Path journalDirectory(Path directory, Path state, Map<String, String> environment) {
        return JournalLocation.locate(directory, state, null, environment);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        boolean real = stdout == null;
        OutputStream raw = real ? new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16) : stdout;
        Output out = new Output(raw);
        try {
            return run(out, real, err);
        } catch (QueryException e) {
            err.println("dynamodctl: " + e.getMessage());
            return 1;
        } catch (Output.Closed e) {
            return 0; // the reader went away (| head): journalctl stops quietly too
        } catch (IOException e) {
            err.println("dynamodctl: " + journalDirectory() + ": " + e.getMessage());
            return 1;
        } catch (java.io.UncheckedIOException e) {
            err.println("dynamodctl: " + journalDirectory() + ": " + e.getMessage() + ": " + e.getCause().getMessage());
            return 1;
        } finally {
            try {
                out.flush();
            } catch (IOException e) {
                // closed: nothing more to say
            }
        }
    }

    private int run(Output out, boolean real, PrintWriter err) throws IOException {
        if (directory != null && state != null) throw new QueryException("give -D/--directory or --state, not both");
        Path dir = journalDirectory();
        if (json && !"short".equals(output) && !"json".equals(output)) throw new QueryException("give --json or -o " + output + ", not both");
        LogFormat format = json ? LogFormat.JSON : LogFormat.parse(output);
        ZoneId z = utc ? ZoneOffset.UTC : zone;
        if (field != null) QuerySyntax.field(field);
        LogQuery query = diskUsage ? null : query(z);
        Optional<LogdClient> logd = logdSocket().flatMap(LogdClient::connect);
        if (logd.isPresent()) {
            try (LogdClient client = logd.get()) {
                answeredBy = "logd";
                if (diskUsage) return diskUsage(client.diskUsage(), out);
                if (listBoots) return listBoots(client.boots(), format, z, out);
                if (field != null) return fieldValues(client.fieldValues(query, field), out);
                return show("logd", query, client::run, format, z, out, real);
            }
        }
        answeredBy = "journal";
        if (diskUsage) return diskUsage(JournalLogs.diskUsage(dir), out);
        try (JournalLogs logs = JournalLogs.open(dir)) {
            if (listBoots) return listBoots(logs.boots(), format, z, out);
            if (field != null) return fieldValues(logs.fieldValues(query, field), out);
            return show("journal", query, logs::run, format, z, out, real);
        }
    }

    /**
     * The last {@code lines} log lines of one service in the current boot, as {@code status} shows them below its
     * fields: what {@code logs -u SERVICE -b -n LINES -q} prints, from logd at {@code runtimeDir} when it answers, else
     * from {@code journal} read directly. A query that fails says so in one line instead.
     */
    static String lastLines(String service, int lines, Path runtimeDir, Path journal) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.StringWriter err = new java.io.StringWriter();
        LogsCommand logs = new LogsCommand(out, Clock.systemUTC(), ZoneId.systemDefault(), Optional.empty(), Map.of(), () -> false);
        picocli.CommandLine cli = new picocli.CommandLine(logs).setErr(new PrintWriter(err, true));
        int exit = cli.execute("-u", service, "-b", "-n", Integer.toString(lines), "-q", "-D", journal.toString(),
                "--runtime-dir", runtimeDir.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        return exit == 0 ? text : text + "(no log lines: " + err.toString().strip().replaceFirst("^dynamodctl: ", "") + ")\n";
    }

    private static int diskUsage(long bytes, OutputStream out) throws IOException {
        out.write(("Archived and active journals take up " + LogWriter.bytes(bytes) + " (" + bytes + " bytes) in the file system.\n")
                .getBytes(StandardCharsets.UTF_8));
        return 0;
    }

    private static int fieldValues(List<byte[]> values, OutputStream out) throws IOException {
        for (byte[] value : values) {
            out.write(value);
            out.write('\n');
        }
        return 0;
    }

    /** Where entries come from: logd's socket or the journal read directly; the same entries either way. */
    interface Source {
        void run(LogQuery query, JournalLogs.Sink sink, BooleanSupplier running) throws IOException;
    }

    /** What was answered the last time: "logd" or "journal" (for tests). */
    String answeredBy;

    private int show(String by, LogQuery query, Source source, LogFormat format, ZoneId z, OutputStream out, boolean real)
            throws IOException {
        answeredBy = by;
        LogWriter writer = new LogWriter(out, format, z, noHostname ? Optional.empty() : Optional.of(host()), all, quiet);
        Cursor[] last = new Cursor[1];
        AtomicBoolean stop = new AtomicBoolean();
        BooleanSupplier keepGoing = running != null ? running : () -> !stop.get();
        if (real && query.follow()) onSignals(stop);
        try {
            source.run(query, new JournalLogs.Sink() {
                @Override
                public void entry(LogEntry e) throws IOException {
                    writer.write(e);
                    last[0] = e.cursor();
                }

                @Override
                public void caughtUp() throws IOException {
                    writer.flush();
                }
            }, keepGoing);
            if (writer.written() == 0 && !quiet && !query.follow()) writer.noEntries();
            if (showCursor && last[0] != null) writer.cursor(last[0]);
        } finally {
            if (cursorFile != null && last[0] != null) writeCursorFile(last[0]);
        }
        return 0;
    }

    /**
     * logd's query socket, if a runtime directory is known: {@code --runtime-dir}, else {@code $DYNAMOD_RUNTIME_DIR},
     * else {@code --state DIR}'s {@code DIR/run}. Not with {@code -D} alone: that names a journal, which logd may not serve
     * (with {@code --runtime-dir} too, the caller says that logd serves it).
     */
    Optional<Path> logdSocket() {
        if (directory != null && runtimeDir == null) return Optional.empty();
        Path run = runtimeDir;
        if (run == null) {
            String env = environment.get("DYNAMOD_RUNTIME_DIR");
            if (env != null && !env.isEmpty()) run = Path.of(env);
            else if (state != null) run = state.resolve("run");
        }
        return Optional.ofNullable(run).map(r -> r.resolve("logd.sock"));
    }

    /** The options as a query, with times resolved against the clock in {@code zone}. */
    LogQuery query(ZoneId z) throws IOException {
        List<String> words = new ArrayList<>();
        // -b and -n take an optional value: a bare -b or -n before a match takes the match as its value.
        String bootText = boot;
        if (bootText != null && !QuerySyntax.looksLikeBoot(bootText) && (bootText.contains("=") || bootText.equals("+"))) {
            words.add(bootText);
            bootText = "0";
        }
        String linesText = lines;
        if (linesText != null && !QuerySyntax.looksLikeLines(linesText) && (linesText.contains("=") || linesText.equals("+"))) {
            words.add(linesText);
            linesText = "10";
        }
        words.addAll(matches);
        Instant now = clock.instant();
        int given = (cursor != null ? 1 : 0) + (afterCursor != null ? 1 : 0) + (cursorFile != null ? 1 : 0);
        if (given > 1) throw new QueryException("give one of --cursor, --after-cursor and --cursor-file");
        Optional<Cursor> at = Optional.empty();
        boolean after = false;
        if (cursor != null) at = Optional.of(Cursor.parse(cursor));
        if (afterCursor != null) {
            at = Optional.of(Cursor.parse(afterCursor));
            after = true;
        }
        if (cursorFile != null && Files.exists(cursorFile)) {
            String text = Files.readString(cursorFile, StandardCharsets.UTF_8).strip();
            if (!text.isEmpty()) {
                at = Optional.of(Cursor.parse(text));
                after = true;
            }
        }
        LogQuery.Lines n;
        if (linesText != null) n = QuerySyntax.parseLines(linesText);
        else if (pagerEnd) n = LogQuery.Lines.tail(1000);
        else if (follow) n = LogQuery.Lines.tail(10);
        else n = LogQuery.Lines.ALL;
        Optional<Instant> from = Optional.ofNullable(since).map(s -> QuerySyntax.parseTime(s, now, z));
        Optional<Instant> to = Optional.ofNullable(until).map(s -> QuerySyntax.parseTime(s, now, z));
        if (from.isPresent() && to.isPresent() && from.get().isAfter(to.get())) throw new QueryException("--since is after --until");
        Optional<LogQuery.Grep> g = Optional.ofNullable(grep).map(p -> new LogQuery.Grep(p,
                caseSensitive != null ? caseSensitive : LogMatcher.smartCaseSensitive(p)));
        return new LogQuery(QuerySyntax.parseMatches(words), units, identifiers, Optional.ofNullable(bootText).map(QuerySyntax::parseBoot),
                from, to, priority == null ? LogQuery.ALL_PRIORITIES : QuerySyntax.parsePriorities(priority), g, at, after, n, reverse, follow,
                dmesg);
    }

    private static int listBoots(List<Boot> boots, LogFormat format, ZoneId z, OutputStream out) throws IOException {
        StringBuilder b = new StringBuilder();
        if (format == LogFormat.JSON || format == LogFormat.JSON_PRETTY) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < boots.size(); i++) {
                Boot boot = boots.get(i);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("index", i - (boots.size() - 1));
                o.put("boot_id", Cursor.Ids.hex(boot.id()));
                o.put("first_entry", micros(boot.first()));
                o.put("last_entry", micros(boot.last()));
                list.add(o);
            }
            b.append(Json.write(list)).append('\n');
        } else {
            int idx = Math.max(3, Integer.toString(1 - boots.size()).length());
            int time = "Tue 2026-12-01 10:00:00 UTC".length();
            List<String[]> rows = new ArrayList<>();
            for (int i = 0; i < boots.size(); i++) {
                Boot boot = boots.get(i);
                String[] row = {Integer.toString(i - (boots.size() - 1)), Cursor.Ids.hex(boot.id()),
                    LogWriter.fullTime(boot.first(), z), LogWriter.fullTime(boot.last(), z)};
                time = Math.max(time, row[2].length());
                rows.add(row);
            }
            b.append(String.format("%" + idx + "s %-32s %-" + time + "s %s%n", "IDX", "BOOT ID", "FIRST ENTRY", "LAST ENTRY"));
            for (String[] row : rows) b.append(String.format("%" + idx + "s %s %-" + time + "s %s%n", (Object[]) row));
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        return 0;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** The time format of --list-boots and -o short-full. */
    private static final class LogWriterAccess {
        static String full(Instant t, ZoneId z) {
            return java.time.format.DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss zzz", java.util.Locale.ENGLISH).format(t.atZone(z));
        }
    }

    private void writeCursorFile(Cursor last) {
        try {
            Path tmp = cursorFile.resolveSibling(cursorFile.getFileName() + ".tmp");
            Files.writeString(tmp, last.format(), StandardCharsets.UTF_8);
            Files.move(tmp, cursorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            spec.commandLine().getErr().println("dynamodctl: cannot write the cursor file " + cursorFile + ": " + e.getMessage());
        }
    }

    /** The host part of the short modes: the kernel's host name, as journald records it (_HOSTNAME) at the time. */
    private String host() {
        if (hostname.isPresent()) return hostname.get();
        for (Path p : List.of(Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"))) {
            try {
                String h = Files.readString(p, StandardCharsets.UTF_8).strip();
                if (!h.isEmpty()) return h;
            } catch (IOException e) {
                // try the next
            }
        }
        return "localhost";
    }

    /** Ctrl-C ends following normally (exit 0, cursor file written), as journalctl. */
    @SuppressWarnings("restriction")
    private static void onSignals(AtomicBoolean stop) {
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop.set(true));
            } catch (IllegalArgumentException e) {
                // not available here: the default (exit 130) applies
            }
        }
    }

    /** Standard output whose write errors (a closed pipe) are told apart from the journal's. */
    static final class Output extends FilterOutputStream {
        static final class Closed extends IOException {
            Closed(IOException cause) {
                super(cause);
            }
        }

        Output(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw new Closed(e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw new Closed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw new Closed(e);
            }
        }
    }
}
