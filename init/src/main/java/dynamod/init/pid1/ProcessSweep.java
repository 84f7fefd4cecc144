package dynamod.init.pid1;

import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.ProcStat;
import dynamod.linux.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Ends what is left after svmgr: SIGTERM, then waiting only while something is left (at most {@code wait}), then
 * SIGKILL to the rest. Host mode ends its own children; PID 1 every process there is but itself and the kernel's
 * threads. The wait says once a second what it waits for. Reaping is the reaper thread's job.
 */
public final class ProcessSweep {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private ProcessSweep() {}

    public static void endAll(boolean everyProcess, Duration wait, Consumer<String> say) {
        List<Integer> left = left(everyProcess);
        if (left.isEmpty()) return;
        say.accept("sending SIGTERM to " + describe(left));
        signal(everyProcess, left, Signals.SIGTERM);
        long deadline = System.nanoTime() + wait.toNanos(), nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!(left = left(everyProcess)).isEmpty() && System.nanoTime() - deadline < 0) {
            if (System.nanoTime() - nextReport >= 0) {
                say.accept("waiting for " + describe(left));
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (left.isEmpty()) return;
        say.accept("sending SIGKILL to " + describe(left));
        signal(everyProcess, left, Signals.SIGKILL);
        long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!left(everyProcess).isEmpty() && System.nanoTime() - killDeadline < 0) LockSupport.parkNanos(POLL_NANOS);
    }

    private static void signal(boolean everyProcess, List<Integer> pids, int signal) {
        try {
            // kill(-1) reaches every process but PID 1 itself, including ones started since the list was made.
            if (everyProcess) Posix.kill(-1, signal);
            else for (int pid : pids) kill(pid, signal);
        } catch (LinuxException e) {
            // ESRCH: nothing left
        }
    }

    private static void kill(int pid, int signal) {
        try {
            Posix.kill(pid, signal);
        } catch (LinuxException e) {
            // gone already
        }
    }

    /** Live processes (zombies are as good as gone: the reaper takes them). */
    static List<Integer> left(boolean everyProcess) {
        int self = Posix.getpid();
        List<Integer> candidates = everyProcess ? allPids() : ProcStat.children(self);
        List<Integer> live = new ArrayList<>();
        for (int pid : candidates) {
            if (pid == self || isKernelThread(pid)) continue;
            if (ProcStat.state(pid).map(s -> !s.equals("Z") && !s.equals("X")).orElse(false)) live.add(pid);
        }
        return live;
    }

    /** kthreadd (pid 2) and its children; in a container they are not visible at all. */
    private static boolean isKernelThread(int pid) {
        return pid == 2 || ProcStat.parentPid(pid).orElse(-1) == 2;
    }

    private static List<Integer> allPids() {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Integer::parseInt).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** "3 processes: 412 (sleep), 415 (sh), 420 (java)", the first ten named. */
    private static String describe(List<Integer> pids) {
        StringBuilder s = new StringBuilder(pids.size() + (pids.size() == 1 ? " process: " : " processes: "));
        for (int i = 0; i < Math.min(pids.size(), 10); i++) {
            if (i > 0) s.append(", ");
            s.append(pids.get(i)).append(" (").append(command(pids.get(i))).append(')');
        }
        if (pids.size() > 10) s.append(", ...");
        return s.toString();
    }

    private static String command(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
