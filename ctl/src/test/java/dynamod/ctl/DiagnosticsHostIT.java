package dynamod.ctl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event-sourced diagnostics against a real host-mode tree ({@code bin/dynamod up -d}): a service blocked by a
 * failed requirement, then a crash loop that exceeds its supervisor's intensity, escalates and makes root give up;
 * {@code why} names the exit behind both, {@code state --at T} prints what {@code list --json} printed at T after
 * everything changed, {@code history} filters, and after init and svmgr are killed (-9) the read-only commands
 * answer from the journal while the others refuse.
 */
class DiagnosticsHostIT {

    /** dynamodctl in this JVM: the same code, without a JVM start per poll. */
    private static CheckCommandTest.Run ctl(String... args) {
        return CheckCommandTest.run(args);
    }

    @Test
    void whyStateAtHistoryAndTheOfflineViews(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("services"));
        Files.createDirectories(config.resolve("supervisors"));
        Path crash = dir.resolve("crash");
        Files.writeString(config.resolve("supervisors/root.toml"), "[supervisor]\nname = \"root\"\n[restart]\nmax-restarts = 1\n"
                + "max-restart-window = \"10m\"\n");
        Files.writeString(config.resolve("supervisors/data.toml"), "[supervisor]\nname = \"data\"\n[restart]\nmax-restarts = 2\n"
                + "max-restart-window = \"10m\"\n");
        Files.writeString(config.resolve("services/alpha.toml"), "[service]\nname = \"alpha\"\nexec = [\"/bin/sleep\", \"600\"]\n");
        Files.writeString(config.resolve("services/db.toml"), "[service]\nname = \"db\"\nexec = [\"/bin/sh\", \"-c\", \"exit 1\"]\n"
                + "[restart]\npolicy = \"temporary\"\n");
        Files.writeString(config.resolve("services/web.toml"), "[service]\nname = \"web\"\nexec = [\"/bin/sleep\", \"600\"]\n"
                + "[dependencies]\nrequires = [\"db\"]\n");
        // Runs until the crash file exists, then exits 1 at every start: a crash loop on demand.
        Files.writeString(config.resolve("services/store.toml"), "[service]\nname = \"store\"\nsupervisor = \"data\"\n"
                + "exec = [\"/bin/sh\", \"-c\", \"while [ ! -e " + crash + " ]; do sleep 0.05; done; exit 1\"]\n"
                + "[restart]\ndelay = \"0s\"\nmax-restarts = 1000\n");
        Path state = dir.resolve("state");
        String run = state.resolve("run").toString();
        String journal = state.resolve("journal").toString();

        HostCommands.Result up = HostCommands.run("bin/dynamod", "up", "-d", "--config", config.toString(), "--state", state.toString());
        assertEquals(0, up.exit(), up::toString);
        long initPid = Long.parseLong(Files.readString(state.resolve("run/init.pid")).strip());
        List<ProcessHandle> tree = new ArrayList<>();
        try {
            // 1. web is blocked because db (temporary) failed.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Map<String, Object>> s = byName(list(run));
                assertEquals("running", s.get("alpha").get("state"));
                assertEquals("failed", s.get("db").get("state"));
                assertEquals("blocked", s.get("web").get("state"));
                assertEquals("running", s.get("store").get("state"));
                assertEquals("running", s.get("dynamod-logd").get("state"));
            });
            String listedAtT = list(run);
            String treeAtT = ctl("tree", "--runtime-dir", run, "--json").out();
            Instant t = Instant.now();

            CheckCommandTest.Run whyWeb = ctl("why", "web", "--state", state.toString(), "--json");
            assertEquals(0, whyWeb.exit(), whyWeb::toString);
            Map<String, Object> root = rootCause(whyWeb.out());
            assertTrue(String.valueOf(root.get("text")).matches("db's process \\d+ exited 1"), whyWeb.out());

            // 2. store's crash loop: data restarts it twice, escalates; root restarts data once, then gives up.
            Files.writeString(crash, "");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Map<String, Object>> s = byName(list(run));
                assertEquals("blocked", s.get("store").get("state"), s::toString);
                assertEquals("blocked", s.get("alpha").get("state"), s::toString);
            });
            CheckCommandTest.Run whyStore = ctl("why", "store", "--state", state.toString());
            assertEquals(0, whyStore.exit(), whyStore::toString);
            String chain = whyStore.out();
            assertTrue(chain.contains("supervisor root gave up (give-up = stop)"), chain);
            assertTrue(chain.contains("the restart too many: supervisor data escalated to root"), chain);
            assertTrue(chain.contains("supervisor data exceeded its restart intensity: restart 3 within 10m, at most 2 allowed"), chain);
            assertTrue(chain.lines().toList().getLast().matches("root cause: store's process \\d+ exited 1  \\[#[0-9a-f]+ [0-9:.]+]"), chain);
            CheckCommandTest.Run whyAlpha = ctl("why", "alpha", "--state", state.toString(), "--json");
            assertTrue(String.valueOf(rootCause(whyAlpha.out()).get("text")).matches("store's process \\d+ exited 1"), whyAlpha.out());

            // 3. The past is as it was: state --at T prints what list and tree printed at T.
            CheckCommandTest.Run stateAtT = ctl("state", "--at", t.toString(), "--state", state.toString(), "--json");
            assertEquals(0, stateAtT.exit(), stateAtT::toString);
            assertSameList(listedAtT, stateAtT.out());
            CheckCommandTest.Run treeThen = ctl("state", "--at", t.toString(), "--state", state.toString(), "tree", "--json");
            assertEquals(JsonParser.parse(treeAtT.strip()), JsonParser.parse(treeThen.out().strip()));

            // 4. history: store's restarts by data, and root's decisions.
            CheckCommandTest.Run restarts = ctl("history", "--state", state.toString(), "-u", "st*", "--kind", "RestartScheduled");
            assertEquals(0, restarts.exit(), restarts::toString);
            List<String> lines = restarts.out().lines().toList();
            // Twice two: data restarts store twice (the third crash exceeds its intensity), root restarts data, again.
            assertEquals(4, lines.size(), restarts.out());
            for (int i = 0; i < 4; i++) {
                assertTrue(lines.get(i).matches("\\S+ \\S+ store: restart " + (i % 2 + 1) + " by data: exited 1"), restarts.out());
            }
            CheckCommandTest.Run rootDecisions = ctl("history", "--state", state.toString(), "-u", "root", "--kind", "supervisor");
            assertTrue(rootDecisions.out().contains("root: exceeded its restart intensity") && rootDecisions.out().contains("root: gave up"),
                    rootDecisions.out());
            CheckCommandTest.Run since = ctl("history", "--state", state.toString(), "--since", t.toString(), "--kind", "IntensityExceeded");
            assertEquals(3, since.out().lines().count(), since.out()); // data, data again, then root

            // 5. The manager dies (init and svmgr, kill -9): the journal answers the read-only commands.
            ProcessHandle init = ProcessHandle.of(initPid).orElseThrow();
            init.descendants().forEach(tree::add);
            tree.add(init);
            init.destroyForcibly();
            for (ProcessHandle p : tree) p.destroyForcibly();
            await().atMost(Duration.ofSeconds(30)).until(() -> tree.stream().noneMatch(ProcessHandle::isAlive));

            HostCommands.Result offline = HostCommands.run("bin/dynamodctl", "list", "--runtime-dir", run);
            assertEquals(0, offline.exit(), offline::toString);
            assertTrue(offline.out().startsWith("manager not running — journal state as of "), offline::toString);
            assertTrue(offline.out().contains("store") && offline.out().contains("blocked"), offline::toString);
            CheckCommandTest.Run offlineJson = ctl("list", "--runtime-dir", run, "--json");
            assertEquals(0, offlineJson.exit(), offlineJson::toString);
            @SuppressWarnings("unchecked")
            Map<String, Object> offlineField = (Map<String, Object>) first(offlineJson.out()).get("offline");
            String asOf = String.valueOf(offlineField.get("asOf"));
            // The offline list is the state at the journal's last event.
            CheckCommandTest.Run atLast = ctl("state", "--at", asOf, "-D", journal, "--json");
            assertSameList(withoutOffline(offlineJson.out()), atLast.out());
            HostCommands.Result start = HostCommands.run("bin/dynamodctl", "start", "--runtime-dir", run, "store");
            assertEquals(1, start.exit(), start::toString);
            assertTrue(start.err().contains("the manager is not running: start needs it"), start::toString);
            assertEquals(3, ctl("status", "--runtime-dir", run, "store").exit());
        } finally {
            if (ProcessHandle.of(initPid).map(ProcessHandle::isAlive).orElse(false)) {
                HostCommands.Result down = HostCommands.run("bin/dynamod", "down", "--state", state.toString());
                assertEquals(0, down.exit(), down::toString);
            }
            for (ProcessHandle p : tree) p.destroyForcibly();
            ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains(state.toString()) || c.contains(crash.toString()))
                    .orElse(false)).forEach(ProcessHandle::destroyForcibly);
        }
        assertFalse(ProcessHandle.allProcesses().anyMatch(h -> h.isAlive()
                && h.info().commandLine().map(c -> c.contains(state.toString())).orElse(false)), "no process of the tree is left");
    }

    /**
     * Two list outputs agree service by service. "since" is derived from a (monotonic, wall-clock) pair sampled when
     * the list is made, so the live one and the replayed one may round to adjacent milliseconds; all else is equal.
     */
    @SuppressWarnings("unchecked")
    private static void assertSameList(String expected, String actual) {
        Map<String, Map<String, Object>> e = byName(expected), a = byName(actual);
        assertEquals(e.keySet(), a.keySet(), actual);
        for (String name : e.keySet()) {
            Map<String, Object> x = new LinkedHashMap<>(e.get(name)), y = new LinkedHashMap<>(a.get(name));
            long drift = Duration.between(Instant.parse((String) x.remove("since")), Instant.parse((String) y.remove("since"))).abs().toMillis();
            assertTrue(drift <= 2, name + ": since " + e.get(name).get("since") + " then, " + a.get(name).get("since") + " replayed");
            assertEquals(x, y, name);
        }
    }

    private static String list(String run) {
        CheckCommandTest.Run r = ctl("list", "--runtime-dir", run, "--json");
        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.err().contains("manager not running"), "a live answer: " + r);
        return r.out();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> byName(String json) {
        Map<String, Map<String, Object>> byName = new TreeMap<>();
        for (Object o : (List<Object>) JsonParser.parse(json.strip())) byName.put((String) ((Map<String, Object>) o).get("name"), (Map<String, Object>) o);
        return byName;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> first(String json) {
        return (Map<String, Object>) ((List<Object>) JsonParser.parse(json.strip())).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static String withoutOffline(String json) {
        List<Object> list = (List<Object>) JsonParser.parse(json.strip());
        for (Object o : list) ((Map<String, Object>) o).remove("offline");
        return dynamod.journal.text.Json.write(list);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rootCause(String json) {
        Object root = ((Map<String, Object>) JsonParser.parse(json.strip())).get("rootCause");
        assertTrue(root instanceof Map, "a root cause: " + json);
        return (Map<String, Object>) root;
    }
}
