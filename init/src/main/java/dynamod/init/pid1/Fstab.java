package dynamod.init.pid1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /etc/fstab} as mount(8) reads it: one filesystem a line, {@code SOURCE MOUNTPOINT TYPE [OPTIONS [DUMP
 * [PASS]]]} separated by blanks, {@code \040}-style octal escapes in the fields, {@code #} comments and blank lines
 * skipped. A line that does not parse is a problem (with its {@code FILE:LINE}) and the others still count.
 *
 * @param entries the lines that parse, in the file's order
 * @param problems one message a bad line, {@code /etc/fstab:LINE: why}
 */
public record Fstab(List<Entry> entries, List<String> problems) {

    public static final String FILE = "/etc/fstab";

    /**
     * mount(8)'s own options and other programs': they say how or whether to mount, and the kernel refuses them. Any
     * {@code x-} or {@code X-} option ({@code x-systemd.*}, {@code X-mount.mkdir}) and {@code comment=} are left out too.
     */
    static final Set<String> NOT_FOR_THE_KERNEL = Set.of("auto", "noauto", "nofail", "user", "nouser", "users", "owner",
            "group", "_netdev", "defaults");

    /** Filesystems that need the network, which dynamod-init does not bring up: skipped with a note. */
    static final Set<String> NETWORK = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "ceph", "glusterfs",
            "fuse.sshfs", "sshfs", "davfs", "fuse.glusterfs", "gfs2", "ocfs2", "afs");

    /**
     * One line.
     *
     * @param file the file and line it came from ({@code /etc/fstab:12}), for messages
     * @param source the first field: a device ({@code UUID=}, {@code /dev/...}) or what the filesystem takes ({@code tmpfs})
     * @param mountPoint the second: an absolute path without a trailing slash, or {@code none} / {@code swap} for swap
     * @param fsType the third; {@code auto} means "what the superblock says"
     * @param options the fourth, as written ({@code defaults} when left out)
     * @param passNo the sixth: fsck's order (0 = never); dynamod-init runs no fsck
     */
    public record Entry(String file, String source, String mountPoint, String fsType, String options, int passNo) {

        public List<String> optionList() {
            return Arrays.stream(options.split(",")).filter(o -> !o.isEmpty()).toList();
        }

        public boolean has(String option) {
            return optionList().contains(option);
        }

        public boolean noauto() {
            return has("noauto");
        }

        /** A failure to mount it is said, and the boot goes on. */
        public boolean nofail() {
            return has("nofail");
        }

        public boolean swap() {
            return fsType.equals("swap");
        }

        public boolean network() {
            return NETWORK.contains(fsType) || has("_netdev");
        }

        /** The device the source names; empty for a source that is not one ({@code tmpfs}, {@code server:/export}). */
        public Optional<RootSpec> device() {
            if (!isDeviceSource(source)) return Optional.empty();
            return Optional.of(RootSpec.parse(source));
        }

        /** What the kernel gets: the MS_* flags and the filesystem's data, without the options meant for mount(8). */
        public MountOptions mountOptions() {
            return MountOptions.parse(String.join(",", optionList().stream().filter(o -> !NOT_FOR_THE_KERNEL.contains(o)
                    && !o.startsWith("x-") && !o.startsWith("X-") && !o.startsWith("comment=")).toList()));
        }

        @Override
        public String toString() {
            return source + " on " + mountPoint + " (" + file + ")";
        }
    }

    public Fstab {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    public static final Fstab EMPTY = new Fstab(List.of(), List.of());

    /** {@code file} names the text in messages ({@link #FILE}). */
    public static Fstab parse(String text, String file) {
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = file + ":" + (i + 1);
            try {
                entries.add(entry(line, where));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage() + " (line skipped: " + line + ")");
            }
        }
        return new Fstab(entries, problems);
    }

    private static Entry entry(String line, String where) {
        String[] f = line.split("[ \t]+");
        if (f.length < 3) throw new IllegalArgumentException("expected SOURCE MOUNTPOINT TYPE [OPTIONS [DUMP [PASS]]]");
        if (f.length > 6) throw new IllegalArgumentException("more than 6 fields (a blank in a field is written \\040)");
        String source = MountTable.unescape(f[0]), target = MountTable.unescape(f[1]), type = MountTable.unescape(f[2]);
        String options = f.length > 3 ? MountTable.unescape(f[3]) : "defaults";
        if (f.length > 4) number("the dump field", f[4]);
        int passNo = f.length > 5 ? number("the pass field", f[5]) : 0;
        if (type.equals("swap")) {
            if (!target.equals("none") && !target.equals("swap") && !target.startsWith("/")) {
                throw new IllegalArgumentException("a swap line's mount point is none or swap, not " + target);
            }
        } else if (!target.startsWith("/")) {
            throw new IllegalArgumentException("the mount point " + target + " is not an absolute path");
        } else if (Arrays.asList(target.split("/")).contains("..")) {
            throw new IllegalArgumentException("the mount point " + target + " has '..' in it");
        }
        if (isDeviceSource(source)) {
            try {
                RootSpec.parse(source);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage());
            }
        }
        return new Entry(where, source, normalize(target), type, options, passNo);
    }

    /** Whether the source names a block device (a tag or a device path) rather than being the filesystem's own word. */
    static boolean isDeviceSource(String source) {
        return source.startsWith("/dev/") || source.startsWith("UUID=") || source.startsWith("LABEL=")
                || source.startsWith("PARTUUID=") || source.startsWith("PARTLABEL=");
    }

    private static int number(String what, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is " + value + ", not a number");
        }
    }

    /** {@code /data/} and {@code /data//x} as the kernel sees them: {@code /data}, {@code /data/x}. */
    static String normalize(String path) {
        if (!path.startsWith("/")) return path;
        String joined = String.join("/", Arrays.stream(path.split("/")).filter(p -> !p.isEmpty() && !p.equals(".")).toList());
        return "/" + joined;
    }
}
