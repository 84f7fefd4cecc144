package dynamod.svmgr.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** What /proc says about a process: its group, whether it lives, which service's it is. */
final class ProcInfo {

    private ProcInfo() {}

    /** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
    private static Optional<String[]> stat(int pid) {
        try {
            String s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return Optional.of(s.substring(s.lastIndexOf(')') + 2).split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static OptionalInt pgrp(int pid) {
        return stat(pid).map(f -> OptionalInt.of(Integer.parseInt(f[2]))).orElse(OptionalInt.empty());
    }

    static OptionalInt session(int pid) {
        return stat(pid).map(f -> OptionalInt.of(Integer.parseInt(f[3]))).orElse(OptionalInt.empty());
    }

    static OptionalInt parent(int pid) {
        return stat(pid).map(f -> OptionalInt.of(Integer.parseInt(f[1]))).orElse(OptionalInt.empty());
    }

    /** Exists and is not a zombie waiting to be reaped. */
    static boolean isLive(int pid) {
        return stat(pid).map(f -> !f[0].equals("Z") && !f[0].equals("X")).orElse(false);
    }

    /**
     * The service a process belongs to: the {@code DYNAMOD_SERVICE} its environment was started with (inherited by
     * its children). Empty when it has none or its environment cannot be read. This is what tells a recorded pid from
     * a reused one after a restart of the manager.
     */
    static Optional<String> serviceOf(int pid) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String prefix = "DYNAMOD_SERVICE=";
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                String entry = new String(environ, start, i - start, StandardCharsets.UTF_8);
                if (entry.startsWith(prefix)) return Optional.of(entry.substring(prefix.length()));
                start = i + 1;
            }
        }
        return Optional.empty();
    }

    static List<Integer> childrenOf(int pid) {
        List<Integer> children = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String text = Files.readString(task.resolve("children")).strip();
                if (text.isEmpty()) continue;
                for (String c : text.split(" ")) children.add(Integer.parseInt(c));
            }
        } catch (IOException | RuntimeException e) {
            // gone, or no children file (old kernel): nothing found
        }
        return children;
    }
}
