package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.linux.Errno;
import dynamod.linux.Kernel;
import dynamod.linux.Signals;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pure decisions of PID 1: mounts, the shutdown's steps, the mode, signals, machine id and hostname. */
class PlansTest {

    /** A machine after boot: API filesystems, a disk on /boot and /home, one under /home, a USB stick on /run/media. */
    static final String MOUNTINFO = """
            22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
            24 1 0:5 / /dev rw,nosuid shared:8 - devtmpfs devtmpfs rw,size=4096k,mode=755
            1 0 254:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw
            25 24 0:23 / /dev/pts rw,nosuid,noexec,relatime shared:9 - devpts devpts rw,gid=5,mode=620,ptmxmode=000
            26 1 0:24 / /run rw,nosuid,nodev shared:10 - tmpfs tmpfs rw,mode=755
            27 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
            30 1 254:1 / /boot rw,relatime shared:20 - vfat /dev/vda1 rw
            31 1 254:17 / /home rw,relatime shared:21 - btrfs /dev/vdb1 rw,subvol=/home
            32 31 254:18 / /home/media\\040library rw,relatime shared:22 - xfs /dev/vdb2 rw
            33 26 8:1 / /run/media/stick rw,relatime shared:23 - vfat /dev/sda1 rw
            bad line
            """;

    @Test
    void mountinfoParsesWithEscapes() {
        MountTable t = MountTable.parse(MOUNTINFO);
        assertEquals(11, t.entries().size());
        assertEquals(new MountTable.Entry(32, 31, "/home/media library", "xfs", "/dev/vdb2", "rw,relatime"),
                t.at("/home/media library").orElseThrow());
        assertTrue(t.isMounted("/sys/fs/cgroup"));
        assertFalse(t.isMounted("/dev/shm"));
    }

    @Test
    void onlyWhatIsMissingIsMounted() {
        List<MountPlan.Mount> missing = MountPlan.missing(RealRoot.concat(MountPlan.API, MountPlan.REAL_ROOT), MountTable.parse(MOUNTINFO));
        assertEquals(List.of("/dev/shm"), missing.stream().map(MountPlan.Mount::target).toList());
        List<String> fresh = MountPlan.missing(RealRoot.concat(MountPlan.API, MountPlan.REAL_ROOT), MountTable.EMPTY).stream()
                .map(MountPlan.Mount::target).toList();
        assertEquals(List.of("/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run", "/sys/fs/cgroup"), fresh,
                "each after the one it is mounted on");
    }

    @Test
    void cgroup2AsksForFavordynmodsAndAKernelThatRefusesItGetsNsdelegateAlone() {
        MountPlan.Mount cgroup2 = MountPlan.REAL_ROOT.stream().filter(m -> m.target().equals("/sys/fs/cgroup")).findFirst().orElseThrow();
        assertEquals("nsdelegate,favordynmods", cgroup2.data());
        MountPlan.Mount older = cgroup2.retryAfter(Errno.EINVAL).orElseThrow();
        assertEquals(new MountPlan.Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", cgroup2.flags(), "nsdelegate"), older);
        assertEquals(Optional.empty(), older.retryAfter(Errno.EINVAL), "nsdelegate alone is the last try");
        assertEquals(Optional.empty(), cgroup2.retryAfter(Errno.EPERM), "only EINVAL says the kernel does not know an option");
        assertEquals(Optional.empty(), MountPlan.API.getFirst().retryAfter(Errno.EINVAL), "a mount without a fallback");
    }

    @Test
    void aMachineUnmountsItsDisksDeepestFirstThenRemountsRootAndPowersOff() {
        List<ShutdownPlan.Step> steps = ShutdownPlan.plan(Mode.BOOT, "poweroff", true, MountTable.parse(MOUNTINFO));
        assertEquals(List.of(new ShutdownPlan.Step.EndAllProcesses(), new ShutdownPlan.Step.SaveRandomSeed(),
                new ShutdownPlan.Step.Sync(),
                new ShutdownPlan.Step.Unmount("/run/media/stick", "vfat"),
                new ShutdownPlan.Step.Unmount("/home/media library", "xfs"),
                new ShutdownPlan.Step.Unmount("/home", "btrfs"),
                new ShutdownPlan.Step.Unmount("/boot", "vfat"),
                new ShutdownPlan.Step.RemountRootReadOnly(), new ShutdownPlan.Step.Sync(),
                new ShutdownPlan.Step.Reboot(Kernel.REBOOT_POWER_OFF, "poweroff")), steps);
    }

    @Test
    void aVirtualMountInsideADiskGoesBeforeTheDiskAndFstabMountsAreUnmounted() {
        // /var and /data from /etc/fstab; init's runtime directory bound inside /var (a tmpfs would keep /var busy)
        MountTable mounts = MountTable.parse("""
                1 0 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
                26 1 0:24 / /run rw,nosuid,nodev shared:10 - tmpfs tmpfs rw,mode=755
                40 1 254:16 / /var rw,relatime shared:30 - ext4 /dev/vdb rw
                41 1 254:32 / /data rw,relatime shared:31 - ext4 /dev/vdc rw
                42 40 0:24 /dynamod /var/lib/dynamod/run rw,nosuid,nodev shared:10 - tmpfs tmpfs rw,mode=755
                43 1 0:30 / /tmp rw shared:32 - tmpfs tmpfs rw
                """);
        assertEquals(List.of(new MountTable.Entry(42, 40, "/var/lib/dynamod/run", "tmpfs", "tmpfs", "rw,nosuid,nodev"),
                mounts.at("/data").orElseThrow(), mounts.at("/var").orElseThrow()), ShutdownPlan.unmountOrder(mounts),
                "/run and /tmp stay (they hold no disk's data), / is remounted read-only instead");
    }

    @Test
    void theKindChoosesTheRebootCommand() {
        assertEquals(new ShutdownPlan.Step.Reboot(Kernel.REBOOT_RESTART, "reboot"), last(ShutdownPlan.plan(Mode.BOOT, "reboot", true, MountTable.EMPTY)));
        assertEquals(new ShutdownPlan.Step.Reboot(Kernel.REBOOT_HALT, "halt"), last(ShutdownPlan.plan(Mode.BOOT, "halt", false, MountTable.EMPTY)));
        // a machine cannot just exit: dynamodctl shutdown --kind exit powers it off
        assertEquals(new ShutdownPlan.Step.Reboot(Kernel.REBOOT_POWER_OFF, "poweroff"), last(ShutdownPlan.plan(Mode.BOOT, "exit", true, MountTable.EMPTY)));
    }

    @Test
    void aContainerEndsItsProcessesAndExitsWithTheResult() {
        MountTable mounts = MountTable.parse(MOUNTINFO);
        assertEquals(List.of(new ShutdownPlan.Step.EndAllProcesses(), new ShutdownPlan.Step.Sync(), new ShutdownPlan.Step.Exit(0)),
                ShutdownPlan.plan(Mode.CONTAINER, "poweroff", true, mounts));
        assertEquals(new ShutdownPlan.Step.Exit(0), last(ShutdownPlan.plan(Mode.CONTAINER, "halt", true, mounts)));
        assertEquals(new ShutdownPlan.Step.Exit(133), last(ShutdownPlan.plan(Mode.CONTAINER, "reboot", true, mounts)));
        assertEquals(new ShutdownPlan.Step.Exit(1), last(ShutdownPlan.plan(Mode.CONTAINER, "reboot", false, mounts)));
    }

    @Test
    void modeDetection() {
        assertEquals(Mode.BOOT, Mode.detect(null, 0));
        assertEquals(Mode.CONTAINER, Mode.detect(null, Errno.EINVAL), "a child PID namespace refuses CAD_OFF");
        assertEquals(Mode.CONTAINER, Mode.detect(null, Errno.EPERM), "no CAP_SYS_BOOT");
        assertEquals(Mode.CONTAINER, Mode.detect("docker", 0));
        assertEquals(Mode.BOOT, Mode.detect("", 0));
    }

    @Test
    void signalMeanings() {
        assertEquals(new SignalMeaning.Shutdown("halt"), SignalMeaning.of(Signals.SIGRTMIN + 3, Mode.BOOT));
        assertEquals(new SignalMeaning.Shutdown("poweroff"), SignalMeaning.of(Signals.SIGRTMIN + 4, Mode.BOOT));
        assertEquals(new SignalMeaning.Shutdown("reboot"), SignalMeaning.of(Signals.SIGRTMIN + 5, Mode.CONTAINER));
        assertEquals(new SignalMeaning.Shutdown("reboot"), SignalMeaning.of(Signals.SIGINT, Mode.BOOT), "ctrl-alt-del");
        assertEquals(new SignalMeaning.Shutdown("poweroff"), SignalMeaning.of(Signals.SIGINT, Mode.CONTAINER));
        assertEquals(new SignalMeaning.Shutdown("poweroff"), SignalMeaning.of(Signals.SIGTERM, Mode.BOOT));
        assertEquals(new SignalMeaning.Shutdown("poweroff"), SignalMeaning.of(Signals.SIGPWR, Mode.CONTAINER));
        assertEquals(new SignalMeaning.RestartManager(), SignalMeaning.of(Signals.SIGUSR1, Mode.BOOT));
        assertEquals(new SignalMeaning.EmergencyShell(), SignalMeaning.of(Signals.SIGUSR2, Mode.BOOT));
        assertEquals(new SignalMeaning.Ignore(), SignalMeaning.of(Signals.SIGHUP, Mode.BOOT));
    }

    @Test
    void machineId() {
        UUID random = new UUID(0x0123456789abcdefL, 0xfedcba9876543210L);
        assertEquals(new MachineIdentity.IdAction.Keep("0123456789abcdef0123456789abcdef"),
                MachineIdentity.machineId("0123456789ABCDEF0123456789ABCDEF\n", true, null, random));
        // empty (an image's placeholder), missing, all zeros or garbage: a new one
        assertEquals(new MachineIdentity.IdAction.WriteEtc("0123456789ab4defbedcba9876543210"),
                MachineIdentity.machineId("", true, null, random));
        assertEquals(MachineIdentity.IdAction.WriteRun.class, MachineIdentity.machineId(null, false, null, random).getClass());
        assertEquals(MachineIdentity.IdAction.WriteEtc.class,
                MachineIdentity.machineId("00000000000000000000000000000000", true, null, random).getClass());
        assertEquals(new MachineIdentity.IdAction.WriteRun("4a1b2c3d4e5f40618273a4a5b6c7d8e9"),
                MachineIdentity.machineId("uninitialized\n", false, "4a1b2c3d-4e5f-4061-8273-a4a5b6c7d8e9", random));
        String v4 = MachineIdentity.v4(UUID.randomUUID());
        assertTrue(v4.matches("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}"), v4);
    }

    @Test
    void hostname() {
        assertEquals(Optional.of("web-1.example.org"), MachineIdentity.hostname("# this machine\n\n  web-1.example.org  \n"));
        assertEquals(Optional.empty(), MachineIdentity.hostname(""));
        assertEquals(Optional.empty(), MachineIdentity.hostname(null));
        assertEquals(Optional.empty(), MachineIdentity.hostname("has space\n"));
        assertEquals(Optional.empty(), MachineIdentity.hostname("-leading\n"));
        assertEquals(Optional.empty(), MachineIdentity.hostname("x".repeat(65)));
    }

    private static ShutdownPlan.Step last(List<ShutdownPlan.Step> steps) {
        return steps.getLast();
    }
}
