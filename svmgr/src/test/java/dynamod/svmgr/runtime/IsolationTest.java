package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.spec.Capability;
import dynamod.conf.spec.Isolation;
import dynamod.conf.spec.IsolationPolicy;
import dynamod.conf.spec.Namespace;
import dynamod.conf.spec.ProtectSystem;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.linux.Posix;
import dynamod.linux.ProcStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * [namespace] isolation through the whole runtime, in one tree (as root): the pid namespace's PID 1 is the main
 * process svmgr tracks and stops; the user namespace's map; no-new-privileges and the capability bound; a failed
 * step fails the spawn. Without privileges, the plan refuses or shrinks the isolation.
 */
class IsolationTest {

    @TempDir
    static Path dir;

    static HostTree tree;

    @BeforeAll
    static void start() throws Exception {
        if (Posix.geteuid() != 0) return;
        Path config = HostTree.config(dir);
        // PID 1 without a TERM handler ignores SIGTERM: the stop's SIGKILL after stop-timeout ends it and the namespace.
        HostTree.service(config, "pid-ns", sh("sleep 600 & echo \"I am $$\"; wait")
                + "[namespace]\nenable = [\"pid\"]\n[shutdown]\nstop-timeout = \"1s\"\n");
        HostTree.service(config, "user-ns", "exec = [\"sleep\", \"600\"]\n[service.user]\nuser = \"nobody\"\n"
                + "[namespace]\nenable = [\"user\", \"net\"]\n");
        HostTree.service(config, "bounded", "exec = [\"sleep\", \"600\"]\n"
                + "[namespace]\nno-new-privileges = true\ncapabilities = [\"net_bind_service\", \"CAP_KILL\"]\n");
        HostTree.service(config, "bad-bind", "exec = [\"sleep\", \"600\"]\n[restart]\npolicy = \"temporary\"\n"
                + "[namespace]\nbind-mounts = [{ source = \"/nonexistent/dynamod-test\", target = \"/data\" }]\n");
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    private static void assumeRoot() {
        Assumptions.assumeTrue(tree != null, "namespaces need root");
    }

    @Test
    void aPidNamespaceServiceIsPid1AndItsStopKillsItsChildren() throws Exception {
        assumeRoot();
        tree.awaitState("pid-ns", "running");
        await().until(() -> EndToEnd.lines(tree, "pid-ns").contains("I am 1"));
        int pid = tree.pidOf("pid-ns");
        assertEquals(Optional.of(pid + "\t1"), EndToEnd.procStatus(pid, "NSpid"), "svmgr tracks the namespace's PID 1 by its outside pid");
        assertEquals(tree.svmgrPid(), EndToEnd.parentOf(pid), "adopted by svmgr, its subreaper");
        await().until(() -> !ProcStat.children(pid).isEmpty());
        int sleep = ProcStat.children(pid).getFirst();
        tree.call("stop", "service", "pid-ns");
        tree.awaitState("pid-ns", "stopped");
        assertFalse(EndToEnd.alive(pid));
        assertFalse(EndToEnd.alive(sleep), "the namespace died with its PID 1");
    }

    @Test
    void aUserNamespaceMapsRootToTheServicesUser() throws Exception {
        assumeRoot();
        tree.awaitState("user-ns", "running");
        int pid = tree.pidOf("user-ns");
        String nobody = new String(new ProcessBuilder("id", "-u", "nobody").start().getInputStream().readAllBytes()).strip();
        assertEquals(List.of("0", nobody, "1"), List.of(Files.readString(Path.of("/proc", pid + "", "uid_map")).strip().split("\\s+")));
        assertEquals(List.of(nobody, nobody, nobody, nobody), List.of(EndToEnd.procStatus(pid, "Uid").orElseThrow().split("\\s+")),
                "outside it is nobody");
        assertFalse(Files.readSymbolicLink(Path.of("/proc", pid + "", "ns/net")).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net"))));
    }

    @Test
    void noNewPrivilegesAndTheCapabilityBoundAreInItsStatus() throws Exception {
        assumeRoot();
        tree.awaitState("bounded", "running");
        int pid = tree.pidOf("bounded");
        assertEquals(Optional.of("1"), EndToEnd.procStatus(pid, "NoNewPrivs"));
        long bound = (1L << Capability.CAP_NET_BIND_SERVICE.number()) | (1L << Capability.CAP_KILL.number());
        assertEquals(Optional.of(String.format("%016x", bound)), EndToEnd.procStatus(pid, "CapBnd"));
    }

    @Test
    void aFailedIsolationStepFailsTheSpawnWithItsReason() throws Exception {
        assumeRoot();
        tree.awaitState("bad-bind", "failed");
        ServiceSpawnFailed f = eventsOf(tree, "bad-bind", ServiceSpawnFailed.class).getLast();
        assertEquals("bind-mount", f.step());
        assertEquals(2, f.errno());
        assertEquals("/nonexistent/dynamod-test: No such file or directory", f.message());
    }

    private static final Isolation ASKS = new Isolation(Set.of(Namespace.PID), List.of(), true, ProtectSystem.STRICT, Optional.empty(),
            true, Optional.of(Set.of(Capability.CAP_KILL)), IsolationPolicy.REQUIRED);

    @Test
    void withoutPrivilegesARequiredIsolationRefusesTheSpawn() {
        Spawner.IsolationPlan plan = Spawner.plan(ASKS, false);
        Spawner.Failed refused = plan.shortfall().refused().orElseThrow();
        assertEquals("isolation", refused.step());
        assertEquals("the manager lacks CAP_SYS_ADMIN (it does not run as root) to set up namespaces [pid], private-tmp, "
                + "protect-system, capabilities; isolation = \"best-effort\" would run it without", refused.message());
    }

    @Test
    void withoutPrivilegesABestEffortIsolationRunsWithWhatNeedsNoneAndAWarning() {
        Isolation bestEffort = new Isolation(ASKS.namespaces(), ASKS.bindMounts(), true, ProtectSystem.STRICT, Optional.empty(), true,
                ASKS.capabilities(), IsolationPolicy.BEST_EFFORT);
        Spawner.IsolationPlan plan = Spawner.plan(bestEffort, false);
        assertTrue(plan.shortfall().refused().isEmpty());
        assertFalse(plan.isolation().needsPrivileges());
        assertTrue(plan.isolation().noNewPrivileges(), "no-new-privileges needs no root");
        assertTrue(plan.shortfall().warning().orElseThrow().startsWith("runs without its isolation (best-effort): "), plan.shortfall().warning().get());
        assertEquals(ASKS, Spawner.plan(ASKS, true).isolation(), "with privileges: all of it");
        assertTrue(Spawner.plan(ASKS, true).shortfall().warning().isEmpty());
        Isolation onlyNoNewPrivileges = ASKS.unprivileged();
        assertTrue(Spawner.plan(onlyNoNewPrivileges, false).shortfall().refused().isEmpty(), "nothing to refuse");
    }
}
