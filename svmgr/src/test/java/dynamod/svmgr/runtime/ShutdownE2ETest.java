package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.Event;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shutdown exit} over the control socket: reverse dependency order, independent services in parallel, init exits 0. */
class ShutdownE2ETest {

    @TempDir
    Path dir;

    /** A service that takes {@code seconds} to stop after SIGTERM. */
    private static String slowToStop(String seconds) {
        return EndToEnd.sh("trap 'sleep " + seconds + "; exit 0' TERM; while :; do sleep 0.05; done");
    }

    @Test
    void shutdownStopsInReverseDependencyOrderInParallelAndInitExitsZero() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "a", slowToStop("0.1"));
        HostTree.service(config, "b", slowToStop("0.4") + "[dependencies]\nrequires = [\"a\"]\n");
        HostTree.service(config, "c", slowToStop("0.4"));
        HostTree.service(config, "d", slowToStop("0.4"));
        try (HostTree tree = HostTree.start(dir)) {
            Map<String, Integer> pids = new HashMap<>();
            for (String s : List.of("a", "b", "c", "d")) {
                tree.awaitState(s, "running");
                pids.put(s, tree.pidOf(s));
            }
            Map<String, Object> r = tree.call("shutdown", "kind", "exit", "caller", "the-test");
            assertEquals(true, r.get("ok"), r::toString);
            assertEquals(0, tree.awaitExit(Duration.ofSeconds(60)), tree::log);

            for (var e : pids.entrySet()) assertFalse(EndToEnd.alive(e.getValue()), e.getKey() + " is gone");
            assertFalse(Files.exists(tree.runDir().resolve("control.sock")), "the control socket went with the manager");

            List<Event> events = tree.events(Stream.EVENTS).stream().map(Recorded::event).toList();
            ShutdownRequested requested = (ShutdownRequested) events.get(EndToEnd.indexOf(events, e -> e instanceof ShutdownRequested));
            assertEquals("exit", requested.kind());
            assertTrue(requested.requestedBy().contains("the-test"), requested::toString);
            int finishedAt = EndToEnd.indexOf(events, e -> e instanceof ShutdownFinished);
            ShutdownFinished finished = (ShutdownFinished) events.get(finishedAt);
            assertEquals("exit", finished.kind());
            assertTrue(finished.clean(), finished::toString);
            assertEquals(0, finished.killed());

            Map<String, Integer> signalled = new HashMap<>(), exited = new HashMap<>();
            for (String s : pids.keySet()) {
                int pid = pids.get(s);
                signalled.put(s, EndToEnd.indexOf(events, e -> e instanceof ServiceSignalled x && x.pid() == pid && x.signal() == 15));
                exited.put(s, EndToEnd.indexOf(events, e -> e instanceof ServiceExited x && x.pid() == pid && x.mainProcess()));
                assertTrue(signalled.get(s) >= 0 && exited.get(s) > signalled.get(s), s + ": " + events);
                assertTrue(exited.get(s) < finishedAt, s + " stopped before the shutdown finished");
                int exit = exited.get(s);
                assertTrue(((ServiceExited) events.get(exit)).status().success(), s + " stopped cleanly through its trap");
            }
            // b requires a: b goes first, and a is only asked to stop once b is gone.
            assertTrue(exited.get("b") < exited.get("a"), "b's exit comes before a's");
            assertTrue(exited.get("b") < signalled.get("a"), "a is signalled only after b exited");
            // b, c and d depend on nothing that stops after them: all three are asked at once, before any of them is gone.
            int lastSignal = Math.max(signalled.get("b"), Math.max(signalled.get("c"), signalled.get("d")));
            int firstExit = Math.min(exited.get("b"), Math.min(exited.get("c"), exited.get("d")));
            assertTrue(lastSignal < firstExit, "independent services stop in parallel: " + events);
        }
    }

    @Test
    void sigtermToInitShutsDownAndKillsWhatOutlastsTheShutdownTimeout() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "stubborn", EndToEnd.sh("trap '' TERM; while :; do sleep 0.05; done") + "[shutdown]\nstop-timeout = \"60s\"\n");
        HostTree.service(config, "polite", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir, "--shutdown-timeout", "1")) {
            tree.awaitState("stubborn", "running");
            tree.awaitState("polite", "running");
            int stubborn = tree.pidOf("stubborn"), polite = tree.pidOf("polite");
            ProcessHandle.of(tree.initPid()).orElseThrow().destroy(); // SIGTERM, as bin/dynamod down sends
            assertEquals(0, tree.awaitExit(Duration.ofSeconds(60)), tree::log);
            assertFalse(EndToEnd.alive(stubborn));
            assertFalse(EndToEnd.alive(polite));
            ShutdownRequested requested = tree.events(ShutdownRequested.class).getFirst();
            assertEquals("exit", requested.kind());
            assertTrue(requested.requestedBy().contains("dynamod-init"), requested::toString);
            assertEquals(1000, requested.timeoutMillis());
            ShutdownFinished finished = tree.events(ShutdownFinished.class).getFirst();
            assertFalse(finished.clean(), "stubborn outlasted the shutdown timeout: " + finished);
            assertEquals(1, finished.killed(), finished::toString);
            assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == stubborn && e.status().signal() == 9));
            assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == polite && e.status().signal() == 15));
        }
    }
}
