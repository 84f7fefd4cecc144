package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.LogEvent.LogLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostModeSmokeTest {

    @TempDir
    Path dir;

    @Test
    void runsServicesLogsTheirOutputAndSurvivesAnSvmgrCrash() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "hello", "exec = [\"/bin/sh\", \"-c\", \"echo hello from the service; exec sleep 600\"]\n");
        try (HostTree tree = HostTree.start(dir)) {
            tree.awaitState("hello", "running");
            int pid = tree.pidOf("hello");
            org.awaitility.Awaitility.await().untilAsserted(() -> assertTrue(tree.events(LogLine.class).stream()
                    .anyMatch(l -> l.service().equals("hello") && new String(l.message(), StandardCharsets.UTF_8).equals("hello from the service"))));
            int svmgr = tree.svmgrPid();
            ProcessHandle.of(svmgr).orElseThrow().destroyForcibly();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> tree.ping().map(p -> ((Number) p.get("pid")).intValue() != svmgr).orElse(false));
            assertNotEquals(svmgr, tree.svmgrPid());
            assertEquals("running", tree.stateOf("hello"));
            assertEquals(pid, tree.pidOf("hello"), "the same process, adopted, not restarted");
        }
    }
}
