package dynamod.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Fields of {@code /proc/PID/stat}, read as plain files. A pid plus its start time names a process for good: a pid
 * alone may be reused once the process is reaped. Empty results mean the process is gone (or was never there).
 */
public final class ProcStat {

    private static final Path PROC = Path.of("/proc");

    private ProcStat() {}

    /** Field 22, starttime: clock ticks after boot at which the process started. */
    public static OptionalLong startTime(int pid) {
        String[] fields = fieldsAfterComm(pid);
        return fields.length > 19 ? OptionalLong.of(Long.parseLong(fields[19])) : OptionalLong.empty();
    }

    /** Field 4, ppid. */
    public static OptionalInt parentPid(int pid) {
        String[] fields = fieldsAfterComm(pid);
        return fields.length > 1 ? OptionalInt.of(Integer.parseInt(fields[1])) : OptionalInt.empty();
    }

    /** Field 3, the state letter: R, S, D, Z, T, ... */
    public static Optional<String> state(int pid) {
        String[] fields = fieldsAfterComm(pid);
        return fields.length > 0 ? Optional.of(fields[0]) : Optional.empty();
    }

    /** The children of every thread of the process (from {@code /proc/PID/task/TID/children}); empty when it is gone. */
    public static List<Integer> children(int pid) {
        List<Integer> children = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                String text = readOrNull(task.resolve("children"));
                if (text == null) continue;
                for (String child : text.trim().split("\\s+")) {
                    if (!child.isEmpty()) children.add(Integer.parseInt(child));
                }
            }
        } catch (IOException gone) {
            return List.of();
        }
        return children;
    }

    /**
     * The fields from 3 (state) on. The comm field (2) is in parentheses and may itself hold spaces and
     * parentheses, so the fields start after the last ')'.
     */
    private static String[] fieldsAfterComm(int pid) {
        String stat = pid > 0 ? readOrNull(PROC.resolve(pid + "/stat")) : null;
        if (stat == null) return new String[0];
        int end = stat.lastIndexOf(')');
        if (end < 0) return new String[0];
        return stat.substring(end + 1).trim().split(" ");
    }

    private static String readOrNull(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return null;
        }
    }
}
