package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.spec.CpuMax;
import dynamod.linux.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Cgroups} on a real cgroup2 mount: the layout, a double-forked child killed with its group, the watcher seeing
 * the group empty, the group removed, and a refused write's error. Runs where root has a cgroup2 mount, a
 * controller-less one too (this host's /sys/fs/cgroup/unified: no limits there, so none are asked for), in a base
 * of its own; the test JVM joins the manager's scope, as svmgr does, and goes back after.
 */
class CgroupsHostTest {

    private Path mount;
    private String base;
    private String ownBefore;
    private final ConcurrentLinkedQueue<String> emptied = new ConcurrentLinkedQueue<>();
    private Cgroups cgroups;

    @BeforeEach
    void openInABaseOfItsOwn() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "cgroups need root");
        Optional<Path> found = CgroupPlan.cgroup2Mount(Files.readString(Path.of("/proc/self/mountinfo")));
        assumeTrue(found.isPresent(), "no cgroup2 mount");
        mount = found.get();
        ownBefore = CgroupPlan.unifiedPath(Files.readString(Path.of("/proc/self/cgroup"))).orElseThrow();
        base = "/dynamod-test-" + UUID.randomUUID();
        Files.createDirectory(mount.resolve(base.substring(1))); // where svmgr would be born
        cgroups = Cgroups.open(mount, "0::" + base + "\n", true, Set.of(), new Cgroups.Listener() {
            @Override
            public void memoryEvents(String service) {}

            @Override
            public void emptied(String service) {
                emptied.add(service);
            }
        });
        assertTrue(cgroups.available(), () -> cgroups.unavailableReason().orElse(""));
    }

    @AfterEach
    void backAndAway() throws IOException {
        if (base == null) return;
        Files.writeString(mount.resolve(ownBefore.substring(1)).resolve("cgroup.procs"), String.valueOf(Posix.getpid()));
        Path dir = mount.resolve(base.substring(1));
        if (!Files.exists(dir)) return;
        try (var all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void theManagerLeavesTheBaseForItsScopeSoThatTheBaseHasNoProcess() throws IOException {
        assertEquals(base + "/dynamod.slice/svmgr.scope",
                CgroupPlan.unifiedPath(Files.readString(Path.of("/proc/self/cgroup"))).orElseThrow());
        assertEquals("", Files.readString(mount.resolve(base.substring(1)).resolve("cgroup.procs")));
        assertTrue(Files.isDirectory(mount.resolve(base.substring(1)).resolve("system.slice")));
    }

    @Test
    void aStopKillsTheDoubleForkedChildAndTheEmptyGroupIsRemoved() throws Exception {
        Path dir = cgroups.prepare("web", CgroupLimits.NONE, true);
        assertEquals(mount.resolve(base.substring(1)).resolve("system.slice/web.service"), dir);
        // Joins its group first, then leaves its session and process group: what a daemon does, and the pgid kill misses.
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs") + "; setsid sleep 600 & exec sleep 600")
                .redirectErrorStream(true).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> cgroups.pids("web").size() == 2);
        assertTrue(cgroups.populated("web"));
        assertTrue(cgroups.kill("web"));
        await().atMost(Duration.ofSeconds(20)).until(() -> cgroups.pids("web").isEmpty());
        p.waitFor();
        await("the watcher sees the group empty").atMost(Duration.ofSeconds(20)).until(() -> emptied.contains("web"));
        cgroups.removeIfEmpty("web");
        assertFalse(Files.exists(dir));
        assertTrue(cgroups.applied().isEmpty());
    }

    @Test
    void aGroupWithAProcessStays() throws Exception {
        Path dir = cgroups.prepare("db", CgroupLimits.NONE, true);
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs") + "; exec sleep 600").start();
        await().atMost(Duration.ofSeconds(20)).until(() -> cgroups.pids("db").size() == 1);
        cgroups.removeIfEmpty("db");
        assertTrue(Files.isDirectory(dir));
        assertTrue(cgroups.signal("db", dynamod.linux.Signals.SIGTERM));
        assertEquals(143, p.waitFor());
        await().atMost(Duration.ofSeconds(20)).until(() -> emptied.contains("db"));
        cgroups.removeIfEmpty("db");
        assertFalse(Files.exists(dir));
    }

    @Test
    void aLimitWithoutItsControllerIsAClearErrorNamingTheFile() throws Exception {
        CgroupLimits cpu = new CgroupLimits(Optional.empty(), Optional.empty(), OptionalInt.empty(),
                Optional.of(new CpuMax(50_000, 100_000)), Optional.empty(), OptionalInt.empty());
        var e = org.junit.jupiter.api.Assertions.assertThrows(Cgroups.CgroupException.class, () -> cgroups.prepare("cpu-hog", cpu, true));
        assertTrue(e.getMessage().contains("controllers [cpu] are not available in " + mount.resolve(base.substring(1))), e.getMessage());
        Path procs = cgroups.dir("cpu-hog").resolve("cgroup.procs");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(Cgroups.CgroupException.class, () -> Cgroups.write(procs, "not-a-pid"));
        assertEquals(procs + " = \"not-a-pid\": Invalid argument (EINVAL)", refused.getMessage());
        assertEquals(dynamod.linux.Errno.EINVAL, refused.errno);
    }

    @Test
    void withoutRootOrCgroup2ThereAreNoCgroupsAndTheReasonSaysWhy() {
        assertEquals(Optional.of("the manager does not run as root"), Cgroups.open(mount, "0::/\n", false, null).unavailableReason());
        assertTrue(Cgroups.open(Path.of("/proc"), "0::/\n", true, null).unavailableReason().orElseThrow()
                .startsWith("no cgroup v2 hierarchy at /proc"));
    }
}
