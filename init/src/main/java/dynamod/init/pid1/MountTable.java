package dynamod.init.pid1;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What is mounted, from {@code /proc/self/mountinfo}, in its order (a mount comes after the one it is on). */
public record MountTable(List<Entry> entries) {

    /** One line: the mount point and its source and type ({@code \040}-style escapes undone). */
    public record Entry(int id, int parentId, String mountPoint, String fsType, String source, String options) {}

    public MountTable {
        entries = List.copyOf(entries);
    }

    public static final MountTable EMPTY = new MountTable(List.of());

    /** Lines that do not parse are skipped: a table the kernel wrote has none. */
    public static MountTable parse(String mountinfo) {
        List<Entry> entries = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (f.length < 7 || dash < 6 || dash + 2 >= f.length) continue;
            try {
                entries.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[4]), unescape(f[dash + 1]),
                        unescape(f[dash + 2]), f[5]));
            } catch (NumberFormatException e) {
                // not a mountinfo line
            }
        }
        return new MountTable(entries);
    }

    /** The mount at exactly this point (the last one, if several are stacked). */
    public Optional<Entry> at(String mountPoint) {
        Optional<Entry> found = Optional.empty();
        for (Entry e : entries) {
            if (e.mountPoint().equals(mountPoint)) found = Optional.of(e);
        }
        return found;
    }

    public boolean isMounted(String mountPoint) {
        return at(mountPoint).isPresent();
    }

    /** Whether {@code path} is strictly below {@code dir} ({@code /data/x} in {@code /data}, not {@code /database}). */
    public static boolean isInside(String path, String dir) {
        if (path.equals(dir)) return false;
        return dir.equals("/") ? path.startsWith("/") : path.startsWith(dir + "/");
    }

    /** Undoes the kernel's and fstab's octal escapes ({@code \040} for a blank, {@code \134} for a backslash). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
