package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.logLines;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static dynamod.svmgr.runtime.EndToEnd.str;
import static dynamod.svmgr.runtime.EndToEnd.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What services write becomes LogLine events: per stream and pid, a partial last line flushed at exit, long lines split. */
class LogsTest {

    @TempDir
    static Path dir;

    static HostTree tree;

    @BeforeAll
    static void start() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "both", sh("echo to stdout; echo to stderr >&2; echo more stdout; exec sleep 600"));
        HostTree.service(config, "partial", "type = \"oneshot\"\n" + sh("printf 'line one\\nno newline at the end'; printf 'err partial' >&2"));
        HostTree.service(config, "long", "type = \"oneshot\"\nexec = [\"perl\", \"-e\", " + str("$| = 1; print 'x' x 20000, \"\\n\"; print \"after\\n\"") + "]\n"
                + "[logs]\nline-max = \"8K\"\n");
        HostTree.service(config, "flood", sh("for i in $(seq 1 50); do echo line $i; done; exec sleep 600")
                + "[logs]\nrate-limit-burst = 10\nrate-limit-interval = \"1s\"\n");
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    private static int spawnedPid(String service) throws Exception {
        return eventsOf(tree, service, ServiceSpawned.class).getFirst().pid();
    }

    @Test
    void stdoutAndStderrLinesAreLoggedWithTheirStreamAndPid() throws Exception {
        tree.awaitState("both", "running");
        int pid = tree.pidOf("both");
        await().until(() -> logLines(tree, "both").size() >= 3);
        List<LogLine> lines = logLines(tree, "both");
        assertEquals(List.of("to stdout", "more stdout"),
                lines.stream().filter(l -> l.stream() == LogStream.STDOUT).map(EndToEnd::text).toList());
        assertEquals(List.of("to stderr"), lines.stream().filter(l -> l.stream() == LogStream.STDERR).map(EndToEnd::text).toList());
        for (LogLine l : lines) {
            assertEquals(pid, l.pid(), l.toString());
            assertEquals(0, l.flags(), l.toString());
            assertEquals("both", l.identifier());
        }
    }

    @Test
    void aPartialLastLineIsFlushedAtExitAndMarked() throws Exception {
        tree.awaitState("partial", "done");
        int pid = spawnedPid("partial");
        await().until(() -> logLines(tree, "partial").size() >= 3);
        List<LogLine> out = logLines(tree, "partial").stream().filter(l -> l.stream() == LogStream.STDOUT).toList();
        assertEquals(List.of("line one", "no newline at the end"), out.stream().map(EndToEnd::text).toList());
        assertEquals(0, out.get(0).flags());
        assertEquals(LogLine.PARTIAL, out.get(1).flags());
        List<LogLine> err = logLines(tree, "partial").stream().filter(l -> l.stream() == LogStream.STDERR).toList();
        assertEquals(List.of("err partial"), err.stream().map(EndToEnd::text).toList());
        assertEquals(LogLine.PARTIAL, err.getFirst().flags());
        logLines(tree, "partial").forEach(l -> assertEquals(pid, l.pid()));
    }

    @Test
    void aTwentyThousandByteLineIsSplitAndMarked() throws Exception {
        final int lineMax = 8 * 1024;
        tree.awaitState("long", "done");
        await().until(() -> logLines(tree, "long").stream().anyMatch(l -> text(l).equals("after")));
        List<LogLine> lines = logLines(tree, "long");
        List<LogLine> pieces = lines.subList(0, lines.size() - 1);
        assertTrue(pieces.size() >= 3, "20,000 bytes in pieces of at most " + lineMax + ": " + pieces.size());
        StringBuilder joined = new StringBuilder();
        for (LogLine piece : pieces) {
            assertTrue(piece.message().length <= lineMax, "a piece of " + piece.message().length);
            assertEquals(LogLine.SPLIT, piece.flags() & LogLine.SPLIT, "every piece of the long line is marked split");
            assertEquals(0, piece.flags() & LogLine.PARTIAL);
            assertEquals(LogStream.STDOUT, piece.stream());
            joined.append(text(piece));
        }
        assertEquals("x".repeat(20_000), joined.toString(), "nothing lost, nothing added");
        LogLine after = lines.getLast();
        assertEquals("after", text(after));
        assertEquals(0, after.flags(), "the next line is whole again");
        lines.forEach(l -> assertEquals(lines.getFirst().pid(), l.pid()));
    }

    @Test
    void theRateLimitSaysHowManyLinesItHeldBack() throws Exception {
        await().until(() -> tree.events(LinesSuppressed.class).stream().anyMatch(l -> l.service().equals("flood")));
        List<String> journaled = logLines(tree, "flood").stream().map(EndToEnd::text).toList();
        assertEquals(java.util.stream.IntStream.rangeClosed(1, 10).mapToObj(i -> "line " + i).toList(), journaled,
                "the burst is journaled, the rest held back");
        LinesSuppressed suppressed = tree.events(LinesSuppressed.class).stream().filter(l -> l.service().equals("flood")).findFirst().orElseThrow();
        assertEquals(40, suppressed.count());
        assertEquals(1000, suppressed.intervalMillis());
    }
}
