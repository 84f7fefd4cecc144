package dynamod.init.pid1;

import dynamod.linux.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A mount option string ({@code rootflags=}, fstab's fourth field) split as mount(8) does: the generic words become
 * MS_* flags, the rest go to the filesystem as its data, in order.
 *
 * @param flags MS_* flags to set
 * @param clear MS_* flags an option turned off ({@code rw}, {@code suid}, {@code atime}, ...)
 * @param data the filesystem's own options, comma-separated; empty for none
 */
public record MountOptions(long flags, long clear, String data) {

    private static final Map<String, Long> SET = Map.ofEntries(Map.entry("ro", Kernel.MS_RDONLY),
            Map.entry("nosuid", Kernel.MS_NOSUID), Map.entry("nodev", Kernel.MS_NODEV),
            Map.entry("noexec", Kernel.MS_NOEXEC), Map.entry("sync", Kernel.MS_SYNCHRONOUS),
            Map.entry("dirsync", Kernel.MS_DIRSYNC), Map.entry("noatime", Kernel.MS_NOATIME),
            Map.entry("nodiratime", Kernel.MS_NODIRATIME), Map.entry("relatime", Kernel.MS_RELATIME),
            Map.entry("strictatime", Kernel.MS_STRICTATIME), Map.entry("lazytime", Kernel.MS_LAZYTIME),
            Map.entry("nosymfollow", Kernel.MS_NOSYMFOLLOW), Map.entry("bind", Kernel.MS_BIND),
            Map.entry("rbind", Kernel.MS_BIND | Kernel.MS_REC));
    private static final Map<String, Long> CLEAR = Map.of("rw", Kernel.MS_RDONLY, "suid", Kernel.MS_NOSUID,
            "dev", Kernel.MS_NODEV, "exec", Kernel.MS_NOEXEC, "async", Kernel.MS_SYNCHRONOUS,
            "atime", Kernel.MS_NOATIME, "diratime", Kernel.MS_NODIRATIME, "norelatime", Kernel.MS_RELATIME);

    public static final MountOptions NONE = new MountOptions(0, 0, "");

    public static MountOptions parse(String options) {
        long flags = 0, clear = 0;
        List<String> data = new ArrayList<>();
        for (String option : options.split(",")) {
            if (option.isEmpty() || option.equals("defaults")) continue;
            Long set = SET.get(option), unset = CLEAR.get(option);
            if (set != null) {
                flags |= set;
                clear &= ~set;
            } else if (unset != null) {
                clear |= unset;
                flags &= ~unset;
            } else {
                data.add(option);
            }
        }
        return new MountOptions(flags, clear, String.join(",", data));
    }

    /** The flags for a mount that starts from {@code base}. */
    public long applyTo(long base) {
        return (base | flags) & ~clear;
    }
}
