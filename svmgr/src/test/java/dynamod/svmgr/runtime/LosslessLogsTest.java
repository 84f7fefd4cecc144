package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service floods its stdout while svmgr and then logd are killed again and again: every line is in the journal
 * exactly once, and the built-in logd comes back each time.
 */
class LosslessLogsTest {

    private static final int LINES = 120_000;

    @TempDir
    Path dir;

    @Test
    void everyLineOnceThroughKillsOfSvmgrAndLogd() throws Exception {
        Path config = HostTree.config(dir);
        // About 20,000 lines a second (ten lines, then half a millisecond), then it stays.
        HostTree.service(config, "counter", "exec = [\"perl\", \"-e\", "
                + EndToEnd.str("$| = 1; for my $i (1.." + LINES + ") { print \"$i\\n\"; select(undef, undef, undef, 0.0005) if $i % 10 == 0 } sleep 100000")
                + "]\n[logs]\nrate-limit-burst = 0\n");
        try (HostTree tree = HostTree.start(dir, "--logd")) {
            tree.awaitState(BuiltinServices.LOGD, "running");
            tree.awaitState("counter", "running");
            int writer = tree.pidOf("counter");
            int seen = 0;
            for (int kill = 0; kill < 3; kill++) {
                int before = seen;
                await().atMost(Duration.ofSeconds(60)).until(() -> lines(tree).size() > before + 5_000);
                seen = lines(tree).size();
                int svmgr = tree.svmgrPid();
                ProcessHandle.of(svmgr).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> tree.ping().map(p -> ((Number) p.get("pid")).intValue() != svmgr).orElse(false));
            }
            for (int kill = 0; kill < 2; kill++) {
                int before = lines(tree).size();
                await().atMost(Duration.ofSeconds(60)).until(() -> lines(tree).size() > before + 5_000);
                int logd = tree.pidOf(BuiltinServices.LOGD);
                ProcessHandle.of(logd).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                        tree.stateOf(BuiltinServices.LOGD).equals("running") && tree.pidOf(BuiltinServices.LOGD) != logd);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> lines(tree).size() >= LINES);
            List<LogLine> lines = lines(tree);
            List<Integer> wrong = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String text = new String(lines.get(i).message(), StandardCharsets.UTF_8);
                if (!text.equals(String.valueOf(i + 1)) || lines.get(i).flags() != 0) wrong.add(i);
            }
            assertTrue(wrong.isEmpty(), "lines out of place (index): " + wrong.subList(0, Math.min(20, wrong.size()))
                    + " e.g. " + (wrong.isEmpty() ? "" : lines.get(wrong.getFirst())));
            assertEquals(LINES, lines.size(), "every number once, none twice");
            assertEquals(writer, tree.pidOf("counter"), "the writer never saw a broken pipe");
            assertEquals("running", tree.stateOf("counter"));
        }
    }

    private static List<LogLine> lines(HostTree tree) throws Exception {
        List<LogLine> out = new ArrayList<>();
        for (Recorded r : tree.events(Stream.LOGS)) {
            if (r.event() instanceof LogLine l && l.service().equals("counter") && l.stream() == dynamod.journal.event.LogStream.STDOUT) out.add(l);
        }
        return out;
    }
}
