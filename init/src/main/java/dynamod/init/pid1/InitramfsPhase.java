package dynamod.init.pid1;

import dynamod.linux.Errno;
import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * PID 1 in an initramfs: loads the modules the image lists, finds and mounts the real root, moves the
 * pseudo-filesystems onto it, deletes the initramfs's files, switches root and execs the real init. Whatever
 * fails before the switch opens an emergency shell on the console; when the shell exits, it tries again.
 */
public final class InitramfsPhase {

    /** One module per line: a .ko path (relative ones under /lib/modules/RELEASE/) and its parameters. */
    public static final Path MODULES = Path.of("/usr/lib/dynamod/initramfs/modules");
    public static final String NEW_ROOT = "/newroot";
    /** Without rootwait: how long to wait for the root device (drivers probe asynchronously after finit_module). */
    static final Duration DEFAULT_ROOT_WAIT = Duration.ofSeconds(10);

    private InitramfsPhase() {}

    /** Whether to run: / is the initramfs (ramfs or tmpfs) and the command line names a root. */
    public static boolean applies(KernelCommandLine cmdline) {
        if (cmdline.root().isEmpty()) return false;
        try {
            long type = Kernel.filesystemType("/");
            return type == Kernel.RAMFS_MAGIC || type == Kernel.TMPFS_MAGIC;
        } catch (LinuxException e) {
            return false;
        }
    }

    /** Never returns: it execs the real init, or keeps offering the emergency shell. */
    public static void run(KernelCommandLine cmdline, List<String> initArgs, Consumer<String> say) {
        loadModules(say);
        while (true) {
            try {
                String init = mountRoot(cmdline, say);
                switchRoot(init, initArgs, say);
            } catch (Throwable e) {
                EmergencyShell.runAndWait("cannot boot the real root: " + e.getMessage()
                        + "; exit the shell to try again", say);
            }
        }
    }

    static void loadModules(Consumer<String> say) {
        if (!Files.exists(MODULES)) return;
        String release;
        try {
            release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            release = "";
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(MODULES);
        } catch (IOException e) {
            say.accept("cannot read " + MODULES + ": " + e.getMessage());
            return;
        }
        int loaded = 0;
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] parts = l.split("\\s+", 2);
            Path ko = parts[0].startsWith("/") ? Path.of(parts[0]) : Path.of("/lib/modules", release, parts[0]);
            try {
                int fd = Posix.open(ko.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
                try {
                    Kernel.loadModule(fd, parts.length > 1 ? parts[1] : "", ko.getFileName().toString());
                    loaded++;
                } finally {
                    Posix.close(fd);
                }
            } catch (LinuxException e) {
                if (e.errno() != Errno.EEXIST) say.accept("module " + ko + ": " + e.getMessage());
            }
        }
        if (Pid1.debug()) say.accept("loaded " + loaded + " modules from " + MODULES);
    }

    /** Finds, waits for and mounts the root on {@link #NEW_ROOT}; returns the init to exec there. */
    static String mountRoot(KernelCommandLine cmdline, Consumer<String> say) throws IOException {
        RootSpec spec = cmdline.root().orElseThrow();
        if (!cmdline.rootDelay().isZero()) {
            say.accept("rootdelay: waiting " + cmdline.rootDelay().toSeconds() + " s");
            LockSupport.parkNanos(cmdline.rootDelay().toNanos());
        }
        BlockDevice device = waitForRoot(spec, cmdline.rootWait().orElse(DEFAULT_ROOT_WAIT), say);
        String type = RootFinder.fsType(cmdline, device).orElseThrow(() -> new IOException(
                device.node() + " holds no filesystem dynamod-init knows (ext2/3/4, btrfs, xfs, vfat): give rootfstype="));
        Files.createDirectories(Path.of(NEW_ROOT));
        long flags = cmdline.rootFlags().applyTo(cmdline.readOnly() ? Kernel.MS_RDONLY : 0);
        String data = cmdline.rootFlags().data();
        Kernel.mount(device.node(), NEW_ROOT, type, flags, data.isEmpty() ? null : data);
        say.accept("mounted " + device + " on " + NEW_ROOT + " as " + type + (cmdline.readOnly() ? " (read-only)" : ""));
        String init = cmdline.init().orElse(Pid1.DEFAULT_INIT);
        // Not followed: an absolute symlink would be resolved in the initramfs, not on the new root.
        Path onNewRoot = Path.of(NEW_ROOT + init);
        if (!Files.isSymbolicLink(onNewRoot) && !Files.isExecutable(onNewRoot)) {
            Kernel.umount(NEW_ROOT, Kernel.MNT_DETACH);
            throw new IOException("the real root " + device.node() + " has no executable " + init + " (init=)");
        }
        return init;
    }

    static BlockDevice waitForRoot(RootSpec spec, Duration wait, Consumer<String> say) throws IOException {
        BlockDevices devices = new BlockDevices(Path.of("/sys/class/block"), Path.of("/dev"));
        BlockDevices.Scan scan = devices.await(wait,
                s -> RootFinder.find(spec, s.devices()).device().isPresent() ? Optional.empty() : Optional.of("root=" + spec.describe()), say);
        RootFinder.Match match = RootFinder.find(spec, scan.devices());
        if (match.device().isEmpty()) throw new IOException("no block device matches root=" + spec.describe() + " (there are: " + scan.describe() + ")");
        if (!match.alsoMatching().isEmpty()) {
            say.accept("root=" + spec.describe() + " matches " + match.device().get().node() + " and also "
                    + match.alsoMatching().stream().map(BlockDevice::node).toList() + ": using the first");
        }
        return match.device().get();
    }

    /** Moves /dev, /proc, /sys, /run, frees the initramfs, switches root and execs init; returns only by throwing. */
    static void switchRoot(String init, List<String> initArgs, Consumer<String> say) throws IOException {
        MountTable mounts = Pid1.mounts();
        for (String m : MountPlan.MOVED_TO_NEW_ROOT) {
            if (!mounts.isMounted(m)) continue;
            Path target = Path.of(NEW_ROOT + m);
            try {
                Files.createDirectories(target);
                Kernel.mount(m, target.toString(), null, Kernel.MS_MOVE, null);
            } catch (IOException e) {
                say.accept("cannot move " + m + " to " + target + ": " + e.getMessage() + "; detaching it");
                Kernel.umount(m, Kernel.MNT_DETACH);
            }
        }
        // What runs after the files are gone must not need to load anything by path: touch the calls first.
        Kernel.chdir("/");
        int freed = deleteInitramfs(say);
        if (Pid1.debug()) say.accept("freed the initramfs (" + freed + " files)");
        Kernel.chdir(NEW_ROOT);
        Kernel.mount(".", "/", null, Kernel.MS_MOVE, null);
        Kernel.chroot(".");
        Kernel.chdir("/");
        List<String> argv = new ArrayList<>();
        argv.add(init);
        argv.addAll(initArgs);
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        say.accept("switching to the real root: exec " + init);
        System.err.flush();
        Kernel.blockSignals(SignalMeaning.REAL_TIME); // the next JVM inherits the mask and need not re-exec for it
        Kernel.closeOnExecFrom(3);
        Kernel.execve(init, argv, env);
    }

    /** Deletes every file of the initramfs (it is RAM), not crossing into other mounts; how many went. */
    static int deleteInitramfs(Consumer<String> say) {
        Path root = Path.of("/");
        Optional<Object> rootDev = device(root);
        int[] count = {0};
        try (Stream<Path> top = Files.list(root)) {
            for (Path p : top.toList()) {
                if (p.toString().equals(NEW_ROOT)) continue;
                delete(p, rootDev, count);
            }
        } catch (IOException e) {
            say.accept("cannot free the initramfs: " + e.getMessage());
        }
        return count[0];
    }

    private static void delete(Path p, Optional<Object> rootDev, int[] count) {
        if (!device(p).equals(rootDev)) return; // a mount point: not ours to empty
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(p)) {
                for (Path c : children.toList()) delete(c, rootDev, count);
            } catch (IOException e) {
                return;
            }
        }
        try {
            Files.delete(p);
            count[0]++;
        } catch (IOException e) {
            // a directory still holding a mount point, say: left
        }
    }

    private static Optional<Object> device(Path p) {
        try {
            return Optional.of(Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
