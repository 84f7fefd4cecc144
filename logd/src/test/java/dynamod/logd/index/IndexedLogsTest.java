package dynamod.logd.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.logd.query.Cursor;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogMatcher;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.LogQuery.FieldMatch;
import dynamod.logd.query.LogQuery.Grep;
import dynamod.logd.query.LogQuery.Lines;
import dynamod.logd.query.LogQuery.MatchGroup;
import dynamod.logd.query.QueryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index answers every query with exactly the entries of the direct scan. */
class IndexedLogsTest {

    static final int SERVICES = 40, BOOTS = 4;

    @TempDir
    static Path tmp;

    static Instant end;
    static long lastSeq;

    @BeforeAll
    static void journal() throws Exception {
        Path dir = tmp.resolve("journal");
        TestJournals.Clock clock = new TestJournals.Clock();
        Random random = new Random(6);
        for (int b = 1; b <= BOOTS; b++) {
            try (Journal j = TestJournals.open(dir, clock, TestJournals.boot(b))) {
                // As on a real system, the manager's events stream has each boot too: Journal.boots() answers from
                // its boot index, where a journal of logs alone is scanned for its boots on every query (LogsCommandTest
                // covers that path).
                j.append(new dynamod.journal.event.SystemEvent.ManagerStarted(1, 812));
                TestJournals.append(j, clock, random, 4_000, SERVICES);
            }
            clock.advanceMillis(3_600_000);
        }
        end = Instant.ofEpochSecond(0, clock.realtime.get());
    }

    static List<Long> run(LogQueryRunner runner, LogQuery q) throws Exception {
        List<Long> out = new ArrayList<>();
        try {
            runner.run(q, new JournalLogs.Sink() {
                @Override
                public void entry(LogEntry e) {
                    out.add(e.seq());
                }
            });
        } catch (QueryException e) {
            out.add(-1L);
            out.add((long) e.getMessage().hashCode());
        }
        return out;
    }

    interface LogQueryRunner {
        void run(LogQuery q, JournalLogs.Sink sink) throws Exception;
    }

    @Test
    void theIndexAnswersAsTheScanDoes() throws Exception {
        Path dir = tmp.resolve("journal");
        TestJournals.Clock clock = new TestJournals.Clock();
        clock.realtime.set(end.getEpochSecond() * 1_000_000_000L + end.getNano());
        try (Journal j = Journal.open(JournalOptions.defaults(dir, Origin.LOGD).withClock(clock).withBootId(TestJournals.boot(BOOTS)));
                Indexer indexer = Indexer.open(j, tmp.resolve("logd/index"), 5_000, java.time.Duration.ZERO)) {
            appendOddMessages(j, clock, new Random(8), 300);
            indexer.catchUp();
            // Lines the index does not have yet: the engine scans them.
            TestJournals.append(j, clock, new Random(7), 700, SERVICES);
            appendOddMessages(j, clock, new Random(9), 50);
            JournalLogs direct = JournalLogs.over(j);
            IndexedLogs indexed = new IndexedLogs(direct, indexer.index(), indexer::through);
            Random random = new Random(66);
            List<LogEntry> sample = new ArrayList<>();
            direct.run(LogQuery.all(), e -> {
                if (random.nextInt(500) == 0) sample.add(e);
            }, () -> false);
            int nonEmpty = 0;
            for (int i = 0; i < 300; i++) {
                LogQuery q = randomQuery(random, sample, end);
                List<Long> want = run((query, sink) -> direct.run(query, sink, () -> false), q);
                List<Long> got = run((query, sink) -> indexed.run(query, sink, () -> false), q);
                assertEquals(want, got, () -> "query " + q);
                // Again with tiny chunks of posting lists and tiny blocks of the message store, crossing their
                // boundaries everywhere.
                int chunk = IndexedLogs.chunk, block = IndexedLogs.grepBlock;
                IndexedLogs.chunk = 1 + random.nextInt(40);
                IndexedLogs.grepBlock = 1 + random.nextInt(400);
                try {
                    assertEquals(want, run((query, sink) -> indexed.run(query, sink, () -> false), q),
                            () -> "chunk " + IndexedLogs.chunk + ", block " + IndexedLogs.grepBlock + ", query " + q);
                } finally {
                    IndexedLogs.chunk = chunk;
                    IndexedLogs.grepBlock = block;
                }
                if (!want.isEmpty() && want.get(0) >= 0) nonEmpty++;
            }
            assertTrue(nonEmpty > 100, "most queries have answers: " + nonEmpty);
        }
    }

    static final String[] GREPS = {"timeout", "Timeout", "TIMEOUT", "error", "Error", "needle", "needle-0$", "xyzzy-nowhere", ".",
        "^$", "^", "line\\nbreak", "(?m)^break", "\\x00", "\\t", "\uFFFD", "stra(ss|ß)e", "ÉTÉ", "été", "miss|hit", "^(ok|GET) ",
        "[0-9]{3}$", "\\bquery\\b", "Suppressed \\d+ messages",
        // the byte search: a literal alone, within a pattern, folded; non-ASCII chars that fold to i, k, s; pieces of
        // a literal at the end of one message and the start of the next; patterns with no literal to take
        "needle-0", "timeout after", "time?out", "ti+meout", "t.meout", "(?i)TIMEOUT", "Kernel", "STOP", "stop", "\\Qa.b\\E",
        "a\\.b", "eout", "tim", "xyz|timeout", "\\x74imeout", "ÉTÉ", "\\s404$", "^timeout", "straße",
        "timeout|needle-0", "STOP|kernel|tim", "eout|a\\.b"};

    /** Messages of bytes a text view could take apart: newlines, NUL, control bytes, malformed UTF-8, non-ASCII. */
    static void appendOddMessages(Journal j, TestJournals.Clock clock, Random r, int lines) {
        byte[][] parts = {"line\nbreak".getBytes(StandardCharsets.UTF_8), {0}, {'\t'}, {(byte) 0xff, (byte) 0xfe}, {(byte) 0xc3},
            "Été straße".getBytes(StandardCharsets.UTF_8), "timeout".getBytes(StandardCharsets.UTF_8), "ERROR".getBytes(StandardCharsets.UTF_8),
            {'\r', '\n'}, "needle-0".getBytes(StandardCharsets.UTF_8), {}, " 404".getBytes(StandardCharsets.UTF_8),
            "t\u0131meout T\u0130MEOUT".getBytes(StandardCharsets.UTF_8), "\u212Aernel \u017Ftop".getBytes(StandardCharsets.UTF_8),
            "tim".getBytes(StandardCharsets.UTF_8), "eout".getBytes(StandardCharsets.UTF_8), "a.b".getBytes(StandardCharsets.UTF_8),
            "timeout after 5s".getBytes(StandardCharsets.UTF_8)};
        for (int i = 0; i < lines; i++) {
            clock.advanceMillis(1 + r.nextInt(400));
            java.io.ByteArrayOutputStream m = new java.io.ByteArrayOutputStream();
            int n = r.nextInt(5);
            for (int k = 0; k < n; k++) m.writeBytes(parts[r.nextInt(parts.length)]);
            int s = r.nextInt(SERVICES);
            j.append(new dynamod.journal.event.LogEvent.LogLine("svc" + s, dynamod.journal.event.LogStream.STDOUT, r.nextInt(8), 100 + s * 3,
                    "svc" + s, m.toByteArray(), 0, -1));
        }
    }

    static LogQuery randomQuery(Random r, List<LogEntry> sample, Instant end) {
        List<String> units = new ArrayList<>();
        int u = r.nextInt(4);
        for (int i = 0; i < u; i++) {
            units.add(switch (r.nextInt(4)) {
                case 0 -> "svc" + r.nextInt(SERVICES);
                case 1 -> "svc" + r.nextInt(SERVICES) + ".service";
                case 2 -> "svc" + r.nextInt(4) + "*";
                default -> "svc?" ;
            });
        }
        List<String> ids = new ArrayList<>();
        if (r.nextInt(5) == 0) ids.add(r.nextBoolean() ? "helper-" + r.nextInt(5) : "svc" + r.nextInt(SERVICES));
        if (r.nextInt(10) == 0) ids.add("kernel");
        int prio = switch (r.nextInt(4)) {
            case 0 -> (1 << (r.nextInt(8) + 1)) - 1;
            case 1 -> 1 << r.nextInt(8);
            default -> LogQuery.ALL_PRIORITIES;
        };
        boolean kernel = r.nextInt(15) == 0;
        Optional<BootSpec> boot = switch (r.nextInt(5)) {
            case 0 -> Optional.of(BootSpec.CURRENT);
            case 1 -> Optional.of(new BootSpec(Optional.empty(), -r.nextInt(BOOTS)));
            case 2 -> Optional.of(new BootSpec(Optional.empty(), 1 + r.nextInt(BOOTS + 1))); // one past: an error
            default -> Optional.empty();
        };
        Optional<Instant> since = Optional.empty(), until = Optional.empty();
        if (r.nextInt(3) == 0) since = Optional.of(end.minusSeconds(r.nextInt(4 * 3 * 3600)));
        if (r.nextInt(4) == 0) until = Optional.of(end.minusSeconds(r.nextInt(4 * 3 * 3600)));
        Optional<Grep> grep = switch (r.nextInt(9)) {
            case 0 -> Optional.of(new Grep("timeout", false));
            case 1 -> Optional.of(new Grep("needle-[12]", true));
            case 2 -> Optional.of(new Grep("^Error", true));
            case 3, 4 -> {
                // rare and common, smart case both ways, newlines, control and malformed bytes, Unicode case
                String p = GREPS[r.nextInt(GREPS.length)];
                yield Optional.of(new Grep(p, r.nextInt(4) == 0 ? r.nextBoolean() : LogMatcher.smartCaseSensitive(p)));
            }
            default -> Optional.empty();
        };
        List<MatchGroup> matches = new ArrayList<>();
        if (r.nextInt(6) == 0) {
            matches.add(new MatchGroup(List.of(new FieldMatch("_TRANSPORT", r.nextBoolean() ? "syslog" : "stdout"))));
            if (r.nextBoolean()) matches.add(new MatchGroup(List.of(new FieldMatch("PRIORITY", "3"), new FieldMatch("_PID", "" + (100 + r.nextInt(30))))));
        }
        Optional<Cursor> cursor = Optional.empty();
        boolean after = false;
        if (r.nextInt(5) == 0 && !sample.isEmpty()) {
            cursor = Optional.of(sample.get(r.nextInt(sample.size())).cursor());
            after = r.nextBoolean();
        }
        Lines lines = switch (r.nextInt(5)) {
            case 0 -> Lines.tail(r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(150));
            case 1 -> Lines.head(r.nextInt(150));
            case 2 -> Lines.tail(100);
            default -> Lines.ALL;
        };
        return new LogQuery(matches, units, ids, boot, since, until, prio, grep, cursor, after, lines, r.nextInt(4) == 0, false, kernel);
    }
}
