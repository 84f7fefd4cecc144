package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static dynamod.svmgr.runtime.EndToEnd.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every service type against real processes, in one tree: simple, oneshot, forking (with and without pid-file), notify. */
class ServiceTypesTest {

    @TempDir
    static Path dir;

    static HostTree tree;
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        Path config = HostTree.config(dir);
        work = Files.createDirectories(dir.resolve("work"));
        HostTree.service(config, "simple", sh("echo simple started; exec sleep 600"));
        HostTree.service(config, "oneshot-ok", "type = \"oneshot\"\n" + sh("echo ran > " + work.resolve("oneshot-ran")));
        HostTree.service(config, "oneshot-fail", "type = \"oneshot\"\n" + sh("echo attempt >> " + work.resolve("fail-attempts") + "; exit 3")
                + "[restart]\ndelay = \"100ms\"\nmax-restarts = 1\n");
        HostTree.service(config, "forking-pid", "type = \"forking\"\npid-file = " + str(work.resolve("daemon.pid").toString()) + "\n"
                + sh("sleep 600 & echo $! > " + work.resolve("daemon.pid")));
        HostTree.service(config, "forking-child", "type = \"forking\"\n" + sh("sleep 601 & exit 0"));
        HostTree.service(config, "forking-fail", "type = \"forking\"\n" + sh("exit 1") + "[restart]\npolicy = \"temporary\"\n");
        HostTree.service(config, "notify", "type = \"notify\"\n"
                + sh("while [ ! -e " + work.resolve("notify-gate") + " ]; do sleep 0.02; done; systemd-notify --ready; exec sleep 600"));
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    @Test
    void simpleIsRunningAsSoonAsSpawnedAndItsPidIsTheProcess() throws Exception {
        tree.awaitState("simple", "running");
        int pid = tree.pidOf("simple");
        assertEquals("sleep 600", EndToEnd.cmdline(pid), "the shell exec'd sleep: the same pid");
        assertEquals(tree.svmgrPid(), EndToEnd.parentOf(pid));
        List<ServiceReady> ready = eventsOf(tree, "simple", ServiceReady.class);
        assertEquals(1, ready.size());
        assertEquals("spawn", ready.getFirst().detector());
        assertEquals(pid, ready.getFirst().pid());
    }

    @Test
    void oneshotIsDoneWhenItExitsZero() throws Exception {
        tree.awaitState("oneshot-ok", "done");
        assertEquals("ran\n", Files.readString(work.resolve("oneshot-ran")));
        List<ServiceExited> exits = eventsOf(tree, "oneshot-ok", ServiceExited.class);
        assertEquals(1, exits.size());
        assertEquals(ExitStatus.exited(0), exits.getFirst().status());
        assertTrue(exits.getFirst().mainProcess());
        assertEquals("exit", eventsOf(tree, "oneshot-ok", ServiceReady.class).getFirst().detector());
        assertEquals(0, tree.pidOf("oneshot-ok"));
    }

    @Test
    void oneshotThatExitsNonZeroFailsAfterItsRestarts() throws Exception {
        tree.awaitState("oneshot-fail", "failed");
        assertEquals(List.of("attempt", "attempt"), Files.readAllLines(work.resolve("fail-attempts")), "one run and one restart (max-restarts = 1)");
        List<ServiceExited> exits = eventsOf(tree, "oneshot-fail", ServiceExited.class);
        assertEquals(2, exits.size());
        exits.forEach(e -> assertEquals(ExitStatus.exited(3), e.status()));
        assertEquals(2, eventsOf(tree, "oneshot-fail", ServiceSpawned.class).size());
        assertTrue(eventsOf(tree, "oneshot-fail", ServiceReady.class).isEmpty(), "a failed oneshot was never ready");
        List<ServiceStateChanged> changes = eventsOf(tree, "oneshot-fail", ServiceStateChanged.class);
        assertEquals(ServiceState.FAILED, changes.getLast().to());
        assertTrue(changes.getLast().reason().contains("exited 3"), changes.getLast().reason());
        assertTrue(changes.stream().noneMatch(c -> c.to() == ServiceState.DONE));
    }

    @Test
    void forkingWithPidFileRunsWithTheDaemonsPid() throws Exception {
        tree.awaitState("forking-pid", "running");
        int daemon = Integer.parseInt(Files.readString(work.resolve("daemon.pid")).strip());
        assertEquals(daemon, tree.pidOf("forking-pid"));
        assertEquals("sleep 600", EndToEnd.cmdline(daemon));
        int forker = eventsOf(tree, "forking-pid", ServiceSpawned.class).getFirst().pid();
        assertNotEquals(daemon, forker);
        List<MainPidChanged> changed = eventsOf(tree, "forking-pid", MainPidChanged.class);
        assertEquals(1, changed.size());
        assertEquals(daemon, changed.getFirst().pid());
        List<ServiceExited> exits = eventsOf(tree, "forking-pid", ServiceExited.class);
        assertEquals(1, exits.size(), "only the starting process ended: " + exits);
        assertEquals(ExitStatus.exited(0), exits.getFirst().status());
        assertEquals(forker, exits.getFirst().pid());
        assertEquals("exit", eventsOf(tree, "forking-pid", ServiceReady.class).getFirst().detector());
        // The daemon is the service now: it stays (the manager does not kill the starter's group).
        await().during(Duration.ofMillis(300)).until(() -> ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false)
                && "running".equals(tree.stateOf("forking-pid")));
    }

    @Test
    void forkingWithoutPidFileRunsWithTheSurvivingChild() throws Exception {
        tree.awaitState("forking-child", "running");
        int daemon = tree.pidOf("forking-child");
        assertEquals("sleep 601", EndToEnd.cmdline(daemon));
        assertEquals(tree.svmgrPid(), EndToEnd.parentOf(daemon), "the orphaned daemon is the subreaper's child");
        assertEquals(daemon, eventsOf(tree, "forking-child", MainPidChanged.class).getFirst().pid());
    }

    @Test
    void forkingWhoseStarterFailsIsFailed() throws Exception {
        tree.awaitState("forking-fail", "failed");
        assertEquals(ExitStatus.exited(1), eventsOf(tree, "forking-fail", ServiceExited.class).getFirst().status());
        assertTrue(eventsOf(tree, "forking-fail", MainPidChanged.class).isEmpty());
        assertEquals(0, tree.pidOf("forking-fail"));
    }

    @Test
    void notifyIsStartingUntilReadyOne() throws Exception {
        await().until(() -> tree.pidOf("notify") != 0);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> "starting".equals(tree.stateOf("notify")));
        assertTrue(eventsOf(tree, "notify", ServiceReady.class).isEmpty());
        Files.writeString(work.resolve("notify-gate"), "");
        tree.awaitState("notify", "running");
        List<ServiceReady> ready = eventsOf(tree, "notify", ServiceReady.class);
        assertEquals(1, ready.size());
        assertEquals("notify", ready.getFirst().detector());
        assertEquals(tree.pidOf("notify"), ready.getFirst().pid());
        int pid = tree.pidOf("notify");
        await().until(() -> EndToEnd.cmdline(pid).equals("sleep 600")); // the script goes on after READY=1: same process
        assertFalse(eventsOf(tree, "notify", ServiceStateChanged.class).stream().anyMatch(c -> c.to() == ServiceState.FAILED));
    }
}
