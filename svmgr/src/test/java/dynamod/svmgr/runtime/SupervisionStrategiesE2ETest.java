package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.GroupStopped;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each strategy against real processes: one tree with three supervisors of three services each; the test SIGKILLs the
 * middle service of one and checks which of the three came back with new pids.
 */
class SupervisionStrategiesE2ETest {

    @TempDir
    static Path dir;

    static HostTree tree;

    @BeforeAll
    static void startTree() throws Exception {
        Path config = HostTree.config(dir);
        for (String[] sup : new String[][] {{"ofo", "one-for-one"}, {"ofa", "one-for-all"}, {"rfo", "rest-for-one"}}) {
            HostTree.supervisor(config, sup[0], "strategy = \"" + sup[1] + "\"\n");
            for (int i = 1; i <= 3; i++) {
                HostTree.service(config, sup[0] + i, "supervisor = \"" + sup[0] + "\"\n" + EndToEnd.sleeper()
                        + "[restart]\ndelay = \"20ms\"\n");
            }
        }
        // A supervisor as the target of stop, start and restart.
        HostTree.supervisor(config, "grp", "");
        for (int i = 1; i <= 2; i++) HostTree.service(config, "grp" + i, "supervisor = \"grp\"\n" + EndToEnd.sleeper());
        tree = HostTree.start(dir);
        for (String s : List.of("ofo", "ofa", "rfo")) for (int i = 1; i <= 3; i++) tree.awaitState(s + i, "running");
        for (int i = 1; i <= 2; i++) tree.awaitState("grp" + i, "running");
    }

    @AfterAll
    static void stopTree() throws Exception {
        if (tree != null) tree.close();
    }

    /** SIGKILLs the middle child; waits until the {@code changed} ones run with new pids; returns the pids before. */
    private static Map<String, Integer> killMiddle(String supervisor, List<String> changed) throws Exception {
        Map<String, Integer> before = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) before.put(supervisor + i, tree.pidOf(supervisor + i));
        int victim = before.get(supervisor + 2);
        EndToEnd.sigkill(victim);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            for (String s : changed) {
                assertEquals("running", tree.stateOf(s), s);
                assertNotEquals(before.get(s), tree.pidOf(s), s + " has a new process");
            }
        });
        // The victim's death as the journal saw it: SIGKILL, its main process.
        assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == victim && e.mainProcess()
                && e.status().equals(ExitStatus.killed(9, false))), "the SIGKILL is recorded");
        return before;
    }

    @Test
    void oneForOneRestartsOnlyTheKilledChild() throws Exception {
        Map<String, Integer> before = killMiddle("ofo", List.of("ofo2"));
        assertEquals(before.get("ofo1"), tree.pidOf("ofo1"));
        assertEquals(before.get("ofo3"), tree.pidOf("ofo3"));
        assertTrue(EndToEnd.alive(before.get("ofo1")) && EndToEnd.alive(before.get("ofo3")));
        assertTrue(tree.events(RestartScheduled.class).stream().anyMatch(e -> e.supervisor().equals("ofo") && e.child().equals("ofo2")));
        assertTrue(tree.events(GroupRestarting.class).stream().noneMatch(e -> e.supervisor().equals("ofo")), "no group restart");
        for (String s : List.of("ofo1", "ofo3")) assertEquals("running", tree.stateOf(s));
    }

    @Test
    void oneForAllRestartsEveryChild() throws Exception {
        Map<String, Integer> before = killMiddle("ofa", List.of("ofa1", "ofa2", "ofa3"));
        for (int pid : before.values()) assertTrue(!EndToEnd.alive(pid), "old process " + pid + " is gone");
        List<GroupRestarting> groups = tree.events(GroupRestarting.class).stream().filter(e -> e.supervisor().equals("ofa")).toList();
        assertEquals(1, groups.size(), groups::toString);
        assertEquals("ofa2", groups.getFirst().trigger());
        assertEquals(List.of("ofa1", "ofa2", "ofa3"), groups.getFirst().services().stream().sorted().toList());
        assertTrue(tree.events(GroupStopped.class).stream().anyMatch(e -> e.supervisor().equals("ofa")));
        // The survivors were stopped by the group restart (SIGTERM), not killed by the test.
        for (String s : List.of("ofa1", "ofa3")) {
            int old = before.get(s);
            assertTrue(tree.events(ServiceExited.class).stream().anyMatch(e -> e.pid() == old && e.status().equals(ExitStatus.killed(15, false))),
                    s + " was stopped with SIGTERM");
        }
    }

    @Test
    void aSupervisorCanBeStoppedStartedAndRestartedByName() throws Exception {
        int first = tree.pidOf("grp1"), second = tree.pidOf("grp2");
        Map<String, Object> r = tree.call("restart", "service", "grp");
        assertEquals(true, r.get("ok"), r::toString);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String s : List.of("grp1", "grp2")) assertEquals("running", tree.stateOf(s));
            assertNotEquals(first, tree.pidOf("grp1"));
            assertNotEquals(second, tree.pidOf("grp2"));
        });
        assertEquals(true, tree.call("stop", "service", "grp").get("ok"));
        tree.awaitState("grp1", "stopped");
        tree.awaitState("grp2", "stopped");
        assertEquals(true, tree.call("start", "service", "grp").get("ok"));
        tree.awaitState("grp1", "running");
        tree.awaitState("grp2", "running");
        // NAME.service names the service.
        assertEquals(true, tree.call("stop", "service", "grp1.service").get("ok"));
        tree.awaitState("grp1", "stopped");
        assertEquals("running", tree.stateOf("grp2"));
        Map<String, Object> unknown = tree.call("stop", "service", "nogrp");
        assertEquals("unknown-service", unknown.get("code"), unknown::toString);
    }

    @Test
    void restForOneRestartsTheKilledChildAndThoseAfterIt() throws Exception {
        Map<String, Integer> before = killMiddle("rfo", List.of("rfo2", "rfo3"));
        assertEquals(before.get("rfo1"), tree.pidOf("rfo1"), "the child before the killed one keeps its process");
        assertTrue(EndToEnd.alive(before.get("rfo1")));
        assertTrue(!EndToEnd.alive(before.get("rfo3")), "the child after it was restarted");
        List<GroupRestarting> groups = tree.events(GroupRestarting.class).stream().filter(e -> e.supervisor().equals("rfo")).toList();
        assertEquals(1, groups.size(), groups::toString);
        assertEquals(List.of("rfo2", "rfo3"), groups.getFirst().services().stream().sorted().toList());
        assertEquals("running", tree.stateOf("rfo1"));
    }
}
