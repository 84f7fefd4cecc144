package dynamod.init.pid1;

import dynamod.init.Init;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.Spawn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A root shell on the console for when PID 1 cannot go on, or is asked for one ({@code dynamod.emergency},
 * SIGUSR2). It says why first. There is no password: whoever has the console of a machine that cannot boot owns it
 * anyway (as dracut's and the original's emergency shells).
 */
public final class EmergencyShell {

    static final List<String> SHELLS = List.of("/bin/sh", "/bin/busybox", "/usr/bin/sh");
    private static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root", "TERM=linux", "PS1=(dynamod emergency) # ");

    private EmergencyShell() {}

    /** Starts the shell in a new session on /dev/console (else on init's own stdin/out/err); its pid, 0 if none. */
    public static int start(String why, Consumer<String> say) {
        say.accept("EMERGENCY SHELL: " + why);
        int console = -1;
        try {
            console = Posix.open("/dev/console", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        } catch (LinuxException e) {
            say.accept("no /dev/console (" + e.getMessage() + "): the shell uses init's own terminal");
        }
        try {
            for (String shell : SHELLS) {
                if (!Files.isExecutable(Path.of(shell))) continue;
                // argv[0] "-sh": a login shell (busybox finds its sh applet by that name too)
                List<String> argv = List.of("-sh", "-i");
                Map<Integer, Integer> fds = console >= 0 ? Map.of(0, console, 1, console, 2, console) : Map.of(0, 0, 1, 1, 2, 2);
                try {
                    int pid = Spawn.spawn(shell, argv, ENV, fds, true);
                    say.accept("emergency shell " + shell + " runs as pid " + pid + "; leave it with 'exit'");
                    return pid;
                } catch (LinuxException e) {
                    say.accept("cannot start " + shell + ": " + e.getMessage());
                }
            }
            say.accept("no shell to start (looked for " + String.join(", ", SHELLS) + ")");
            return 0;
        } finally {
            if (console >= 0) {
                try {
                    Posix.close(console);
                } catch (LinuxException e) {
                    // nothing to do
                }
            }
        }
    }

    /**
     * Before the supervisor runs (no reaper thread yet): starts the shell and reaps every child until it has
     * exited. Without any shell there is nothing a person could do here, and PID 1 must not exit: it waits for ever.
     */
    public static void runAndWait(String why, Consumer<String> say) {
        int pid = start(why, say);
        if (pid == 0) {
            say.accept("cannot go on and have no shell: waiting for ever (power the machine off)");
            while (true) {
                reapOnce();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
        // Non-blocking, and checking that the shell still exists: after a failure in the supervisor, its reaper
        // thread may be the one that reaps the shell.
        while (true) {
            try {
                Posix.Reaped r;
                while ((r = Posix.waitAny(false)) != null) {
                    if (r.pid() == pid) {
                        say.accept("the emergency shell ended (" + Init.describe(r) + "); going on");
                        return;
                    }
                }
                if (!Posix.exists(pid)) {
                    say.accept("the emergency shell ended; going on");
                    return;
                }
            } catch (LinuxException e) {
                // try again
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static void reapOnce() {
        try {
            while (Posix.waitAny(false) != null) {
                // reap every zombie there is
            }
        } catch (LinuxException e) {
            // nothing to reap
        }
    }
}
