package dynamod.init.pid1;

import dynamod.linux.Errno;
import dynamod.linux.Kernel;
import java.util.List;
import java.util.Optional;

/** Which filesystems PID 1 mounts, and in what order; each only where nothing is mounted yet. */
public final class MountPlan {

    /**
     * One mount(2): the directory is made first (mode 0755) when missing. {@code olderKernelData}, when not null, is
     * the data to mount with instead when the kernel refuses {@code data} with EINVAL (an option it is too old for).
     */
    public record Mount(String source, String target, String fsType, long flags, String data, String olderKernelData) {
        public Mount(String source, String target, String fsType, long flags, String data) {
            this(source, target, fsType, flags, data, null);
        }

        /** The mount to try instead when this one failed with errno: the older kernel's data, for EINVAL. */
        public Optional<Mount> retryAfter(int errno) {
            if (errno != Errno.EINVAL || olderKernelData == null) return Optional.empty();
            return Optional.of(new Mount(source, target, fsType, flags, olderKernelData));
        }

        @Override
        public String toString() {
            return fsType + " on " + target + (data.isEmpty() ? "" : " (" + data + ")");
        }
    }

    private static final long NOSUID_NODEV_NOEXEC = Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_NOEXEC;

    /** The kernel's own filesystems, which every phase needs first (the cmdline and the block devices are in them). */
    public static final List<Mount> API = List.of(
            new Mount("proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, ""),
            new Mount("sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC, ""),
            new Mount("devtmpfs", "/dev", "devtmpfs", Kernel.MS_NOSUID | Kernel.MS_STRICTATIME, "mode=0755"));

    /**
     * cgroup v2 with nsdelegate (as systemd) and favordynmods (Linux 6.0): moving a process into a cgroup — the exec
     * helper joining each service's group before its exec — takes cgroup_threadgroup_rwsem for writing, which without
     * favordynmods waits for an RCU grace period each time; with it forks and exits pay a little instead (docs/pid1.md
     * has the VM's numbers). A kernel before 6.0 refuses the option (EINVAL): nsdelegate alone. systemd's mount-setup.c
     * asks for "nsdelegate,memory_recursiveprot" (falling back to "nsdelegate"), not for favordynmods.
     */
    public static final Mount CGROUP2 = new Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", NOSUID_NODEV_NOEXEC,
            "nsdelegate,favordynmods", "nsdelegate");

    /** What the real root adds (systemd's set): ptys, POSIX shared memory, the runtime directory, cgroup v2. */
    public static final List<Mount> REAL_ROOT = List.of(
            new Mount("devpts", "/dev/pts", "devpts", Kernel.MS_NOSUID | Kernel.MS_NOEXEC, "mode=0620,gid=5,ptmxmode=0666"),
            new Mount("tmpfs", "/dev/shm", "tmpfs", Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_STRICTATIME, "mode=1777"),
            new Mount("tmpfs", "/run", "tmpfs", Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_STRICTATIME, "mode=0755,size=20%"),
            CGROUP2);

    /** Where the pseudo-filesystems go when the initramfs hands over to the real root ({@code /newroot/proc}, ...). */
    public static final List<String> MOVED_TO_NEW_ROOT = List.of("/dev", "/proc", "/sys", "/run");

    private MountPlan() {}

    /**
     * The mounts of {@code wanted} that are not there yet. proc, devtmpfs and cgroup2 would say EBUSY if mounted
     * twice, but devpts and tmpfs would stack a second, empty instance: that is why the table decides, not errors.
     */
    public static List<Mount> missing(List<Mount> wanted, MountTable now) {
        return wanted.stream().filter(m -> !now.isMounted(m.target())).toList();
    }
}
