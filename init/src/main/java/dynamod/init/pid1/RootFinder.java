package dynamod.init.pid1;

import java.util.List;
import java.util.Optional;

/** Which of the devices there are is the root the command line asks for. */
public final class RootFinder {

    /**
     * The first device that matches (in {@code /sys/class/block} order, as the kernel's own lookup goes), and the
     * others that match too: two filesystems with one UUID (a cloned disk) is worth a warning.
     */
    public record Match(Optional<BlockDevice> device, List<BlockDevice> alsoMatching) {}

    private RootFinder() {}

    public static Match find(RootSpec spec, List<BlockDevice> devices) {
        List<BlockDevice> matching = devices.stream().filter(spec::matches).toList();
        if (matching.isEmpty()) return new Match(Optional.empty(), List.of());
        return new Match(Optional.of(matching.getFirst()), matching.subList(1, matching.size()));
    }

    /**
     * The filesystem type to mount the root as: {@code rootfstype=} when given, else what its superblock says;
     * empty when neither knows.
     */
    public static Optional<String> fsType(KernelCommandLine cmdline, BlockDevice device) {
        return cmdline.rootFsType().or(() -> device.filesystem().map(BlockDevice.Filesystem::type));
    }
}
