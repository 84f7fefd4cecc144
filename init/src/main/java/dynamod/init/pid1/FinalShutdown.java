package dynamod.init.pid1;

import dynamod.linux.Errno;
import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Runs a {@link ShutdownPlan}: every step is tried, a failed one is said, and the next one still runs. */
public final class FinalShutdown {

    private FinalShutdown() {}

    /** Ends with reboot(2) or an exit; returns never. */
    public static void run(List<ShutdownPlan.Step> steps, Duration killWait, Consumer<String> say) {
        for (ShutdownPlan.Step step : steps) {
            try {
                perform(step, killWait, say);
            } catch (Throwable e) {
                say.accept(step + ": " + e + " (going on)");
            }
        }
        // reboot(2) returned, or the plan had no last step: nothing more to do but stay alive.
        say.accept("the system is stopped; it can be powered off");
        while (true) LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60));
    }

    private static void perform(ShutdownPlan.Step step, Duration killWait, Consumer<String> say) throws Exception {
        switch (step) {
            case ShutdownPlan.Step.EndAllProcesses e -> ProcessSweep.endAll(true, killWait, say);
            case ShutdownPlan.Step.SaveRandomSeed s -> RandomSeed.save(RandomSeed.FILE);
            case ShutdownPlan.Step.Sync s -> Kernel.sync();
            case ShutdownPlan.Step.Unmount u -> unmount(u.mountPoint(), say);
            case ShutdownPlan.Step.RemountRootReadOnly r -> {
                try {
                    Kernel.mount(null, "/", null, Kernel.MS_REMOUNT | Kernel.MS_RDONLY, null);
                    say.accept("remounted / read-only");
                } catch (LinuxException e) {
                    say.accept("cannot remount / read-only: " + e.getMessage());
                }
            }
            case ShutdownPlan.Step.Reboot r -> {
                say.accept(r.kind() + " now");
                System.err.flush();
                Kernel.reboot(r.command());
            }
            case ShutdownPlan.Step.Exit x -> {
                say.accept("exiting with status " + x.status());
                System.err.flush();
                Runtime.getRuntime().halt(x.status());
            }
        }
    }

    /** umount; when it is busy, make it read-only (its data is then safe) and detach it as the last resort. */
    private static void unmount(String mountPoint, Consumer<String> say) {
        try {
            Kernel.umount(mountPoint, 0);
            say.accept("unmounted " + mountPoint);
            return;
        } catch (LinuxException e) {
            if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT) return; // gone with its parent already
            say.accept("cannot unmount " + mountPoint + ": " + e.getMessage());
        }
        try {
            Kernel.mount(null, mountPoint, null, Kernel.MS_REMOUNT | Kernel.MS_RDONLY, null);
            say.accept("remounted " + mountPoint + " read-only");
        } catch (LinuxException e) {
            say.accept("cannot remount " + mountPoint + " read-only: " + e.getMessage());
        }
        try {
            Kernel.umount(mountPoint, Kernel.MNT_DETACH);
            say.accept("detached " + mountPoint + " (lazy unmount)");
        } catch (LinuxException e) {
            say.accept("cannot detach " + mountPoint + ": " + e.getMessage());
        }
    }
}
