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
 * What {@code /proc} says about a process — fields of {@code /proc/PID/stat}, its children, its environment — read as
 * plain files. A pid plus its start time names a process for good: a pid alone may be reused once the process is
 * reaped. Empty results mean the process is gone (or was never there, or may not be read).
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

    /** Field 5, pgrp: the process group. */
    public static OptionalInt processGroup(int pid) {
        String[] fields = fieldsAfterComm(pid);
        return fields.length > 2 ? OptionalInt.of(Integer.parseInt(fields[2])) : OptionalInt.empty();
    }

    /** Field 6, session. */
    public static OptionalInt session(int pid) {
        String[] fields = fieldsAfterComm(pid);
        return fields.length > 3 ? OptionalInt.of(Integer.parseInt(fields[3])) : OptionalInt.empty();
    }

    /** It exists and is not a zombie waiting to be reaped. */
    public static boolean isLive(int pid) {
        return state(pid).filter(s -> !s.equals("Z") && !s.equals("X")).isPresent();
    }

    /**
     * dynamod's name for a service's processes: svmgr starts each with {@code DYNAMOD_SERVICE=name} in its
     * environment, and children inherit it.
     */
    public static final String SERVICE_VARIABLE = "DYNAMOD_SERVICE";

    /** The service a process belongs to ({@link #SERVICE_VARIABLE} in the environment it was started with). */
    public static Optional<String> service(int pid) {
        return environmentVariable(pid, SERVICE_VARIABLE);
    }

    /** A variable of the environment the process was started with (its {@code /proc/PID/environ}). */
    public static Optional<String> environmentVariable(int pid, String name) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(PROC.resolve(pid + "/environ"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        byte[] prefix = (name + "=").getBytes(StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start >= prefix.length && java.util.Arrays.equals(environ, start, start + prefix.length, prefix, 0, prefix.length)) {
                    return Optional.of(new String(environ, start + prefix.length, i - start - prefix.length, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return Optional.empty();
    }

    /** CAP_SYS_ADMIN: mounts, namespaces, sethostname. */
    public static final int CAP_SYS_ADMIN = 21;

    /** Whether the capability (its kernel number) is in the process's effective set ({@code CapEff} of its status). */
    public static boolean hasEffectiveCapability(int pid, int capability) {
        String status = readOrNull(PROC.resolve(pid + "/status"));
        if (status == null) return false;
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) >>> capability & 1) == 1;
        }
        return false;
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
