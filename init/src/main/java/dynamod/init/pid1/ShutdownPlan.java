package dynamod.init.pid1;

import dynamod.linux.Kernel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * What PID 1 does after svmgr's ordered stop, as a list of steps: end what is left, keep the random seed, write
 * everything out, unmount what holds data (deepest first), make the root read-only, and power off, reboot or halt.
 * A container has no disks of its own to unmount and no kernel to stop: it ends what is left and exits.
 */
public final class ShutdownPlan {

    public sealed interface Step {
        /** SIGTERM to every process; wait while any is left (at most the kill wait), then SIGKILL. */
        record EndAllProcesses() implements Step {}

        record SaveRandomSeed() implements Step {}

        record Sync() implements Step {}

        /** umount; when busy: remount read-only, then detach (MNT_DETACH) as the last resort. */
        record Unmount(String mountPoint, String fsType) implements Step {}

        record RemountRootReadOnly() implements Step {}

        /** reboot(2) with one of Kernel.REBOOT_*. */
        record Reboot(int command, String kind) implements Step {}

        /** Container mode (and host mode): PID 1 exits with this status. */
        record Exit(int status) implements Step {}
    }

    /** Filesystems without data of their own to write: unmounting them gains nothing and can only fail. */
    static final Set<String> VIRTUAL = Set.of("proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2",
            "securityfs", "debugfs", "tracefs", "mqueue", "hugetlbfs", "configfs", "fusectl", "bpf", "pstore", "efivarfs",
            "binfmt_misc", "autofs", "rpc_pipefs", "nsfs");

    /** systemd-nspawn restarts a container whose PID 1 exits with this after a reboot. */
    public static final int CONTAINER_REBOOT_STATUS = 133;

    private ShutdownPlan() {}

    /** {@code kind}: poweroff, reboot, halt or exit; {@code clean}: whether svmgr's ordered stop finished in time. */
    public static List<Step> plan(Mode mode, String kind, boolean clean, MountTable mounts) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step.EndAllProcesses());
        if (mode == Mode.CONTAINER) {
            steps.add(new Step.Sync());
            steps.add(new Step.Exit(!clean ? 1 : kind.equals("reboot") ? CONTAINER_REBOOT_STATUS : 0));
            return steps;
        }
        steps.add(new Step.SaveRandomSeed());
        steps.add(new Step.Sync());
        for (MountTable.Entry e : unmountOrder(mounts)) steps.add(new Step.Unmount(e.mountPoint(), e.fsType()));
        steps.add(new Step.RemountRootReadOnly());
        steps.add(new Step.Sync());
        steps.add(new Step.Reboot(switch (kind) {
            case "reboot" -> Kernel.REBOOT_RESTART;
            case "halt" -> Kernel.REBOOT_HALT;
            default -> Kernel.REBOOT_POWER_OFF; // poweroff, and "exit", which a machine cannot do
        }, kind.equals("exit") ? "poweroff" : kind));
        return steps;
    }

    /**
     * The mounts to unmount: all but / and the virtual ones (a disk mounted below /run is still unmounted), deepest
     * first, later mounts before earlier ones at the same depth. A virtual one inside a disk's mount (a tmpfs bound
     * on /var/lib/dynamod/run with /var on its own disk) goes too, first: it would keep the disk busy.
     */
    static List<MountTable.Entry> unmountOrder(MountTable mounts) {
        List<MountTable.Entry> entries = mounts.entries();
        List<String> disks = entries.stream().filter(e -> !e.mountPoint().equals("/") && !VIRTUAL.contains(e.fsType()))
                .map(MountTable.Entry::mountPoint).toList();
        List<MountTable.Entry> candidates = new ArrayList<>();
        for (MountTable.Entry e : entries) {
            if (e.mountPoint().equals("/")) continue;
            if (VIRTUAL.contains(e.fsType()) && disks.stream().noneMatch(d -> MountTable.isInside(e.mountPoint(), d))) continue;
            candidates.add(e);
        }
        List<MountTable.Entry> ordered = new ArrayList<>(candidates);
        ordered.sort(Comparator.comparingInt((MountTable.Entry e) -> depth(e.mountPoint())).reversed()
                .thenComparing(Comparator.comparingInt(candidates::indexOf).reversed()));
        return ordered;
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count() - (path.equals("/") ? 1 : 0);
    }
}
