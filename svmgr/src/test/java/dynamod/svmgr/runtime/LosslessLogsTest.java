package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.Posix;
import dynamod.linux.Signals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service floods its stdout while svmgr and then logd are killed again and again: every line is in the journal
 * exactly once, and the built-in logd comes back each time.
 */
class LosslessLogsTest {

    /** How many lines must arrive between two kills, so that every kill lands while the writer is writing. */
    private static final int LINES_BETWEEN_KILLS = 5_000;

    @TempDir
    Path dir;

    @Test
    void everyLineOnceThroughKillsOfSvmgrAndLogd() throws Exception {
        Path config = HostTree.config(dir);
        // About 20,000 lines a second (ten lines, then half a millisecond) until SIGUSR1, then "done" and it stays.
        // It writes until told to stop, not a fixed count, so the kills cannot come after the flood on a slow machine.
        HostTree.service(config, "counter", "exec = [\"perl\", \"-e\", "
                + EndToEnd.str("$| = 1; my $stop = 0; $SIG{USR1} = sub { $stop = 1 }; my $i = 0; "
                        + "until ($stop) { $i++; print \"$i\\n\"; select(undef, undef, undef, 0.0005) if $i % 10 == 0 } "
                        + "print \"done\\n\"; sleep 100000")
                + "]\n[logs]\nrate-limit-burst = 0\n");
        try (HostTree tree = HostTree.start(dir, "--logd"); CounterLines counter = new CounterLines(tree)) {
            tree.awaitState(BuiltinServices.LOGD, "running");
            tree.awaitState("counter", "running");
            int writer = tree.pidOf("counter");
            for (int kill = 0; kill < 3; kill++) {
                int before = counter.now().size();
                await().atMost(Duration.ofSeconds(60)).until(() -> counter.now().size() > before + LINES_BETWEEN_KILLS);
                int svmgr = tree.svmgrPid();
                ProcessHandle.of(svmgr).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> tree.ping().map(p -> ((Number) p.get("pid")).intValue() != svmgr).orElse(false));
            }
            for (int kill = 0; kill < 2; kill++) {
                int before = counter.now().size();
                await().atMost(Duration.ofSeconds(60)).until(() -> counter.now().size() > before + LINES_BETWEEN_KILLS);
                int logd = tree.pidOf(BuiltinServices.LOGD);
                ProcessHandle.of(logd).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                        tree.stateOf(BuiltinServices.LOGD).equals("running") && tree.pidOf(BuiltinServices.LOGD) != logd);
            }
            int beforeStop = counter.now().size();
            await().atMost(Duration.ofSeconds(60)).until(() -> counter.now().size() > beforeStop + LINES_BETWEEN_KILLS);
            assertEquals(writer, tree.pidOf("counter"), "the writer never saw a broken pipe");
            Posix.kill(writer, Signals.SIGUSR1);
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                List<LogLine> all = counter.now();
                return !all.isEmpty() && text(all.getLast()).equals("done");
            });
            List<LogLine> lines = counter.now();
            int written = lines.size() - 1;
            assertTrue(written > 6 * LINES_BETWEEN_KILLS, "the flood went on through the kills: " + written + " lines");
            List<Integer> wrong = new ArrayList<>();
            for (int i = 0; i < written; i++) {
                if (!text(lines.get(i)).equals(String.valueOf(i + 1)) || lines.get(i).flags() != 0) wrong.add(i);
            }
            assertTrue(wrong.isEmpty(), "lines out of place (index): " + wrong.subList(0, Math.min(20, wrong.size()))
                    + " e.g. " + (wrong.isEmpty() ? "" : lines.get(wrong.getFirst())));
            assertEquals("done", text(lines.getLast()), "every number once, none twice, then the end");
            assertEquals(writer, tree.pidOf("counter"), "the writer never saw a broken pipe");
            assertEquals("running", tree.stateOf("counter"));
        }
    }

    private static String text(LogLine line) {
        return new String(line.message(), StandardCharsets.UTF_8);
    }

    /** The counter's stdout lines so far, read on from where the last call stopped (rereading all made each poll slower). */
    private static final class CounterLines implements AutoCloseable {
        private final Journal journal;
        private final JournalReader reader;
        private final List<LogLine> seen = new ArrayList<>();

        CounterLines(HostTree tree) throws java.io.IOException {
            journal = Journal.open(JournalOptions.defaults(tree.state().resolve("journal"), Origin.TOOL).readingOnly());
            reader = journal.reader(Stream.LOGS);
        }

        synchronized List<LogLine> now() {
            for (Optional<Recorded> next; (next = reader.next()).isPresent(); ) {
                if (next.get().event() instanceof LogLine l && l.service().equals("counter") && l.stream() == LogStream.STDOUT) seen.add(l);
            }
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            reader.close();
            journal.close();
        }
    }
}
