package dynamod.init.pid1;

import dynamod.linux.Kernel;
import java.util.List;

/** Which filesystems PID 1 mounts, and in what order; each only where nothing is mounted yet. */
public final class MountPlan {

    /** One mount(2): the directory is made first (mode 0755) when missing. */
    public record Mount(String source, String target, String fsType, long flags, String data) {
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

    /** What the real root adds (systemd's set): ptys, POSIX shared memory, the runtime directory, cgroup v2. */
    public static final List<Mount> REAL_ROOT = List.of(
            new Mount("devpts", "/dev/pts", "devpts", Kernel.MS_NOSUID | Kernel.MS_NOEXEC, "mode=0620,gid=5,ptmxmode=0666"),
            new Mount("tmpfs", "/dev/shm", "tmpfs", Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_STRICTATIME, "mode=1777"),
            new Mount("tmpfs", "/run", "tmpfs", Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_STRICTATIME, "mode=0755,size=20%"),
            new Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", NOSUID_NODEV_NOEXEC, "nsdelegate"));

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
