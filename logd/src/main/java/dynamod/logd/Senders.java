package dynamod.logd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who sent a datagram, from its credentials' pid: the service (the {@code DYNAMOD_SERVICE=} that svmgr puts in the
 * environment of every service's processes, read from {@code /proc/PID/environ}) and the command name
 * ({@code /proc/PID/comm}, the identifier of a message that names none). Both are "" when the process is gone, has
 * none, or may not be read (logd not root, another user's process). A busy sender costs one read a second: answers are
 * kept for {@link #TTL_NANOS} (a pid reused within that second would be misattributed; a cgroup lookup, issue 9, will
 * not be).
 */
final class Senders {

    static final long TTL_NANOS = 1_000_000_000L;
    private static final int MAX_ENTRIES = 1024;

    private static final class Info {
        final long readAt;
        final String service;
        String comm; // read on first need

        Info(long readAt, String service) {
            this.readAt = readAt;
            this.service = service;
        }
    }

    private final Map<Integer, Info> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Info> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    synchronized String service(int pid) {
        return pid > 0 ? info(pid).service : "";
    }

    synchronized String comm(int pid) {
        if (pid <= 0) return "";
        Info info = info(pid);
        if (info.comm == null) info.comm = readComm(pid);
        return info.comm;
    }

    private Info info(int pid) {
        long now = System.nanoTime();
        Info info = cache.get(pid);
        if (info == null || now - info.readAt > TTL_NANOS) {
            info = new Info(now, readService(pid));
            cache.put(pid, info);
        }
        return info;
    }

    static String readService(int pid) {
        return dynamod.linux.ProcStat.service(pid).orElse("");
    }

    static String readComm(int pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
