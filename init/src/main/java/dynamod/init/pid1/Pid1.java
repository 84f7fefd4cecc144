package dynamod.init.pid1;

import dynamod.init.Init;
import dynamod.init.InitOptions;
import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * dynamod-init as PID 1: the initramfs phase (when / is the initramfs and root= is given), the real root's setup,
 * the supervisor, and the final shutdown; in a container only the supervisor and an exit with the result. It must
 * never die (the kernel panics when PID 1 exits): whatever it cannot handle ends in an emergency shell.
 * See docs/pid1.md.
 */
public final class Pid1 {

    /** What the initramfs execs on the real root without init=. */
    public static final String DEFAULT_INIT = "/sbin/dynamod-init";

    private static volatile boolean debug;

    private Pid1() {}

    public static void main(String[] args) {
        SignalSource.installEarly();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> say("thread " + t.getName() + " died: " + e));
        Mode mode = Mode.BOOT;
        try {
            mode = detectMode();
            run(mode, args);
        } catch (Throwable t) {
            if (mode == Mode.CONTAINER) {
                say("cannot go on: " + t);
                Runtime.getRuntime().halt(1);
            }
            EmergencyShell.runAndWait("dynamod-init cannot go on: " + t + "; exit the shell to power off", Pid1::say);
            FinalShutdown.run(ShutdownPlan.plan(Mode.BOOT, "poweroff", false, mounts()), java.time.Duration.ofSeconds(5), Pid1::say);
        }
    }

    private static void run(Mode mode, String[] args) throws IOException {
        if (mode == Mode.BOOT) RealRoot.mountAll(MountPlan.missing(MountPlan.API, mounts()), Pid1::say);
        // A container's /proc/cmdline is the host's kernel's, not for us: its dynamod.* keys are init's arguments.
        KernelCommandLine cmdline = mode == Mode.BOOT ? KernelCommandLine.parse(readCmdline())
                : KernelCommandLine.ofContainerArguments(List.of(args));
        if (mode == Mode.CONTAINER) {
            args = Arrays.stream(args).filter(a -> !KernelCommandLine.isContainerKey(a)).toArray(String[]::new);
        }
        debug = cmdline.debug();
        cmdline.problems().forEach(p -> say("kernel command line: " + p));
        say("PID 1, " + (mode == Mode.BOOT ? "booting" : "in a container") + (debug ? " (dynamod.debug)" : ""));
        if (mode == Mode.BOOT && InitramfsPhase.applies(cmdline)) {
            InitramfsPhase.run(cmdline, List.of(args), Pid1::say); // execs the real init
        }
        if (!SignalSource.realTimeBlocked()) SignalSource.reexecWithRealTimeBlocked(Pid1::say);
        SignalSource.startRealTimeReader(Pid1::say);
        InitOptions options;
        try {
            options = InitOptions.parse(args, true);
        } catch (IllegalArgumentException e) {
            say("bad arguments (" + e.getMessage() + "): going on with the defaults\n" + InitOptions.USAGE);
            options = InitOptions.parse(new String[0], true);
        }
        // On a machine the boot is the kernel's: _BOOT_ID then equals /proc/sys/kernel/random/boot_id, as journald's and
        // sd_id128_get_boot()'s. A container shares its host's kernel (and its boot id) across restarts: a new one each start.
        if (mode == Mode.BOOT && options.bootId().isEmpty()) {
            Optional<UUID> kernel = kernelBootId();
            if (kernel.isPresent()) options = options.withBootId(kernel.get());
        }
        RealRoot.setUp(mode, options.state(), Pid1::say);
        if (cmdline.emergency()) {
            EmergencyShell.runAndWait("dynamod.emergency is on the kernel command line; exit the shell to start the services", Pid1::say);
        }
        Init.Outcome outcome = Init.supervise(options, new Init.Role.Pid1(mode, cmdline.config()), SignalSource::deliverTo);
        say("the services are stopped (" + outcome.kind() + (outcome.clean() ? "" : ", not within the deadline") + ")");
        FinalShutdown.run(ShutdownPlan.plan(mode, outcome.kind(), outcome.clean(), mounts()), options.killWait(), Pid1::say);
    }

    private static Optional<UUID> kernelBootId() {
        try {
            return Optional.of(UUID.fromString(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip()));
        } catch (IOException | IllegalArgumentException e) {
            say("no kernel boot id (" + e.getMessage() + "): a random one");
            return Optional.empty();
        }
    }

    /**
     * reboot(CAD_OFF) both tells a machine from a container and, on a machine, makes ctrl-alt-del send SIGINT to
     * PID 1 instead of rebooting at once.
     */
    private static Mode detectMode() {
        int errno = 0;
        try {
            Kernel.reboot(Kernel.REBOOT_CAD_OFF);
        } catch (LinuxException e) {
            errno = e.errno();
        }
        return Mode.detect(System.getenv("container"), errno);
    }

    private static String readCmdline() {
        try {
            return Files.readString(Path.of("/proc/cmdline"));
        } catch (IOException e) {
            say("cannot read /proc/cmdline: " + e.getMessage());
            return "";
        }
    }

    /** What is mounted now; empty without /proc. */
    static MountTable mounts() {
        try {
            return MountTable.parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return MountTable.EMPTY;
        }
    }

    static boolean debug() {
        return debug;
    }

    static void say(String text) {
        System.err.println("dynamod-init: " + text);
        System.err.flush();
    }
}
