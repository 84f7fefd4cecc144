package dynamod.init.pid1;

import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import dynamod.linux.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * PID 1's signals. The JVM's own handlers come off at once (its SIGTERM would exit the JVM, and a PID 1 that
 * exits panics the kernel); until the supervisor takes them, signals wait here. The JVM cannot name the
 * real-time signals, so SIGRTMIN+3..5 arrive through a signalfd, which only works when every thread blocks them:
 * a JVM inherits its signal mask from whoever exec'd it, so PID 1 re-execs itself once with them blocked unless
 * they already are (the initramfs phase execs the real init so).
 */
public final class SignalSource {

    private static final LinkedBlockingQueue<Integer> EARLY = new LinkedBlockingQueue<>();
    private static volatile IntConsumer target;

    private SignalSource() {}

    /** JVM-level handlers for the nameable signals; call first thing. */
    public static void installEarly() {
        for (int signal : SignalMeaning.HANDLED) {
            if (isRealTime(signal)) continue;
            String name = Signals.name(signal).substring(3);
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> deliver(s.getNumber()));
        }
    }

    /** From now on signals go to {@code to} (those that came before it, first). */
    public static void deliverTo(IntConsumer to) {
        target = to;
        List<Integer> early = new ArrayList<>();
        EARLY.drainTo(early);
        early.forEach(to::accept);
    }

    private static void deliver(int signal) {
        IntConsumer t = target;
        if (t == null) EARLY.add(signal);
        else t.accept(signal);
    }

    /** Whether this thread (and so every thread the JVM started from it) blocks SIGRTMIN+3..5. */
    public static boolean realTimeBlocked() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (!line.startsWith("SigBlk:")) continue;
                long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                return Arrays.stream(SignalMeaning.REAL_TIME).allMatch(s -> (mask & 1L << (s - 1)) != 0);
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc: cannot tell
        }
        return false;
    }

    /**
     * Execs this JVM again, with the same command line and environment, with SIGRTMIN+3..5 blocked and no fd but
     * 0, 1 and 2. Returns only if that failed (said; PID 1 goes on without those three signals).
     */
    public static void reexecWithRealTimeBlocked(Consumer<String> say) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            List<String> argv = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < cmdline.length; i++) {
                if (cmdline[i] == 0) {
                    argv.add(new String(cmdline, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            String exe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
            List<String> env = new ArrayList<>();
            System.getenv().forEach((k, v) -> env.add(k + "=" + v));
            Kernel.blockSignals(SignalMeaning.REAL_TIME);
            Kernel.closeOnExecFrom(3);
            Kernel.execve(exe, argv, env);
        } catch (IOException | RuntimeException e) {
            say.accept("cannot re-exec with SIGRTMIN+3..5 blocked (" + e.getMessage() + "): those three signals do nothing");
        }
    }

    /** Reads SIGRTMIN+3..5 from a signalfd on a thread of its own. */
    public static void startRealTimeReader(Consumer<String> say) {
        int fd;
        try {
            fd = Kernel.signalFd(SignalMeaning.REAL_TIME);
        } catch (LinuxException e) {
            say.accept("no signalfd (" + e.getMessage() + "): SIGRTMIN+3..5 do nothing");
            return;
        }
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    deliver(Kernel.readSignal(fd));
                } catch (Throwable e) {
                    say.accept("signalfd: " + e);
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
            }
        }, "signals");
        t.setDaemon(true);
        t.start();
    }

    private static boolean isRealTime(int signal) {
        return signal >= Signals.SIGRTMIN;
    }
}
