package dynamod.init.pid1;

import dynamod.linux.Kernel;
import dynamod.linux.LinuxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a {@link FstabPlan} on the real root: remounts {@code /}, finds each line's device without udev (as the
 * initramfs finds the root), makes missing mount points and mounts. Every mount and every failure is said on the
 * console with its fstab line; a failed line does not stop the others.
 */
public final class LocalMounts {

    /** How long to wait for the devices of lines without {@code nofail} (drivers may still be probing). */
    static final Duration DEVICE_WAIT = Duration.ofSeconds(10);

    private LocalMounts() {}

    /** Where a line's device is: its node, and what the scan saw on it (empty for a path the scan did not name). */
    private record Found(String node, Optional<BlockDevice> device) {}

    /**
     * Mounts what {@code fstab} lists and is not mounted yet; returns what failed on lines without {@code nofail}
     * (the boot cannot go on as configured: the caller opens the emergency shell). A missing file is no fstab.
     */
    public static List<String> mountAll(Path fstab, Consumer<String> say) {
        Fstab table;
        try {
            table = Fstab.parse(Files.readString(fstab), fstab.toString());
        } catch (NoSuchFileException e) {
            if (Pid1.debug()) say.accept("no " + fstab + ": / stays as the kernel command line mounted it");
            return List.of();
        } catch (IOException e) {
            say.accept("cannot read " + fstab + ": " + e.getMessage() + " (nothing of it is mounted)");
            return List.of();
        }
        table.problems().forEach(say);
        List<FstabPlan.Step> steps = FstabPlan.plan(table, Pid1.mounts());
        Map<Fstab.Entry, Found> devices = findDevices(steps, say);
        List<String> failures = new ArrayList<>();
        Set<String> notMounted = new LinkedHashSet<>();
        for (FstabPlan.Step step : steps) {
            Fstab.Entry e = step.entry();
            switch (step) {
                case FstabPlan.Step.RemountRoot r -> remountRoot(e, say);
                case FstabPlan.Step.Skip s -> {
                    if (!s.quiet() || Pid1.debug()) say.accept("not mounting " + e + ": " + s.why());
                    if (e.network()) notMounted.add(e.mountPoint()); // what is inside it is not mounted either
                }
                case FstabPlan.Step.Mount m -> {
                    try {
                        Optional<String> parent = notMounted.stream().filter(p -> MountTable.isInside(e.mountPoint(), p)).findFirst();
                        if (parent.isPresent()) throw new IOException(parent.get() + ", which holds it, is not mounted");
                        mount(e, devices.get(e), say);
                    } catch (IOException | RuntimeException x) {
                        notMounted.add(e.mountPoint());
                        String failure = "cannot mount " + e + ": " + x.getMessage();
                        say.accept(failure + (e.nofail() ? " (nofail: booting without it)" : ""));
                        if (!e.nofail()) failures.add(failure);
                    }
                }
            }
        }
        return failures;
    }

    /** As systemd-remount-fs: the line's options on the mounted root, read-write unless they say {@code ro}. */
    private static void remountRoot(Fstab.Entry e, Consumer<String> say) {
        MountOptions options = e.mountOptions();
        long flags = Kernel.MS_REMOUNT | options.applyTo(0);
        try {
            Kernel.mount(null, "/", null, flags, options.data().isEmpty() ? null : options.data());
            say.accept("remounted / " + ((flags & Kernel.MS_RDONLY) != 0 ? "read-only" : "read-write") + " (" + e.file() + ")");
        } catch (LinuxException x) {
            say.accept("cannot remount / as " + e.file() + " says (" + e.options() + "): " + x.getMessage());
        }
    }

    private static void mount(Fstab.Entry e, Found found, Consumer<String> say) throws IOException {
        String source = e.source(), type = e.fsType(), what = e.source();
        if (found != null) {
            source = found.node();
            what = found.device().map(BlockDevice::toString).orElse(found.node());
            if (type.equals("auto")) {
                type = found.device().flatMap(BlockDevice::filesystem).map(BlockDevice.Filesystem::type).orElseThrow(() ->
                        new IOException(found.node() + " holds no filesystem dynamod-init recognizes: give its type in the third field"));
            }
        } else if (e.device().isPresent()) {
            throw new IOException("no block device matches " + e.source());
        } else if (type.equals("auto")) {
            throw new IOException("type auto needs a block device to read the type from");
        }
        MountOptions options = e.mountOptions();
        long flags = options.applyTo(0);
        Files.createDirectories(Path.of(e.mountPoint()));
        Kernel.mount(source, e.mountPoint(), type, flags, options.data().isEmpty() ? null : options.data());
        // A bind mount takes its flags only from a second, remounting call.
        long bindFlags = flags & ~(Kernel.MS_BIND | Kernel.MS_REC);
        if ((flags & Kernel.MS_BIND) != 0 && bindFlags != 0) {
            Kernel.mount(null, e.mountPoint(), null, Kernel.MS_REMOUNT | Kernel.MS_BIND | bindFlags, null);
        }
        say.accept("mounted " + what + " on " + e.mountPoint() + ((flags & Kernel.MS_BIND) != 0 ? " (bind)" : " as " + type)
                + ((flags & Kernel.MS_RDONLY) != 0 ? " (read-only)" : "") + " (" + e.file() + ")");
    }

    /**
     * The devices of the plan's mounts, rescanning every 100 ms while one of a line without {@code nofail} is
     * missing, at most {@link #DEVICE_WAIT}; a {@code nofail} line's device is not waited for. A device path that
     * the scan does not name ({@code /dev/mapper/...}) counts once it exists.
     */
    private static Map<Fstab.Entry, Found> findDevices(List<FstabPlan.Step> steps, Consumer<String> say) {
        Map<Fstab.Entry, RootSpec> wanted = new HashMap<>();
        for (FstabPlan.Step s : steps) {
            if (s instanceof FstabPlan.Step.Mount m) m.entry().device().ifPresent(d -> wanted.put(m.entry(), d));
        }
        Map<Fstab.Entry, Found> found = new HashMap<>();
        if (wanted.isEmpty()) return found;
        BlockDevices devices = new BlockDevices(Path.of("/sys/class/block"), Path.of("/dev"));
        BlockDevices.Scan last = devices.await(DEVICE_WAIT, scan -> {
            wanted.forEach((entry, spec) -> {
                if (found.containsKey(entry)) return;
                RootFinder.Match match = RootFinder.find(spec, scan.devices());
                if (match.device().isPresent()) {
                    if (!match.alsoMatching().isEmpty()) {
                        say.accept(entry + ": " + spec.describe() + " matches " + match.device().get().node() + " and also "
                                + match.alsoMatching().stream().map(BlockDevice::node).toList() + ": using the first");
                    }
                    found.put(entry, new Found(match.device().get().node(), match.device()));
                } else if (spec instanceof RootSpec.DevicePath p && Files.exists(Path.of(p.path()))) {
                    found.put(entry, new Found(p.path(), Optional.empty()));
                }
            });
            List<String> missing = missing(wanted, found);
            return missing.isEmpty() ? Optional.empty() : Optional.of(missing.toString());
        }, say);
        List<String> missing = missing(wanted, found);
        if (!missing.isEmpty()) {
            say.accept("no block device matches " + missing + " after " + DEVICE_WAIT.toSeconds() + " s (there are: " + last.describe() + ")");
        }
        return found;
    }

    /** The sources of the lines without {@code nofail} whose device is not found yet. */
    private static List<String> missing(Map<Fstab.Entry, RootSpec> wanted, Map<Fstab.Entry, Found> found) {
        return wanted.keySet().stream().filter(e -> !e.nofail() && !found.containsKey(e)).map(Fstab.Entry::source).sorted().toList();
    }
}
