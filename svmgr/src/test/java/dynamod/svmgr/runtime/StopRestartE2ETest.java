package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ServiceEvent;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStopCommandStarted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stop, restart and stop-exec against real processes; one tree, one service per case. */
class StopRestartE2ETest {

    @TempDir
    static Path dir;

    static HostTree tree;

    static final List<String> SERVICES = List.of("sigint", "stubborn", "forker", "stopexec", "restarted", "sticky", "twice",
            "badstopexec", "group");

    @BeforeAll
    static void startTree() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "sigint", EndToEnd.sh("trap 'echo interrupted > " + dir.resolve("sigint.marker") + "; exit 0' INT; "
                + "while :; do sleep 0.05; done") + "[shutdown]\nstop-signal = \"SIGINT\"\n");
        HostTree.service(config, "stubborn", EndToEnd.sh("trap '' TERM; while :; do sleep 0.05; done")
                + "[shutdown]\nstop-timeout = \"300ms\"\n");
        HostTree.service(config, "forker", EndToEnd.sh("sleep 600 & echo $! > " + dir.resolve("forker.child") + "; exec sleep 600"));
        // stop-exec asks the service to end through a file: no signal is involved at all.
        Path stopFile = dir.resolve("stopexec.stop");
        HostTree.service(config, "stopexec", EndToEnd.sh("while [ ! -e " + stopFile + " ]; do sleep 0.05; done; exit 0")
                + "[shutdown]\nstop-exec = [\"/usr/bin/touch\", \"" + stopFile + "\"]\nstop-timeout = \"20s\"\n");
        HostTree.service(config, "restarted", EndToEnd.sleeper() + "[restart]\ndelay = \"20ms\"\n");
        HostTree.service(config, "sticky", EndToEnd.sleeper() + "[restart]\ndelay = \"20ms\"\n");
        HostTree.service(config, "twice", EndToEnd.sh("trap 'sleep 0.3; exit 0' TERM; while :; do sleep 0.05; done"));
        HostTree.service(config, "badstopexec", EndToEnd.sleeper() + "[shutdown]\nstop-exec = [\"/nonexistent/stop\"]\nstop-timeout = \"300ms\"\n");
        // Each instance records whether the last one's background child still lived when it started.
        Path child = dir.resolve("group.child"), overlap = dir.resolve("group.overlap");
        HostTree.service(config, "group", EndToEnd.sh("c=$(cat " + child + " 2>/dev/null); st=$(grep State /proc/$c/status 2>/dev/null); "
                + "case x$st in x) ;; *Z*) ;; *) echo $c $st >> " + overlap + ";; esac; "
                + "sleep 600 & echo $! > " + child + "; exec sleep 600"));
        tree = HostTree.start(dir);
        for (String s : SERVICES) tree.awaitState(s, "running");
    }

    @AfterAll
    static void stopTree() throws Exception {
        if (tree != null) tree.close();
    }

    private static Map<String, Object> ok(Map<String, Object> response) {
        assertEquals(true, response.get("ok"), response::toString);
        return response;
    }

    private static List<ServiceSignalled> signals(String service) throws Exception {
        return EndToEnd.serviceEvents(tree, service).stream().filter(e -> e instanceof ServiceSignalled).map(e -> (ServiceSignalled) e).toList();
    }

    @Test
    void stopSendsTheConfiguredStopSignal() throws Exception {
        int pid = tree.pidOf("sigint");
        ok(tree.call("stop", "service", "sigint"));
        tree.awaitState("sigint", "stopped");
        assertEquals("interrupted", Files.readString(dir.resolve("sigint.marker")).strip(), "the trap saw SIGINT");
        assertEquals(List.of(2), signals("sigint").stream().map(ServiceSignalled::signal).toList());
        assertFalse(EndToEnd.alive(pid));
        assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == pid && e.status().code() == 0 && !e.status().bySignal()),
                "it exited 0 from its trap");
    }

    @Test
    void aServiceThatIgnoresSigtermIsKilledAfterItsStopTimeout() throws Exception {
        int pid = tree.pidOf("stubborn");
        ok(tree.call("stop", "service", "stubborn"));
        tree.awaitState("stubborn", "stopped");
        List<ServiceSignalled> sent = signals("stubborn");
        assertEquals(List.of(15, 9), sent.stream().map(ServiceSignalled::signal).toList(), sent::toString);
        assertTrue(sent.get(1).group(), "SIGKILL goes to the whole group");
        assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == pid && e.status().signal() == 9));
        assertFalse(EndToEnd.alive(pid));
    }

    @Test
    void stopTakesTheWholeProcessGroup() throws Exception {
        EndToEnd.awaitFile(dir.resolve("forker.child"));
        int child = Integer.parseInt(Files.readString(dir.resolve("forker.child")).strip());
        int main = tree.pidOf("forker");
        assertTrue(EndToEnd.alive(child) && EndToEnd.alive(main));
        ok(tree.call("stop", "service", "forker"));
        tree.awaitState("forker", "stopped");
        assertFalse(EndToEnd.alive(main), "the main process is gone");
        assertFalse(EndToEnd.alive(child), "the background child it forked is gone too");
    }

    @Test
    void stopExecRunsInsteadOfTheStopSignal() throws Exception {
        int pid = tree.pidOf("stopexec");
        ok(tree.call("stop", "service", "stopexec"));
        tree.awaitState("stopexec", "stopped");
        assertTrue(Files.exists(dir.resolve("stopexec.stop")), "stop-exec ran");
        List<ServiceEvent> events = EndToEnd.serviceEvents(tree, "stopexec");
        assertTrue(events.stream().anyMatch(e -> e instanceof ServiceStopCommandStarted), events::toString);
        assertEquals(List.of(), signals("stopexec"), "no stop signal, and no SIGKILL: the service ended by itself");
        assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == pid && e.status().success()),
                "the service saw the file and exited 0");
    }

    @Test
    void restartGivesANewProcessAndNeverTwo() throws Exception {
        int old = tree.pidOf("restarted");
        ok(tree.call("restart", "service", "restarted"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertEquals("running", tree.stateOf("restarted"));
            assertNotEquals(old, tree.pidOf("restarted"));
        });
        int now = tree.pidOf("restarted");
        assertFalse(EndToEnd.alive(old));
        assertTrue(EndToEnd.alive(now));
        List<ServiceEvent> events = EndToEnd.serviceEvents(tree, "restarted");
        int exited = EndToEnd.indexOf(events, e -> e instanceof ServiceExited x && x.pid() == old);
        int spawned = EndToEnd.indexOf(events, e -> e instanceof ServiceSpawned x && x.pid() == now);
        assertTrue(exited >= 0 && spawned > exited, "the old process exited before the new one was spawned: " + events);
        // A restart command is no failure: nothing counted against the service.
        assertEquals(0, ((Number) tree.status("restarted").get("restarts")).intValue());
    }

    @Test
    void restartNeverRunsBesideTheLastInstancesGroup() throws Exception {
        for (int i = 0; i < 5; i++) {
            int old = tree.pidOf("group");
            EndToEnd.awaitFile(dir.resolve("group.child"));
            int child = Integer.parseInt(Files.readString(dir.resolve("group.child")).strip());
            ok(tree.call("restart", "service", "group"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(tree.stateOf("group")) && tree.pidOf("group") != old);
            assertFalse(EndToEnd.alive(child), "the last instance's background child is gone");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("group.child"))
                    && Integer.parseInt(Files.readString(dir.resolve("group.child")).strip()) != child);
        }
        assertFalse(Files.exists(dir.resolve("group.overlap")), () -> "a new instance saw the last one's child alive: "
                + EndToEnd.read(dir.resolve("group.overlap")));
    }

    @Test
    void aSecondRestartWhileTheFirstStopsChangesNothing() throws Exception {
        int old = tree.pidOf("twice");
        ok(tree.call("restart", "service", "twice"));
        ok(tree.call("restart", "service", "twice")); // it takes 0.3 s to stop: this one comes while it stops
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertEquals("running", tree.stateOf("twice"));
            assertNotEquals(old, tree.pidOf("twice"));
        });
        int now = tree.pidOf("twice");
        // Still the same one a little later: the second restart did not restart it once more.
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> tree.pidOf("twice") == now);
        List<ServiceEvent> events = EndToEnd.serviceEvents(tree, "twice");
        assertEquals(2, events.stream().filter(e -> e instanceof ServiceSpawned).count(), events::toString);
        assertEquals(List.of(15), signals("twice").stream().map(ServiceSignalled::signal).toList(), "one stop signal");
        assertTrue(EndToEnd.indexOf(events, e -> e instanceof ServiceExited x && x.pid() == old)
                < EndToEnd.indexOf(events, e -> e instanceof ServiceSpawned x && x.pid() == now));
    }

    @Test
    void aStopExecThatCannotRunIsEscalatedToSigkillAfterTheTimeout() throws Exception {
        int pid = tree.pidOf("badstopexec");
        ok(tree.call("stop", "service", "badstopexec"));
        tree.awaitState("badstopexec", "stopped");
        assertFalse(EndToEnd.alive(pid));
        assertEquals(List.of(9), signals("badstopexec").stream().map(ServiceSignalled::signal).toList());
        assertTrue(tree.events(dynamod.journal.event.LogEvent.LogLine.class).stream().anyMatch(l -> l.service().equals("badstopexec")
                && new String(l.message(), java.nio.charset.StandardCharsets.UTF_8).contains("stop-exec failed")), "the failure is in its log");
    }

    @Test
    void restartStartsAStoppedService() throws Exception {
        // sticky's own test stops and starts it; this one needs it stopped first, and leaves it running.
        ok(tree.call("stop", "service", "restarted"));
        tree.awaitState("restarted", "stopped");
        ok(tree.call("restart", "service", "restarted"));
        tree.awaitState("restarted", "running");
        assertTrue(EndToEnd.alive(tree.pidOf("restarted")));
    }

    @Test
    void aManualStopSticksUntilStart() throws Exception {
        int old = tree.pidOf("sticky");
        ok(tree.call("stop", "service", "sticky"));
        tree.awaitState("sticky", "stopped");
        // Its supervisor would restart a crashed service within 20 ms; a stopped one stays stopped.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> "stopped".equals(tree.stateOf("sticky")));
        assertEquals(1, EndToEnd.serviceEvents(tree, "sticky").stream().filter(e -> e instanceof ServiceSpawned).count());
        assertEquals(0, tree.pidOf("sticky"));
        ok(tree.call("start", "service", "sticky"));
        tree.awaitState("sticky", "running");
        assertNotEquals(old, tree.pidOf("sticky"));
        assertTrue(EndToEnd.alive(tree.pidOf("sticky")));
    }
}
