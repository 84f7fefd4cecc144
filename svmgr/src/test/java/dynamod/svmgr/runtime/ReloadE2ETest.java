package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reload}: the dry run's plan, a configuration switch that restarts only what changed, and SIGHUP to one service. */
class ReloadE2ETest {

    @TempDir
    Path dir;

    @Test
    void reloadPlansSwitchesAndSignals() throws Exception {
        Path config = HostTree.config(dir);
        Path hup = dir.resolve("hup.marker");
        HostTree.service(config, "x", EndToEnd.sleeper());
        HostTree.service(config, "y", EndToEnd.sleeper());
        HostTree.service(config, "z", EndToEnd.sh("trap 'echo hup >> " + hup + "' HUP; while :; do sleep 0.05; done"));
        HostTree.service(config, "old", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir)) {
            Map<String, Integer> before = new HashMap<>();
            for (String s : List.of("x", "y", "z", "old")) {
                tree.awaitState(s, "running");
                before.put(s, tree.pidOf(s));
            }
            int loads = tree.events(ConfigurationLoaded.class).size();

            // The new configuration: y runs something else, old is gone, n is new.
            HostTree.service(config, "y", "exec = [\"/bin/sleep\", \"601\"]\n");
            Files.delete(config.resolve("services/old.toml"));
            HostTree.service(config, "n", EndToEnd.sleeper());

            Map<String, Object> dry = tree.call("reload", "dryRun", true);
            assertEquals(true, dry.get("ok"), dry::toString);
            assertEquals(true, dry.get("dryRun"));
            String plan = (String) dry.get("plan");
            assertTrue(Pattern.compile("(?m)^restart\\s+service\\s+y\\b.*exec").matcher(plan).find(), plan);
            assertTrue(Pattern.compile("(?m)^remove\\s+service\\s+old\\b").matcher(plan).find(), plan);
            assertTrue(Pattern.compile("(?m)^add\\s+service\\s+n\\b").matcher(plan).find(), plan);
            assertFalse(Pattern.compile("(?m)^\\w+\\s+service\\s+[xz]\\b").matcher(plan).find(), "x and z are unchanged: " + plan);
            // ... and nothing changed.
            assertEquals(loads, tree.events(ConfigurationLoaded.class).size(), "a dry run loads nothing");
            for (var e : before.entrySet()) assertEquals(e.getValue(), tree.pidOf(e.getKey()), e.getKey());
            assertEquals(List.of("/bin/sleep", "600"), tree.status("y").get("exec"));
            assertTrue(((List<?>) tree.call("status", "services", List.of("n")).get("unknown")).contains("n"));

            Map<String, Object> switched = tree.call("reload");
            assertEquals(true, switched.get("ok"), switched::toString);
            assertEquals(plan, switched.get("plan"), "it did what the dry run said");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals("running", tree.stateOf("y"));
                assertNotEquals(before.get("y"), tree.pidOf("y"));
                assertEquals("running", tree.stateOf("n"));
            });
            assertEquals(List.of("/bin/sleep", "601"), tree.status("y").get("exec"));
            assertEquals(before.get("x"), tree.pidOf("x"), "x kept its process");
            assertEquals(before.get("z"), tree.pidOf("z"), "z kept its process");
            assertFalse(EndToEnd.alive(before.get("y")));
            await().atMost(Duration.ofSeconds(30)).until(() -> !EndToEnd.alive(before.get("old")));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ((List<?>) tree.call("status", "services", List.of("old")).get("unknown")).contains("old"));
            assertEquals(loads + 1, tree.events(ConfigurationLoaded.class).size());

            // reload NAME: SIGHUP to its main process, which its trap records; it keeps running.
            Map<String, Object> r = tree.call("reload", "service", "z");
            assertEquals(true, r.get("ok"), r::toString);
            EndToEnd.awaitFile(hup);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(hup).strip().equals("hup"));
            assertTrue(EndToEnd.serviceEvents(tree, "z").stream().anyMatch(e -> e instanceof ServiceSignalled s && s.signal() == 1
                    && s.pid() == before.get("z")));
            assertEquals("running", tree.stateOf("z"));
            assertEquals(before.get("z"), tree.pidOf("z"));

            // A file with errors never stops what runs: y keeps its running version and its process.
            int y = tree.pidOf("y");
            HostTree.service(config, "y", "exec = [\"/bin/sleep\", \"602\"]\nnot a key = \n");
            Map<String, Object> broken = tree.call("reload");
            assertTrue(((Number) broken.get("errors")).intValue() > 0, broken::toString);
            assertTrue(!((List<?>) broken.get("diagnostics")).isEmpty(), broken::toString);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> tree.pidOf("y") == y);
            assertEquals("running", tree.stateOf("y"));
            assertEquals(List.of("/bin/sleep", "601"), tree.status("y").get("exec"));

            // A stopped service has nothing to reload: refused, with the reason.
            assertEquals(true, tree.call("stop", "service", "x").get("ok"));
            tree.awaitState("x", "stopped");
            Map<String, Object> refused = tree.call("reload", "service", "x");
            assertEquals(false, refused.get("ok"), refused::toString);
            assertEquals("rejected", refused.get("code"));
        }
    }
}
