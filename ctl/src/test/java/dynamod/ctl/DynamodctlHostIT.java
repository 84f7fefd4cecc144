package dynamod.ctl;

import dynamod.journal.text.JsonParser;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dynamodctl against a real host-mode tree that {@code bin/dynamod up -d} started and {@code bin/dynamod down} stops,
 * as a user runs them after the build packaged the jars.
 */
class DynamodctlHostIT {

    @Test
    void dynamodctlDrivesAHostTree(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("services"));
        Files.writeString(config.resolve("services/alpha.toml"), "[service]\nname = \"alpha\"\nexec = [\"/bin/sleep\", \"600\"]\n");
        Files.writeString(config.resolve("services/beta.toml"), "[service]\nname = \"beta\"\nexec = [\"/bin/sleep\", \"600\"]\n"
                + "[dependencies]\nrequires = [\"alpha\"]\n");
        Files.writeString(config.resolve("services/broken.toml"), "[service]\nname = \"broken\"\nexec = [\"/bin/sh\", \"-c\", \"echo broken says goodbye; exit 1\"]\n"
                + "[restart]\npolicy = \"temporary\"\n");
        Path state = dir.resolve("state");
        String run = state.resolve("run").toString();

        HostCommands.Result up = HostCommands.run("bin/dynamod", "up", "-d", "--config", config.toString(), "--state", state.toString());
        assertEquals(0, up.exit(), up::toString);
        assertTrue(up.out().contains("dynamod runs"), up::toString);
        int initPid = Integer.parseInt(Files.readString(state.resolve("run/init.pid")).strip());
        List<Long> servicePids = new java.util.ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Map<String, Object>> services = list(run);
                assertEquals("running", services.get("alpha").get("state"));
                assertEquals("running", services.get("beta").get("state"));
                assertEquals("failed", services.get("broken").get("state"));
            });
            Map<String, Map<String, Object>> services = list(run);
            assertEquals(List.of("alpha", "beta", "broken", "dynamod-logd"), services.keySet().stream().sorted().toList());
            long alphaPid = ((Number) services.get("alpha").get("pid")).longValue();
            assertTrue(alphaPid > 0 && ProcessHandle.of(alphaPid).isPresent());

            // status: 0 running, 3 not running, 4 unknown (also among known ones).
            HostCommands.Result status = HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "alpha");
            assertEquals(0, status.exit(), status::toString);
            assertTrue(status.out().contains("alpha") && status.out().contains("running"), status::toString);
            assertTrue(status.out().contains("Main PID: " + alphaPid), status::toString);
            assertEquals(3, HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "broken").exit());
            HostCommands.Result unknown = HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "nope");
            assertEquals(4, unknown.exit(), unknown::toString);
            assertTrue(unknown.err().contains("nope"), unknown::toString);
            assertEquals(4, HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "alpha", "nope").exit());

            // status shows systemctl's fields, and the service's last log lines (from logd).
            assertTrue(status.out().contains("Active: active (running) since "), status::toString);
            assertTrue(status.out().contains("Readiness: immediate; ready after "), status::toString);
            assertTrue(status.out().contains("Restarts: 0 of 5 within 1m"), status::toString);
            HostCommands.Result brokenStatus = HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "broken");
            assertTrue(brokenStatus.out().contains("Active: failed (failed) since "), brokenStatus::toString);
            assertTrue(brokenStatus.out().contains("Last exit: exited 1 at "), brokenStatus::toString);
            assertTrue(brokenStatus.out().contains("broken[") && brokenStatus.out().contains("]: broken says goodbye"), brokenStatus::toString);
            assertFalse(brokenStatus.out().contains("\u001b["), "no colours when stdout is not a terminal");

            // list as a table; is-active and is-failed with systemctl's exit codes.
            HostCommands.Result table = HostCommands.run("bin/dynamodctl", "list", "--runtime-dir", run);
            assertTrue(table.out().startsWith("SERVICE "), table::toString);
            assertTrue(table.out().lines().anyMatch(l -> l.matches("broken +failed +failed .*")), table::toString);
            HostCommands.Result active = HostCommands.run("bin/dynamodctl", "is-active", "--runtime-dir", run, "alpha", "broken");
            assertEquals(new HostCommands.Result(0, "active\nfailed\n", ""), active);
            assertEquals(3, HostCommands.run("bin/dynamodctl", "is-active", "--quiet", "--runtime-dir", run, "broken").exit());
            assertEquals(0, HostCommands.run("bin/dynamodctl", "is-failed", "--quiet", "--runtime-dir", run, "broken").exit());
            assertEquals(1, HostCommands.run("bin/dynamodctl", "is-failed", "--quiet", "--runtime-dir", run, "alpha").exit());

            // A command served over a socket loads no Chronicle class: that is what keeps its start-up short.
            record Served(List<String> words, int exit) {}
            for (Served command : List.of(new Served(List.of("list"), 0), new Served(List.of("status", "alpha", "broken"), 3),
                    new Served(List.of("logs", "-u", "alpha"), 0))) {
                List<String> java = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xlog:class+load=info", "-jar", "ctl/target/dynamodctl.jar"));
                java.addAll(command.words());
                java.add("--runtime-dir=" + run);
                HostCommands.Result loaded = HostCommands.run(java.toArray(String[]::new));
                assertEquals(command.exit(), loaded.exit(), loaded::toString);
                assertTrue(loaded.out().contains("dynamod.ctl.Dynamodctl"), "class loading was logged");
                assertEquals(List.of(), loaded.out().lines().filter(l -> l.contains(" net.openhft.")).limit(5).toList(), command::toString);
            }

            // stop: beta requires alpha, so it goes down with it; status says so; start brings both back.
            HostCommands.Result stop = HostCommands.run("bin/dynamodctl", "stop", "--runtime-dir", run, "alpha");
            assertEquals(0, stop.exit(), stop::toString);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertEquals("stopped", list(run).get("alpha").get("state")));
            assertEquals(3, HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "alpha").exit());
            assertFalse(ProcessHandle.of(alphaPid).map(ProcessHandle::isAlive).orElse(false), "alpha's process is gone");
            HostCommands.Result start = HostCommands.run("bin/dynamodctl", "start", "--runtime-dir", run, "alpha");
            assertEquals(0, start.exit(), start::toString);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Map<String, Object>> now = list(run);
                assertEquals("running", now.get("alpha").get("state"));
                assertEquals("running", now.get("beta").get("state"));
            });
            assertNotEquals(alphaPid, ((Number) list(run).get("alpha").get("pid")).longValue());
            assertEquals(0, HostCommands.run("bin/dynamodctl", "status", "--runtime-dir", run, "alpha", "beta").exit());
            HostCommands.Result stopUnknown = HostCommands.run("bin/dynamodctl", "stop", "--runtime-dir", run, "nope");
            assertEquals(5, stopUnknown.exit(), stopUnknown::toString);

            // tree: root with its three services, as text and as JSON.
            HostCommands.Result tree = HostCommands.run("bin/dynamodctl", "tree", "--runtime-dir", run);
            assertEquals(0, tree.exit(), tree::toString);
            assertTrue(tree.out().startsWith("root [one-for-one, active"), tree::toString);
            for (String s : List.of("alpha running", "beta running", "broken failed")) assertTrue(tree.out().contains(s), tree::toString);
            HostCommands.Result treeJson = HostCommands.run("bin/dynamodctl", "tree", "--runtime-dir", run, "--json");
            assertEquals(0, treeJson.exit(), treeJson::toString);
            @SuppressWarnings("unchecked")
            Map<String, Object> root = (Map<String, Object>) JsonParser.parse(treeJson.out().strip());
            assertEquals("root", root.get("name"));
            assertEquals(4, ((List<?>) root.get("children")).size(), root::toString); // and the built-in dynamod-logd
            for (String s : List.of("alpha", "beta")) servicePids.add(((Number) list(run).get(s).get("pid")).longValue());
        } finally {
            HostCommands.Result down = HostCommands.run("bin/dynamod", "down", "--state", state.toString());
            assertEquals(0, down.exit(), down::toString);
            assertTrue(down.out().contains("stopped"), down::toString);
        }
        assertFalse(ProcessHandle.of(initPid).map(ProcessHandle::isAlive).orElse(false), "init exited");
        assertFalse(Files.exists(state.resolve("run/init.pid")), "init removed its pid file");
        // Nothing answers any more: the journal does, as the state was at its last event (everything shut down).
        HostCommands.Result after = HostCommands.run("bin/dynamodctl", "list", "--runtime-dir", run);
        assertEquals(0, after.exit(), after::toString);
        assertTrue(after.out().startsWith("manager not running — journal state as of "), after::toString);
        assertTrue(after.out().lines().filter(l -> l.startsWith("alpha ")).allMatch(l -> l.contains("stopped")), after::toString);
        HostCommands.Result stopAfter = HostCommands.run("bin/dynamodctl", "stop", "--runtime-dir", run, "alpha");
        assertEquals(1, stopAfter.exit(), stopAfter::toString);
        assertTrue(stopAfter.err().contains("cannot reach the manager"), stopAfter::toString);
        assertEquals(2, servicePids.size());
        for (long pid : servicePids) assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "service " + pid + " stopped");
        assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine().map(c -> c.contains(state.toString())).orElse(false)),
                "no process of the tree is left");
    }

    /** {@code dynamodctl list --json}, by service name. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> list(String run) throws Exception {
        HostCommands.Result r = HostCommands.run("bin/dynamodctl", "list", "--runtime-dir", run, "--json");
        assertEquals(0, r.exit(), r::toString);
        Map<String, Map<String, Object>> byName = new java.util.TreeMap<>();
        for (Object o : (List<Object>) JsonParser.parse(r.out().strip())) {
            Map<String, Object> m = (Map<String, Object>) o;
            byName.put((String) m.get("name"), m);
        }
        return byName;
    }
}
