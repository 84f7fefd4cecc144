package dynamod.svmgr.runtime;

import dynamod.linux.ProcStat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.SystemEvent.ManagerHung;
import dynamod.journal.event.SystemEvent.ManagerRecovered;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** svmgr dies (kill -9, or hangs) while services run, crash and restart; init restarts it and nothing is lost. */
class SvmgrCrashTest {

    private static final List<String> STABLE = List.of("stable1", "stable2", "chatty");
    private static final List<String> CRASHY = List.of("crashy1", "crashy2", "crashy3");

    @TempDir
    Path dir;

    @Test
    void twentyKillsOfSvmgrLoseNothingAndDuplicateNothing() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.supervisor(config, "root", "[restart]\nmax-restarts = 100000\nmax-restart-window = \"1s\"\n");
        HostTree.service(config, "stable1", "exec = [\"/bin/sleep\", \"100000\"]\n");
        HostTree.service(config, "stable2", "exec = [\"/bin/sh\", \"-c\", \"echo >&3; exec sleep 100000\"]\n"
                + "[readiness]\ntype = \"fd\"\nfd = 3\n");
        // Writes all the time: if its pipe broke while svmgr was down, SIGPIPE would kill it (and its pid change).
        HostTree.service(config, "chatty", "exec = [\"/bin/sh\", \"-c\", \"while :; do echo tick; sleep 0.01; done\"]\n");
        for (String name : CRASHY) {
            HostTree.service(config, name, "exec = [\"/bin/sh\", \"-c\", \"sleep 0.2; exit 3\"]\n"
                    + "[restart]\npolicy = \"permanent\"\ndelay = \"50ms\"\nmax-delay = \"50ms\"\nmax-restarts = 100000\n");
        }
        try (HostTree tree = HostTree.start(dir)) {
            for (String s : STABLE) tree.awaitState(s, "running");
            Map<String, Integer> stablePids = new HashMap<>();
            for (String s : STABLE) stablePids.put(s, tree.pidOf(s));

            for (int kill = 0; kill < 20; kill++) {
                int svmgr = tree.svmgrPid();
                long spawnedBefore = tree.events(ServiceSpawned.class).size();
                // Let the crashy ones crash and restart under this svmgr before it dies.
                await().atMost(Duration.ofSeconds(30)).until(() -> tree.events(ServiceSpawned.class).size() > spawnedBefore + 1);
                ProcessHandle.of(svmgr).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> tree.ping().map(p -> ((Number) p.get("pid")).intValue() != svmgr).orElse(false));
            }

            // Quiesce: stop the crashy ones, so that the live state holds still for the comparison.
            for (String s : CRASHY) assertEquals(Boolean.TRUE, tree.call("stop", "service", s).get("ok"));
            for (String s : CRASHY) tree.awaitState(s, "stopped");

            assertEquals(21, tree.events(ManagerStarted.class).size(), "one svmgr per kill, plus the first");
            List<ManagerRecovered> recovered = tree.events(ManagerRecovered.class);
            assertEquals(20, recovered.size());
            for (String s : STABLE) {
                assertEquals("running", tree.stateOf(s), s);
                assertEquals(stablePids.get(s), tree.pidOf(s), s + " was never restarted: the same process throughout");
            }
            assertTrue(recovered.stream().allMatch(r -> r.processesAdopted() >= STABLE.size()), "stable services adopted: " + recovered);

            // The live state is what the events say: replay this boot's journal and compare.
            UUID boot = UUID.fromString((String) tree.ping().orElseThrow().get("bootId"));
            State replayed = new State();
            List<Recorded> events = tree.events(Stream.EVENTS);
            for (Recorded r : events) if (r.bootId().equals(boot)) Core.apply(replayed, r.event(), r.monotonicNanos());
            for (String s : STABLE) replayedMatches(tree, replayed, s);
            for (String s : CRASHY) replayedMatches(tree, replayed, s);

            // Every main process spawned either runs now or has its exit recorded, exactly once; none is unknown.
            Set<Integer> live = new HashSet<>();
            for (String s : STABLE) live.add(tree.pidOf(s));
            Map<Integer, Integer> exits = new HashMap<>();
            List<ServiceExited> exited = tree.events(ServiceExited.class);
            for (ServiceExited e : exited) if (e.mainProcess()) exits.merge(e.pid(), 1, Integer::sum);
            List<Integer> unaccounted = new ArrayList<>();
            for (ServiceSpawned sp : tree.events(ServiceSpawned.class)) {
                int n = exits.getOrDefault(sp.pid(), 0);
                if (live.contains(sp.pid()) ? n != 0 : n != 1) unaccounted.add(sp.pid());
            }
            assertTrue(unaccounted.isEmpty(), "spawned pids neither running nor exited exactly once: " + unaccounted);
            List<ServiceExited> guessed = exited.stream().filter(e -> e.status().code() == -1 && !e.status().bySignal()).toList();
            assertTrue(guessed.isEmpty(), "no exit had to be guessed (init reports every one): " + guessed + "\n" + tree.log());

            // No duplicates: one live process per running service, the one the manager names (among this tree's
            // processes: another tree on the machine may run a service of the same name).
            for (String s : STABLE) {
                List<Long> processes = ProcessHandle.allProcesses()
                        .filter(h -> descendsFrom(h, tree.initPid()))
                        .filter(h -> ProcStat.service((int) h.pid()).filter(s::equals).isPresent())
                        .filter(h -> h.parent().map(p -> !ProcStat.service((int) p.pid()).isPresent()).orElse(true))
                        .map(ProcessHandle::pid).toList();
                assertEquals(List.of((long) tree.pidOf(s)), processes, s + ": exactly one main process");
            }
        }
    }

    private static boolean descendsFrom(ProcessHandle process, long ancestor) {
        for (Optional<ProcessHandle> p = process.parent(); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == ancestor) return true;
        }
        return false;
    }

    private static void replayedMatches(HostTree tree, State replayed, String service) throws Exception {
        ServiceRuntime r = replayed.runtimeOf(service).orElseThrow();
        assertEquals(tree.stateOf(service), r.state().name().toLowerCase(java.util.Locale.ROOT), service + ": state from the journal");
        assertEquals(tree.pidOf(service), r.pid(), service + ": pid from the journal");
    }

    @Test
    void aHungSvmgrIsKilledAndReplacedAndServicesKeepRunning() throws Exception {
        Path config = HostTree.config(dir);
        HostTree.service(config, "steady", "exec = [\"/bin/sleep\", \"100000\"]\n");
        try (HostTree tree = HostTree.start(dir, List.of("--heartbeat-timeout", "1500"))) {
            tree.awaitState("steady", "running");
            int pid = tree.pidOf("steady");
            int svmgr = tree.svmgrPid();
            dynamod.linux.Posix.kill(svmgr, dynamod.linux.Signals.SIGSTOP); // alive, but silent
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> tree.ping().map(p -> ((Number) p.get("pid")).intValue() != svmgr).orElse(false));
            List<ManagerHung> hung = tree.events(ManagerHung.class);
            assertEquals(1, hung.size(), "init recorded the hang");
            assertEquals(svmgr, hung.getFirst().pid());
            assertTrue(hung.getFirst().silentMillis() >= 1500, "silent for at least the timeout: " + hung.getFirst());
            assertFalse(ProcessHandle.of(svmgr).map(ProcessHandle::isAlive).orElse(false), "the hung svmgr was killed");
            assertEquals("running", tree.stateOf("steady"));
            assertEquals(pid, tree.pidOf("steady"));
        }
    }
}
