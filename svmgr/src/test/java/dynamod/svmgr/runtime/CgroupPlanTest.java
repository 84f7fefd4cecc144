package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.spec.CpuMax;
import dynamod.conf.spec.IsolationPolicy;
import dynamod.conf.value.Limit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cgroup layout and the limit files' values, without a cgroup file system. */
class CgroupPlanTest {

    private static final CgroupLimits ALL = new CgroupLimits(Optional.of(new Limit(32L << 20)), Optional.of(new Limit(24L << 20)),
            OptionalInt.of(200), Optional.of(new CpuMax(50_000, 100_000)), Optional.of(new Limit(32)), OptionalInt.of(50));

    @Test
    void onAPid1BootServicesAreInSystemSliceAndTheManagerInItsOwnScope() {
        CgroupPlan plan = new CgroupPlan(CgroupPlan.MOUNT, CgroupPlan.baseOf("/"));
        assertEquals("/system.slice/web.service", plan.service("web.service"), "what sd-login clients parse");
        assertEquals(Path.of("/sys/fs/cgroup/system.slice/web.service"), plan.dir(plan.service("web.service")));
        assertEquals("/dynamod.slice/svmgr.scope", plan.manager());
        assertEquals(Path.of("/sys/fs/cgroup"), plan.baseDir());
    }

    @Test
    void aRestartedManagerFindsTheBaseAboveTheScopeItWasBornIn() {
        assertEquals("/", CgroupPlan.baseOf("/dynamod.slice/svmgr.scope"));
        assertEquals("/machine.slice/box.scope", CgroupPlan.baseOf("/machine.slice/box.scope/dynamod.slice/svmgr.scope"));
        CgroupPlan nested = new CgroupPlan(CgroupPlan.MOUNT, CgroupPlan.baseOf("/machine.slice/box.scope"));
        assertEquals("/machine.slice/box.scope/system.slice/db.service", nested.service("db.service"));
    }

    @Test
    void theUnifiedLineOfProcCgroupIsTheV2Path() {
        assertEquals(Optional.of("/user.slice/session-1.scope"),
                CgroupPlan.unifiedPath("12:pids:/user.slice\n0::/user.slice/session-1.scope\n"));
        assertEquals(Optional.empty(), CgroupPlan.unifiedPath("4:memory:/x\n1:cpu:/\n"));
    }

    @Test
    void limitsAreWrittenAsTheKernelTakesThem() {
        Map<String, String> files = CgroupPlan.files(ALL, Set.of("memory", "cpu", "pids", "io"));
        assertEquals(Map.of("memory.high", "25165824", "memory.max", "33554432", "cpu.weight", "200", "cpu.max", "50000 100000",
                "pids.max", "32", "io.weight", "default 50"), files);
    }

    @Test
    void anUnsetLimitGetsTheKernelDefaultSoThatAReloadLiftsIt() {
        Map<String, String> files = CgroupPlan.files(CgroupLimits.NONE, Set.of("memory", "cpu", "pids", "io"));
        assertEquals(Map.of("memory.high", "max", "memory.max", "max", "cpu.weight", "100", "cpu.max", "max 100000",
                "pids.max", "max", "io.weight", "default 100"), files);
        CgroupLimits unlimited = new CgroupLimits(Optional.of(Limit.MAX), Optional.empty(), OptionalInt.empty(),
                Optional.of(new CpuMax(CpuMax.MAX, 20_000)), Optional.of(Limit.MAX), OptionalInt.empty());
        assertEquals("max", CgroupPlan.files(unlimited, Set.of("memory")).get("memory.max"));
        assertEquals("max 20000", CgroupPlan.files(unlimited, Set.of("cpu")).get("cpu.max"));
    }

    @Test
    void onlyTheFilesOfEnabledControllersAreWritten() {
        assertEquals(List.of("memory.high", "memory.max", "pids.max"), List.copyOf(CgroupPlan.files(ALL, CgroupPlan.ACCOUNTING).keySet()));
    }

    @Test
    void eachLimitNeedsItsController() {
        assertEquals(Set.of(), CgroupPlan.controllers(CgroupLimits.NONE));
        assertEquals(Set.of("memory", "pids", "cpu", "io"), CgroupPlan.controllers(ALL));
        CgroupLimits weightOnly = new CgroupLimits(Optional.empty(), Optional.empty(), OptionalInt.of(10), Optional.empty(),
                Optional.empty(), OptionalInt.empty());
        assertEquals(Set.of("cpu"), CgroupPlan.controllers(weightOnly));
    }

    @Test
    void aParentEnablesOnlyWhatIsNotOnYet() {
        assertEquals("+cpu +memory", CgroupPlan.enabling(Set.of("memory", "cpu", "pids"), "pids\n"));
        assertEquals("", CgroupPlan.enabling(Set.of("memory"), "cpu memory pids\n"));
        assertEquals("+memory +pids", CgroupPlan.enabling(Set.of("memory", "pids"), "\n"));
        assertEquals(Set.of("io"), CgroupPlan.missing(Set.of("io", "memory"), "cpuset cpu memory pids\n"));
    }

    @Test
    void flatKeyedFilesAreRead() {
        String memoryEvents = "low 0\nhigh 3\nmax 12\noom 1\noom_kill 2\noom_group_kill 0\n";
        assertEquals(OptionalLong.of(2), CgroupPlan.key(memoryEvents, "oom_kill"));
        assertEquals(OptionalLong.of(1), CgroupPlan.key(memoryEvents, "oom"), "not oom_kill's prefix");
        assertEquals(OptionalLong.of(0), CgroupPlan.key("populated 0\nfrozen 0\n", "populated"));
        assertEquals(OptionalLong.of(1234), CgroupPlan.key("usage_usec 1234\nuser_usec 1000\n", "usage_usec"));
        assertEquals(OptionalLong.empty(), CgroupPlan.key("nr_periods 0\n", "nr_throttled"));
        assertEquals(List.of(12, 40), CgroupPlan.pids("12\n40\n"));
        assertEquals(List.of(), CgroupPlan.pids(""));
    }

    @Test
    void withoutCgroupsLimitsAreRefusedOrSkippedByTheIsolationPolicy() {
        Optional<String> none = Optional.of("no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or none)");
        Spawner.Shortfall required = Spawner.limits(ALL, IsolationPolicy.REQUIRED, none);
        assertEquals("cgroup", required.refused().orElseThrow().step());
        assertEquals("its [cgroup] limits cannot be applied: no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or none);"
                + " isolation = \"best-effort\" would run it without them", required.refused().orElseThrow().message());
        Spawner.Shortfall bestEffort = Spawner.limits(ALL, IsolationPolicy.BEST_EFFORT, none);
        assertTrue(bestEffort.refused().isEmpty());
        assertTrue(bestEffort.warning().orElseThrow().startsWith("runs without its [cgroup] limits (best-effort): "), bestEffort.warning().get());
        assertEquals(new Spawner.Shortfall(Optional.empty(), Optional.empty()), Spawner.limits(CgroupLimits.NONE, IsolationPolicy.REQUIRED, none),
                "no limits: nothing to refuse");
        assertEquals(new Spawner.Shortfall(Optional.empty(), Optional.empty()), Spawner.limits(ALL, IsolationPolicy.REQUIRED, Optional.empty()));
    }

    @Test
    void theCgroup2MountIsSysFsCgroupWhereItIsThereElseTheFirstOne() {
        String hybrid = """
                22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
                25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
                26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
                27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
                """;
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), CgroupPlan.cgroup2Mount(hybrid));
        String unified = hybrid + "40 22 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,favordynmods\n";
        assertEquals(Optional.of(CgroupPlan.MOUNT), CgroupPlan.cgroup2Mount(unified));
        assertEquals(Optional.empty(), CgroupPlan.cgroup2Mount("27 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"));
    }
}
