package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.logd.query.Cursor;
import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.ManualClock;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.text.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code dynamodctl logs}: each flag and output mode against a journal of two boots, written with a test clock. */
class LogsCommandTest {

    static final UUID BOOT_A = UUID.fromString("aaaaaaaa-0000-4000-8000-00000000000a");
    static final UUID BOOT_B = UUID.fromString("bbbbbbbb-0000-4000-8000-00000000000b");
    static final String A = Cursor.Ids.hex(BOOT_A);
    static final String B = Cursor.Ids.hex(BOOT_B);
    static final Instant NOW = Instant.parse("2026-12-01T13:00:00Z");
    static final byte[] BLOB = {(byte) 0xff, 0, 'x'};

    @TempDir
    Path tmp;

    Path dir;
    ManualClock clock;


    static LogLine line(String service, LogStream stream, int priority, int pid, String identifier, String message) {
        return new LogLine(service, stream, priority, pid, identifier, message.getBytes(StandardCharsets.UTF_8), 0, -1);
    }

    Journal writer(UUID boot) throws Exception {
        return Journal.open(JournalOptions.defaults(dir, Origin.SVMGR).withClock(clock).withBootId(boot));
    }

    @BeforeEach
    void journal() throws Exception {
        dir = tmp.resolve("state/journal");
        clock = new ManualClock(Instant.EPOCH);
        clock.set(Instant.parse("2026-12-01T09:00:00.123456Z"), Duration.ofSeconds(5));
        try (Journal j = writer(BOOT_A)) {
            j.append(line("web", LogStream.STDOUT, 6, 100, "web", "listening on :80"));
            clock.advance(Duration.ofSeconds(1));
            j.append(line("db", LogStream.STDERR, 3, 200, "postgres", "FATAL: could not bind"));
            clock.advance(Duration.ofSeconds(1));
            j.append(line("web", LogStream.STDERR, 4, 100, "web", "slow request"));
            clock.advance(Duration.ofSeconds(1));
            j.append(line("", LogStream.KERNEL, 5, 0, "kernel", "usb 1-1: new device"));
        }
        clock.set(Instant.parse("2026-12-01T12:00:00Z"), Duration.ofSeconds(2));
        try (Journal j = writer(BOOT_B)) {
            j.append(line("web", LogStream.STDOUT, 6, 300, "web", "started again"));
            clock.advance(Duration.ofSeconds(1));
            j.append(line("web", LogStream.MANAGER, 4, 300, "dynamod", "web: restarting"));
            clock.advance(Duration.ofSeconds(1));
            j.append(new LogLine("api", LogStream.STDOUT, 7, 400, "api", BLOB, 0, 42));
            clock.advance(Duration.ofSeconds(1));
            j.append(line("api", LogStream.STDOUT, 6, 400, "api", "Request GET /health\ntook 3 ms"));
            clock.advance(Duration.ofSeconds(1));
            j.append(new LinesSuppressed("api", 17, 1000));
            clock.advance(Duration.ofSeconds(1));
            j.append(new LogLine("db", LogStream.STDOUT, 2, 201, "postgres", "checkpoint complete".getBytes(), LogLine.SPLIT, 7));
        }
    }

    record Run(int exit, byte[] bytes, String err) {
        String out() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        List<String> lines() {
            return out().lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out() + "\nstderr:\n" + err;
        }
    }

    Run logs(String... args) {
        return logs(() -> false, Map.of(), new ByteArrayOutputStream(), args);
    }

    Run logs(BooleanSupplier running, Map<String, String> env, ByteArrayOutputStream out, String... args) {
        LogsCommand command = new LogsCommand(out, Clock.fixed(NOW, ZoneOffset.UTC), ZoneOffset.UTC, Optional.of("testhost"), env, running);
        CommandLine cli = new CommandLine(command);
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cli.execute(args);
        return new Run(exit, out.toByteArray(), err.toString());
    }

    Run d(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-D";
        all[1] = dir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        Run run = logs(all);
        return run;
    }

    /** The messages of a short-mode run, without the informational lines. */
    static List<String> messages(Run run) {
        assertEquals(0, run.exit(), run::toString);
        return run.lines().stream().filter(l -> !l.startsWith("-- ") && !l.startsWith(" ")).map(l -> l.substring(l.indexOf(": ") + 2)).toList();
    }

    // ------------------------------------------------------------------ short, and the informational lines

    @Test
    void shortIsJournalctlsLineWithBootSeparators() {
        Run run = d();
        assertEquals(0, run.exit(), run::toString);
        assertEquals(List.of(
                "Dec 01 09:00:00 testhost web[100]: listening on :80",
                "Dec 01 09:00:01 testhost postgres[200]: FATAL: could not bind",
                "Dec 01 09:00:02 testhost web[100]: slow request",
                "Dec 01 09:00:03 testhost kernel: usb 1-1: new device",
                "-- Boot " + B + " --",
                "Dec 01 12:00:00 testhost web[300]: started again",
                "Dec 01 12:00:01 testhost dynamod[300]: web: restarting",
                "Dec 01 12:00:02 testhost api[400]: [3B blob data]",
                "Dec 01 12:00:03 testhost api[400]: Request GET /health",
                "                                   took 3 ms",
                "Dec 01 12:00:04 testhost dynamod-svmgr[" + ProcessHandle.current().pid() + "]: Suppressed 17 messages from api.service",
                "Dec 01 12:00:05 testhost postgres[201]: checkpoint complete"), run.lines());
        assertEquals(run.lines().stream().filter(l -> !l.startsWith("-- ")).toList(), d("-q").lines(), "-q drops the separators");
        assertTrue(d("--no-hostname", "-n", "1").out().startsWith("Dec 01 12:00:05 postgres[201]: "));
        assertArrayEquals(BLOB, Arrays.copyOfRange(d("-a", "-u", "api", "-n", "+1").bytes(), "Dec 01 12:00:02 testhost api[400]: ".length(),
                "Dec 01 12:00:02 testhost api[400]: ".length() + 3), "-a prints the bytes as they are");
        assertEquals("-- No entries --\n", d("-u", "nope").out());
        assertEquals("", d("-u", "nope", "-q").out());
    }

    // ------------------------------------------------------------------ filters

    @Test
    void unitsAreGlobsWithOrWithoutTheSuffix() {
        List<String> web = List.of("listening on :80", "slow request", "started again", "web: restarting");
        assertEquals(web, messages(d("-u", "web")));
        assertEquals(web, messages(d("-u", "web.service")));
        assertEquals(web, messages(d("--unit=w?b")));
        assertEquals(List.of("FATAL: could not bind", "checkpoint complete", "[3B blob data]", "Request GET /health",
                "Suppressed 17 messages from api.service").stream().sorted().toList(),
                messages(d("-u", "db", "-u", "a*.service")).stream().sorted().toList());
    }

    @Test
    void bootsByOffsetAndId() {
        List<String> a = List.of("listening on :80", "FATAL: could not bind", "slow request", "usb 1-1: new device");
        List<String> b = messages(d("-b"));
        assertEquals(6, b.size(), b::toString);
        assertEquals("started again", b.getFirst());
        assertEquals(b, messages(d("-b", "0")));
        assertEquals(b, messages(d("-b", "-0")));
        assertEquals(b, messages(d("-b", "2")));
        assertEquals(a, messages(d("-b", "-1")));
        assertEquals(a, messages(d("-b", "1")));
        assertEquals(a, messages(d("--boot=-1")));
        assertEquals(a, messages(d("-b", A)));
        assertEquals(a, messages(d("-b", BOOT_A.toString())));
        assertEquals(b, messages(d("-b", A + "+1")));
        assertEquals(List.of("started again", "web: restarting"), messages(d("-b", "_PID=300")), "a bare -b before a match");
        assertEquals(List.of("started again"), messages(d("-b", "_PID=300", "_TRANSPORT=stdout")));
        Run none = d("-b", "-5");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("no boot -5 in the journal: it has 2"), none.err());
        assertEquals(1, d("-b", "cafe").exit());
        assertEquals(1, d("-b", UUID.randomUUID().toString()).exit());
    }

    @Test
    void listBootsAsJournalctlsTableAndAsJson() throws Exception {
        Run run = d("--list-boots");
        assertEquals(0, run.exit(), run::toString);
        assertEquals(List.of(
                "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY",
                " -1 " + A + " Tue 2026-12-01 09:00:00 UTC Tue 2026-12-01 09:00:03 UTC",
                "  0 " + B + " Tue 2026-12-01 12:00:00 UTC Tue 2026-12-01 12:00:05 UTC"), run.lines());
        List<?> json = (List<?>) JsonParser.parse(d("--list-boots", "-o", "json").out());
        Map<?, ?> first = (Map<?, ?>) json.getFirst();
        assertEquals(-1L, first.get("index"));
        assertEquals(A, first.get("boot_id"));
        assertEquals(Instant.parse("2026-12-01T09:00:00.123456Z").toEpochMilli() * 1000 + 456, first.get("first_entry"));
        // once the events stream exists too, Journal.boots() answers (above, the log stream alone was scanned)
        try (Journal j = writer(BOOT_B)) {
            j.append(new dynamod.journal.event.SystemEvent.ManagerStarted(1, 812));
        }
        assertTrue(Files.isDirectory(dir.resolve("events")));
        assertEquals(run.lines(), d("--list-boots").lines());
        assertEquals(List.of("started again"), messages(d("-b", "-u", "web", "-n", "+1")));
    }

    @Test
    void sinceAndUntilAbsoluteRelativeAndNamed() {
        assertEquals(List.of("slow request", "usb 1-1: new device"), messages(d("-S", "2026-12-01 09:00:02", "-U", "2026-12-01 09:00:03.5")));
        assertEquals(List.of("slow request", "usb 1-1: new device"), messages(d("--since=2026-12-01T09:00:02Z", "--until", "2026-12-01 10:00")));
        // now is 13:00: -1h is 12:00
        assertEquals(6, messages(d("-S", "-1h")).size());
        assertEquals(6, messages(d("--since", "1h ago")).size());
        assertEquals(4, messages(d("-U", "-2h")).size());
        assertEquals(10, messages(d("-S", "today")).size());
        assertEquals(10, messages(d("-S", "yesterday", "-U", "now")).size());
        assertEquals(0, messages(d("-S", "tomorrow")).size());
        assertEquals(0, messages(d("-S", "+5min")).size());
        assertEquals(List.of("checkpoint complete"), messages(d("-S", "12:00:05")));
        Run bad = d("-S", "half past nine");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().startsWith("dynamodctl: invalid time 'half past nine'"), bad.err());
        assertEquals(1, d("-S", "2026-12-02", "-U", "2026-12-01").exit());
    }

    @Test
    void prioritiesAsLevelsNamesAndRanges() {
        assertEquals(List.of("FATAL: could not bind", "checkpoint complete"), messages(d("-p", "err")));
        assertEquals(messages(d("-p", "err")), messages(d("-p", "3")));
        assertEquals(messages(d("-p", "err")), messages(d("-p", "error")));
        assertEquals(List.of("FATAL: could not bind", "slow request", "web: restarting", "Suppressed 17 messages from api.service"),
                messages(d("-p", "warning..err")));
        assertEquals(messages(d("-p", "warning..err")), messages(d("-p", "err..warn")));
        assertEquals(List.of("[3B blob data]"), messages(d("-p", "debug..debug")));
        assertEquals(messages(d("-p", "warning")), messages(d("-p", "0..4")));
        Run bad = d("-p", "loud");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("invalid priority 'loud'"), bad.err());
    }

    @Test
    void grepWithSmartCase() {
        assertEquals(List.of("FATAL: could not bind"), messages(d("-g", "could not")));
        assertEquals(List.of("FATAL: could not bind"), messages(d("-g", "fatal")));
        assertEquals(List.of("FATAL: could not bind"), messages(d("-g", "FATAL")));
        assertEquals(List.of(), messages(d("-g", "Fatal")));
        assertEquals(List.of(), messages(d("-g", "fatal", "--case-sensitive")));
        assertEquals(List.of("FATAL: could not bind"), messages(d("-g", "Fatal", "--case-sensitive=false")));
        assertEquals(List.of("Request GET /health"), messages(d("--grep", "^request.*health")));
        Run bad = d("-g", "(");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("invalid --grep pattern"), bad.err());
    }

    @Test
    void linesReverseAndPagerEnd() {
        assertEquals(List.of("Suppressed 17 messages from api.service", "checkpoint complete"), messages(d("-n", "2")));
        assertEquals(List.of("Suppressed 17 messages from api.service", "checkpoint complete"), messages(d("-n2")));
        assertEquals(List.of("listening on :80", "FATAL: could not bind"), messages(d("--lines=+2")));
        assertEquals(10, messages(d("-n", "all")).size());
        assertEquals(10, messages(d("-n")).size());
        assertEquals(10, messages(d("-e")).size());
        assertEquals(List.of("checkpoint complete", "Suppressed 17 messages from api.service"), messages(d("-r", "-n", "2")));
        List<String> reversed = new ArrayList<>(messages(d()));
        java.util.Collections.reverse(reversed);
        assertEquals(reversed, messages(d("-r")));
        assertEquals(List.of("slow request"), messages(d("-u", "web", "-b", "-1", "-n", "1")));
        assertEquals(List.of(), messages(d("-n", "0")));
        assertEquals(1, d("-n", "many").exit());
    }

    @Test
    void identifiersAndFieldMatches() {
        assertEquals(List.of("FATAL: could not bind", "checkpoint complete"), messages(d("-t", "postgres")));
        assertEquals(List.of("listening on :80", "FATAL: could not bind", "slow request"), messages(d("-t", "postgres", "--identifier=web", "-b", "-1")));
        assertEquals(List.of("listening on :80", "slow request", "started again", "web: restarting"), messages(d("_PID=100", "_PID=300")));
        assertEquals(List.of("slow request"), messages(d("_SYSTEMD_UNIT=web.service", "PRIORITY=4")), "different fields AND");
        assertEquals(List.of("FATAL: could not bind", "usb 1-1: new device", "checkpoint complete"),
                messages(d("PRIORITY=3", "+", "_TRANSPORT=kernel", "+", "_LINE_BREAK=line-max")), "+ ORs groups");
        assertEquals(List.of("web: restarting", "Suppressed 17 messages from api.service"), messages(d("_TRANSPORT=driver")));
        assertEquals(List.of("web: restarting"), messages(d("UNIT=web.service")));
        assertEquals(List.of("FATAL: could not bind"), messages(d("_DYNAMOD_STREAM=stderr", "SYSLOG_IDENTIFIER=postgres")));
        assertEquals(4, messages(d("_BOOT_ID=" + BOOT_A)).size());
        assertEquals(List.of("slow request"), messages(d("MESSAGE=slow request")));
        assertEquals(List.of(), messages(d("NO_SUCH_FIELD=1")));
        for (String bad : List.of("foo", "lower=1", "+", "_PID=1 +".split(" ")[1])) {
            Run run = d(bad);
            assertEquals(1, run.exit(), bad + ": " + run);
            assertTrue(run.err().startsWith("dynamodctl: "), run.err());
        }
        assertEquals(1, d("_PID=1", "+").exit());
    }

    @Test
    void dmesgIsTheKernelTransportOfTheCurrentBoot() {
        assertEquals("-- No entries --\n", d("-k").out());
        assertEquals(List.of("usb 1-1: new device"), messages(d("-k", "-b", "-1")));
    }

    // ------------------------------------------------------------------ cursors

    @Test
    void showCursorThenAfterCursorAndCursor() {
        Run first = d("-n", "+3", "--show-cursor");
        List<String> lines = first.lines();
        assertEquals(4, lines.size(), first::toString);
        String last = lines.getLast();
        assertTrue(last.startsWith("-- cursor: s="), last);
        Cursor cursor = Cursor.parse(last.substring("-- cursor: ".length()));
        assertEquals(cursor, Cursor.parse(cursor.format()), "a cursor parses back to itself");
        assertEquals(BOOT_A, cursor.bootId());
        assertEquals(List.of("usb 1-1: new device", "started again"), messages(d("--after-cursor", cursor.format(), "-n", "+2")));
        assertEquals(List.of("slow request"), messages(d("--cursor", cursor.format(), "-n", "+1")));
        assertEquals(List.of("slow request"), messages(d("-c", cursor.format(), "-u", "web", "-b", "-1")));
        // the cursor in JSON is the same one
        Map<?, ?> json = (Map<?, ?>) JsonParser.parse(d("-o", "json", "-n", "+3").lines().get(2));
        assertEquals(cursor.format(), json.get("__CURSOR"));
        assertTrue(cursor.format().matches("s=[0-9a-f]{32};i=[0-9a-f]+;b=" + A + ";m=[0-9a-f]+;t=[0-9a-f]+"), cursor.format());
        Run foreign = d("--after-cursor", new Cursor(UUID.randomUUID(), cursor.seq(), BOOT_A, 0, 0).format());
        assertEquals(1, foreign.exit());
        assertTrue(foreign.err().contains("the cursor is from another journal"), foreign.err());
        assertEquals(1, d("--cursor", "garbage").exit());
        assertEquals(1, d("--cursor", cursor.format(), "--after-cursor", cursor.format()).exit());
    }

    @Test
    void cursorFileResumesAfterTheLastShownAndIsRewritten() throws Exception {
        Path file = tmp.resolve("cursor");
        assertEquals(10, messages(d("--cursor-file", file.toString())).size());
        String written = Files.readString(file);
        assertTrue(written.startsWith("s="), written);
        assertEquals(List.of(), messages(d("--cursor-file", file.toString(), "-q")), "nothing new");
        assertEquals(written, Files.readString(file), "unchanged when nothing was shown");
        clock.advance(Duration.ofSeconds(1));
        try (Journal j = writer(BOOT_B)) {
            j.append(line("web", LogStream.STDOUT, 6, 300, "web", "one more"));
        }
        assertEquals(List.of("one more"), messages(d("--cursor-file", file.toString())));
        assertFalse(written.equals(Files.readString(file)));
        assertEquals(List.of(), messages(d("--cursor-file", file.toString(), "-q")));
    }

    // ------------------------------------------------------------------ -F, --disk-usage, directories

    @Test
    void fieldValuesAreDistinct() {
        Run run = d("-F", "_SYSTEMD_UNIT");
        assertEquals(0, run.exit(), run::toString);
        assertEquals(List.of("web.service", "db.service", "api.service"), run.lines());
        assertEquals(List.of("6", "4"), d("-F", "PRIORITY", "-u", "web").lines());
        assertEquals(List.of("stdout", "kernel", "driver"), d("--field=_TRANSPORT").lines());
        assertEquals(1, d("-F", "bad name").exit());
    }

    @Test
    void diskUsageCountsTheJournalsBytes() throws Exception {
        Run run = d("--disk-usage");
        assertEquals(0, run.exit(), run::toString);
        long bytes;
        try (var files = Files.walk(dir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(run.out().matches("Archived and active journals take up [0-9.]+[BKMG] \\(" + bytes + " bytes\\) in the file system.\n"), run.out());
    }

    @Test
    void theDirectoryComesFromStateOrTheEnvironment() {
        assertEquals(10, messages(logs("--state", tmp.resolve("state").toString())).size());
        assertEquals(10, messages(logs(() -> false, Map.of("DYNAMOD_STATE", tmp.resolve("state").toString()), new ByteArrayOutputStream())).size());
        Run notJournal = logs("-D", tmp.toString());
        assertEquals(1, notJournal.exit());
        assertTrue(notJournal.err().contains("is not a journal directory"), notJournal.err());
        assertEquals(1, logs("-D", tmp.resolve("missing").toString()).exit());
        assertEquals(1, logs("-D", dir.toString(), "--state", tmp.toString()).exit());
    }

    @Test
    void badArgumentsExitOneWithAMessage() {
        for (String[] args : List.of(new String[] {"-o", "yaml"}, new String[] {"--bogus"}, new String[] {"-f", "-r"},
                new String[] {"-f", "-n", "+3"}, new String[] {"-S"})) {
            Run run = d(args);
            assertEquals(1, run.exit(), String.join(" ", args) + ": " + run);
            assertFalse(run.err().isBlank(), String.join(" ", args));
        }
        // and through dynamodctl itself
        CheckCommandTest.Run run = CheckCommandTest.run("logs", "-D", dir.toString(), "-p", "loud");
        assertEquals(1, run.exit(), run::toString);
        assertTrue(run.err().contains("invalid priority"), run.err());
    }

    // ------------------------------------------------------------------ output modes

    @Test
    void theShortModes() {
        assertEquals("2026-12-01T09:00:00+00:00 testhost web[100]: listening on :80", d("-o", "short-iso", "-n", "+1").lines().getFirst());
        assertEquals("2026-12-01T09:00:00.123456+00:00 testhost web[100]: listening on :80",
                d("-o", "short-iso-precise", "-n", "+1").lines().getFirst());
        assertEquals("Dec 01 09:00:00.123456 testhost web[100]: listening on :80", d("-o", "short-precise", "-n", "+1").lines().getFirst());
        assertEquals("[    5.000000] testhost web[100]: listening on :80", d("-o", "short-monotonic", "-n", "+1").lines().getFirst());
        assertEquals("[    3.000000] testhost dynamod[300]: web: restarting", d("-o", "short-monotonic", "-b", "-u", "web").lines().get(1));
        assertEquals("Tue 2026-12-01 09:00:00 UTC testhost web[100]: listening on :80", d("-o", "short-full", "-n", "+1").lines().getFirst());
        assertEquals("1796115600.123456 testhost web[100]: listening on :80", d("-o", "short-unix", "-n", "+1").lines().getFirst());
        List<String> withUnit = d("-o", "with-unit", "-b", "-u", "web").lines();
        assertEquals(List.of("Tue 2026-12-01 12:00:00 UTC testhost web.service[300]: started again",
                "Tue 2026-12-01 12:00:01 UTC testhost dynamod[300]: web: restarting"), withUnit);
        Run cat = d("-o", "cat", "-b");
        byte[] expected = ("started again\nweb: restarting\n" + new String(BLOB, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(expected, Arrays.copyOf(cat.bytes(), expected.length), cat::toString);
        assertTrue(cat.out().endsWith("Request GET /health\ntook 3 ms\nSuppressed 17 messages from api.service\ncheckpoint complete\n"));
        assertEquals("", d("-o", "cat", "-u", "nope").out(), "cat has no informational lines");
    }

    @Test
    void jsonHasJournaldsFieldsAsStringsAndBinaryAsByteArrays() {
        Run run = d("-o", "json");
        assertEquals(0, run.exit(), run::toString);
        List<Map<?, ?>> entries = run.lines().stream().<Map<?, ?>>map(l -> (Map<?, ?>) JsonParser.parse(l)).toList();
        assertEquals(10, entries.size());
        Map<?, ?> first = entries.getFirst();
        assertEquals(List.of("__CURSOR", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "__SEQNUM", "__SEQNUM_ID", "_BOOT_ID", "_TRANSPORT",
                "PRIORITY", "SYSLOG_IDENTIFIER", "_PID", "_SYSTEMD_UNIT", "_DYNAMOD_STREAM", "MESSAGE"), List.copyOf(first.keySet()));
        assertEquals("1796115600123456", first.get("__REALTIME_TIMESTAMP"));
        assertEquals("5000000", first.get("__MONOTONIC_TIMESTAMP"));
        assertEquals(A, first.get("_BOOT_ID"));
        assertEquals("stdout", first.get("_TRANSPORT"));
        assertEquals("6", first.get("PRIORITY"));
        assertEquals("100", first.get("_PID"));
        assertEquals("web.service", first.get("_SYSTEMD_UNIT"));
        assertEquals("listening on :80", first.get("MESSAGE"));
        assertEquals("stderr", entries.get(1).get("_DYNAMOD_STREAM"));
        assertEquals(null, entries.get(3).get("_PID"), "the kernel line has no pid");
        assertEquals(null, entries.get(3).get("_SYSTEMD_UNIT"));
        assertEquals("web.service", entries.get(5).get("UNIT"));
        assertEquals(null, entries.get(5).get("_SYSTEMD_UNIT"), "the manager's line is about the unit, not from it");
        assertEquals(List.of(255L, 0L, 120L), entries.get(6).get("MESSAGE"), "binary: an array of byte values");
        assertEquals("Request GET /health\ntook 3 ms", entries.get(7).get("MESSAGE"));
        assertEquals("line-max", entries.get(9).get("_LINE_BREAK"));
        assertTrue(entries.stream().noneMatch(e -> e.containsKey("_HOSTNAME")), "the journal does not record a host name");

        Run pretty = d("-o", "json-pretty", "-n", "1");
        assertTrue(pretty.out().startsWith("{\n\t\"__CURSOR\" : \"s="), pretty.out());
        assertTrue(pretty.out().endsWith(",\n\t\"MESSAGE\" : \"checkpoint complete\"\n}\n"), pretty.out());
        assertEquals(entries.get(9), JsonParser.parse(pretty.out()));
    }

    @Test
    void exportRoundTripsEveryFieldIncludingBinary() {
        Run run = d("-o", "export");
        assertEquals(0, run.exit(), run::toString);
        List<Map<String, byte[]>> parsed = parseExport(run.bytes());
        List<Map<?, ?>> json = d("-o", "json").lines().stream().<Map<?, ?>>map(l -> (Map<?, ?>) JsonParser.parse(l)).toList();
        assertEquals(json.size(), parsed.size());
        for (int i = 0; i < json.size(); i++) {
            assertEquals(json.get(i).keySet(), parsed.get(i).keySet());
            for (Map.Entry<?, ?> f : json.get(i).entrySet()) {
                byte[] expected = f.getValue() instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : bytes((List<?>) f.getValue());
                assertArrayEquals(expected, parsed.get(i).get(f.getKey()), f.getKey() + " of entry " + i);
            }
        }
        assertArrayEquals(BLOB, parsed.get(6).get("MESSAGE"));
        assertArrayEquals("Request GET /health\ntook 3 ms".getBytes(), parsed.get(7).get("MESSAGE"), "a newline makes it binary too");
        String text = new String(run.bytes(), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("\nMESSAGE\n" + "\u0003\0\0\0\0\0\0\0" + "\u00ff\0x\n\n"), "NAME, LE64 length, bytes");
        assertTrue(text.startsWith("__CURSOR=s="));
    }

    static byte[] bytes(List<?> numbers) {
        byte[] b = new byte[numbers.size()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ((Long) numbers.get(i)).intValue();
        return b;
    }

    /** journald's export format: NAME=value lines, or NAME, a little-endian 64-bit length and the bytes; a blank line ends an entry. */
    static List<Map<String, byte[]>> parseExport(byte[] data) {
        List<Map<String, byte[]>> entries = new ArrayList<>();
        Map<String, byte[]> entry = new LinkedHashMap<>();
        int at = 0;
        while (at < data.length) {
            int nl = indexOf(data, (byte) '\n', at);
            assertTrue(nl >= 0, "every line ends with a newline");
            if (nl == at) {
                entries.add(entry);
                entry = new LinkedHashMap<>();
                at++;
                continue;
            }
            String line = new String(data, at, nl - at, StandardCharsets.UTF_8);
            int eq = line.indexOf('=');
            if (eq >= 0) {
                entry.put(line.substring(0, eq), Arrays.copyOfRange(data, at + eq + 1, nl));
                at = nl + 1;
            } else {
                long length = ByteBuffer.wrap(data, nl + 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                int from = nl + 9;
                entry.put(line, Arrays.copyOfRange(data, from, from + (int) length));
                at = from + (int) length;
                assertEquals('\n', data[at]);
                at++;
            }
        }
        assertTrue(entry.isEmpty(), "the last entry is terminated");
        return entries;
    }

    static int indexOf(byte[] data, byte b, int from) {
        for (int i = from; i < data.length; i++) if (data[i] == b) return i;
        return -1;
    }

    // ------------------------------------------------------------------ follow

    @Test
    void followShowsTheLastTenThenWhatIsAppended() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicReference<Run> result = new AtomicReference<>();
        Path file = tmp.resolve("follow-cursor");
        Thread follower = Thread.ofPlatform().start(() -> result.set(logs(running::get, Map.of(), out, "-D", dir.toString(), "-f", "-u", "web",
                "--cursor-file", file.toString())));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("web: restarting"));
            clock.advance(Duration.ofSeconds(10));
            try (Journal j = writer(BOOT_B)) {
                j.append(line("db", LogStream.STDOUT, 6, 201, "postgres", "not shown: another unit"));
                j.append(line("web", LogStream.STDOUT, 6, 300, "web", "appended after the start"));
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("appended after the start"));
        } finally {
            running.set(false);
            follower.join(Duration.ofSeconds(20));
        }
        Run run = result.get();
        assertNotNull(run, "the follower stopped when told");
        assertEquals(List.of("listening on :80", "slow request", "started again", "web: restarting", "appended after the start"), messages(run));
        String cursor = Files.readString(file);
        assertEquals(List.of(), messages(d("--after-cursor", cursor, "-u", "web", "-q")), "the cursor file holds the last line shown");
        assertEquals(List.of("not shown: another unit", "appended after the start").getLast(), messages(d("-n", "1")).getFirst());
    }

    // ------------------------------------------------------------------ through logd

    /** The same run, through logd's socket (--state) or the journal directly (-D); which answered goes into {@code by}. */
    Run logsBy(List<String> by, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogsCommand command = new LogsCommand(out, Clock.fixed(NOW, ZoneOffset.UTC), ZoneOffset.UTC, Optional.of("testhost"), Map.of(),
                () -> false);
        CommandLine cli = new CommandLine(command);
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cli.execute(args);
        by.add(command.answeredBy);
        return new Run(exit, out.toByteArray(), err.toString());
    }

    static final List<List<String>> QUERIES = List.of(List.of(), List.of("-u", "web"), List.of("-u", "web", "-n", "2"),
            List.of("-u", "w*", "-r"), List.of("-p", "err"), List.of("-p", "warning..err", "-o", "json"), List.of("-b", "-1", "-p", "3"),
            List.of("-t", "postgres", "-o", "export"), List.of("-k", "-b", "-1"), List.of("-g", "request"), List.of("-u", "api", "-o", "cat", "-a"),
            List.of("-u", "api", "-S", "2026-12-01 12:00:02", "-U", "2026-12-01 12:00:04"), List.of("-u", "web", "--show-cursor"),
            List.of("-u", "web", "-o", "short-monotonic", "-n", "+1"), List.of("-b", "7"), List.of("-u", "nothing"),
            List.of("-p", "err", "-c", "s=00000000000000000000000000000001;i=1"), List.of("_PID=100", "+", "_TRANSPORT=kernel"),
            List.of("--list-boots"), List.of("--list-boots", "-o", "json"), List.of("-F", "_SYSTEMD_UNIT"), List.of("-F", "PRIORITY", "-u", "web"),
            List.of("--field=_TRANSPORT", "-b", "-1"), List.of("-F", "MESSAGE", "-g", "request"), List.of("-F", "_PID", "-b", "9"),
            List.of("--disk-usage"));

    @Test
    void logdAnswersAsTheJournalDoesAndItsAbsenceFallsBack() throws Exception {
        Path state = tmp.resolve("state");
        try (dynamod.journal.Journal j = dynamod.journal.Journal.open(dynamod.journal.JournalOptions.defaults(dir, Origin.LOGD));
                dynamod.logd.index.Indexer indexer = dynamod.logd.index.Indexer.open(j, dynamod.logd.index.Indexer.directory(state))) {
            indexer.catchUp();
            var engine = new dynamod.logd.index.IndexedLogs(dynamod.logd.query.JournalLogs.over(j), indexer.index(), indexer::through);
            try (dynamod.logd.QueryServer server = dynamod.logd.QueryServer.start(state.resolve("run/logd.sock"), engine)) {
                for (List<String> q : QUERIES) {
                    List<String> by = new ArrayList<>();
                    List<String> viaLogd = new ArrayList<>(List.of("--state", state.toString()));
                    viaLogd.addAll(q);
                    List<String> direct = new ArrayList<>(List.of("-D", dir.toString()));
                    direct.addAll(q);
                    Run a = logsBy(by, viaLogd.toArray(String[]::new));
                    Run b = logsBy(by, direct.toArray(String[]::new));
                    assertEquals(List.of("logd", "journal"), by, q::toString);
                    assertEquals(b.toString(), a.toString(), q::toString);
                }
                // The runtime directory from the option and from the environment.
                List<String> by = new ArrayList<>();
                Run opt = logsBy(by, "--runtime-dir", state.resolve("run").toString(), "--state", state.toString(), "-u", "web");
                assertEquals(List.of("logd"), by);
                assertEquals(d("-u", "web").out(), opt.out());
                Run env = logs(() -> false, Map.of("DYNAMOD_RUNTIME_DIR", state.resolve("run").toString(), "DYNAMOD_STATE", state.toString()),
                        new ByteArrayOutputStream(), "-u", "web");
                assertEquals(d("-u", "web").out(), env.out());
                assertTrue(server.served() >= QUERIES.size() + 2, "served " + server.served());
            }
            // logd gone: no socket, then a stale socket file nobody listens on; the journal is read directly.
            for (int round = 0; round < 2; round++) {
                if (round == 1) {
                    try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                        ch.bind(java.net.UnixDomainSocketAddress.of(state.resolve("run/logd.sock")));
                    }
                    assertTrue(Files.exists(state.resolve("run/logd.sock")));
                }
                List<String> by = new ArrayList<>();
                Run a = logsBy(by, "--state", state.toString(), "-u", "web", "-o", "json");
                assertEquals(List.of("journal"), by);
                assertEquals(d("-u", "web", "-o", "json").toString(), a.toString());
            }
        }
    }

    @Test
    void followThroughLogd() throws Exception {
        Path state = tmp.resolve("state");
        try (dynamod.journal.Journal j = dynamod.journal.Journal.open(dynamod.journal.JournalOptions.defaults(dir, Origin.LOGD));
                dynamod.logd.index.Indexer indexer = dynamod.logd.index.Indexer.open(j, dynamod.logd.index.Indexer.directory(state))) {
            indexer.start();
            var engine = new dynamod.logd.index.IndexedLogs(dynamod.logd.query.JournalLogs.over(j), indexer.index(), indexer::through);
            try (dynamod.logd.QueryServer server = dynamod.logd.QueryServer.start(state.resolve("run/logd.sock"), engine)) {
                AtomicBoolean running = new AtomicBoolean(true);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                AtomicReference<Run> result = new AtomicReference<>();
                Thread t = Thread.ofPlatform().start(() -> result.set(logs(running::get, Map.of(), out, "--state", state.toString(), "-f",
                        "-u", "web", "-o", "cat")));
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("web: restarting"));
                j.append(line("web", LogStream.STDOUT, 6, 300, "web", "appended later"));
                j.append(line("db", LogStream.STDOUT, 6, 300, "db", "not web"));
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("appended later"));
                running.set(false);
                t.join(10_000);
                assertFalse(t.isAlive());
                assertEquals(0, result.get().exit(), result.get()::toString);
                assertFalse(out.toString(StandardCharsets.UTF_8).contains("not web"));
            }
        }
    }
}
