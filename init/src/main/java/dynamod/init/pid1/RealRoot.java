package dynamod.init.pid1;

import dynamod.linux.Errno;
import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * PID 1's setup on the real root, before the supervisor: the filesystems every system expects, then {@code /} remounted
 * and the local filesystems mounted as {@code /etc/fstab} says, the hostname, the machine id, the random seed, and
 * svmgr's runtime directory on /run. Each step that fails is said and skipped: a machine without a hostname still
 * boots. A filesystem fstab lists without {@code nofail} that cannot be mounted opens the emergency shell (as
 * systemd's local-fs.target does); when the shell exits, the mounts are tried again. In a container the runtime made the filesystems and owns the
 * hostname, and the kernel's pool is the host's: only the machine id is ours to ensure.
 */
public final class RealRoot {

    /** Where svmgr's sockets are (dynamodctl's default); STATE/run is bind-mounted from here in boot mode. */
    public static final Path RUNTIME_DIR = Path.of("/run/dynamod");

    private RealRoot() {}

    public static void setUp(Mode mode, Path state, Consumer<String> say) {
        if (mode == Mode.BOOT) {
            mountAll(MountPlan.missing(concat(MountPlan.API, MountPlan.REAL_ROOT), Pid1.mounts()), say);
            step(Fstab.FILE, say, () -> localFilesystems(say));
            step("hostname", say, () -> hostname(say));
            // services (and tcp-port readiness, which connects to 127.0.0.1) expect the loopback interface up
            step("loopback", say, () -> Kernel.interfaceUp("lo"));
            step("runtime directory", say, () -> bindRuntimeDir(state, say));
        }
        step("machine id", say, () -> machineId(mode, say));
        if (mode == Mode.BOOT) {
            step("random seed", say, () -> {
                int n = RandomSeed.load(RandomSeed.FILE);
                if (n > 0) say.accept("mixed " + n + " bytes of " + RandomSeed.FILE + " into the kernel's pool");
            });
        }
    }

    /**
     * Mounts each, making its directory first; one that fails does not stop the others. One that the kernel refuses
     * for an option it is too old for is said and mounted without it ({@link MountPlan.Mount#retryAfter}).
     */
    public static void mountAll(List<MountPlan.Mount> mounts, Consumer<String> say) {
        for (MountPlan.Mount wanted : mounts) {
            MountPlan.Mount m = wanted;
            try {
                Files.createDirectories(Path.of(m.target()));
                try {
                    mount(m);
                } catch (LinuxException e) {
                    MountPlan.Mount older = m.retryAfter(e.errno()).orElseThrow(() -> e);
                    say.accept(m + ": the kernel refuses these options (" + e.errnoName() + "): mounting with " + older.data() + " instead");
                    m = older;
                    mount(m);
                }
                if (Pid1.debug()) say.accept("mounted " + m);
            } catch (LinuxException e) {
                if (e.errno() != Errno.EBUSY) say.accept("cannot mount " + m + ": " + e.getMessage());
            } catch (IOException e) {
                say.accept("cannot mount " + m + ": " + e.getMessage());
            }
        }
    }

    private static void mount(MountPlan.Mount m) throws LinuxException {
        Kernel.mount(m.source(), m.target(), m.fsType(), m.flags(), m.data().isEmpty() ? null : m.data());
    }

    /** /etc/fstab's mounts, until none that the boot needs is missing (the emergency shell in between). */
    private static void localFilesystems(Consumer<String> say) {
        List<String> failed;
        while (!(failed = LocalMounts.mountAll(Path.of(Fstab.FILE), say)).isEmpty()) {
            EmergencyShell.runAndWait(String.join("; ", failed) + ". " + Fstab.FILE + " lists "
                    + (failed.size() == 1 ? "it" : "them") + " without nofail: fix the line (or add nofail) and exit the shell"
                    + " to try the mounts again", say);
        }
    }

    private static void hostname(Consumer<String> say) throws IOException {
        Path file = Path.of("/etc/hostname");
        String name = MachineIdentity.hostname(Files.exists(file) ? Files.readString(file) : null).orElse("localhost");
        Kernel.sethostname(name);
        if (Pid1.debug()) say.accept("hostname " + name);
    }

    private static void machineId(Mode mode, Consumer<String> say) throws IOException {
        Path etc = Path.of("/etc/machine-id");
        String content = Files.isReadable(etc) ? Files.readString(etc) : null;
        boolean writable = Files.isWritable(etc.getParent()) && (!Files.exists(etc) || Files.isWritable(etc)) && writableFs(etc);
        MachineIdentity.IdAction action = MachineIdentity.machineId(content, writable,
                mode == Mode.CONTAINER ? System.getenv("container_uuid") : null, UUID.randomUUID());
        switch (action) {
            case MachineIdentity.IdAction.Keep k -> {}
            case MachineIdentity.IdAction.WriteEtc w -> {
                Files.writeString(etc, w.id() + "\n");
                say.accept("made the machine id " + w.id() + " (" + etc + ")");
            }
            case MachineIdentity.IdAction.WriteRun w -> {
                Path run = Path.of("/run/machine-id");
                Files.writeString(run, w.id() + "\n");
                if (Files.exists(etc)) Kernel.mount(run.toString(), etc.toString(), null, Kernel.MS_BIND, null);
                say.accept("made the machine id " + w.id() + " for this boot only (" + etc + " cannot be written; it is in " + run + ")");
            }
        }
    }

    /** A file on a read-only mount says it is writable by its mode; only a write tells. */
    private static boolean writableFs(Path file) {
        Path probe = file.resolveSibling(".machine-id.probe");
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** svmgr keeps its sockets in STATE/run; on a machine they belong on /run, where dynamodctl looks for them. */
    private static void bindRuntimeDir(Path state, Consumer<String> say) throws IOException {
        Path stateRun = state.resolve("run");
        Files.createDirectories(RUNTIME_DIR);
        Files.createDirectories(stateRun);
        if (Pid1.mounts().isMounted(stateRun.toString())) return;
        Kernel.mount(RUNTIME_DIR.toString(), stateRun.toString(), null, Kernel.MS_BIND, null);
        if (Pid1.debug()) say.accept(stateRun + " is " + RUNTIME_DIR);
    }

    @FunctionalInterface
    interface Step {
        void run() throws IOException;
    }

    static void step(String what, Consumer<String> say, Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            say.accept(what + ": " + e.getMessage() + " (skipped)");
        }
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
