package dynamod.init.pid1;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The block devices there are now, found without udev: {@code /sys/class/block} names them (with {@code dev} and,
 * for a partition, {@code partition} and its disk as the parent directory), devtmpfs has their nodes, and their
 * first bytes say what is on them. Devices of size 0 (an empty drive, an unused loop device) are left out.
 */
public final class BlockDevices {

    private final Path sysClassBlock;
    private final Path dev;

    /** {@code /sys/class/block} and {@code /dev} normally; a test gives directories of its own. */
    public BlockDevices(Path sysClassBlock, Path dev) {
        this.sysClassBlock = sysClassBlock;
        this.dev = dev;
    }

    /** One scan: the devices read, and what could not be. */
    public record Scan(List<BlockDevice> devices, List<String> problems) {
        /** The devices, then the problems: what an error about a missing device shows. */
        public String describe() {
            return (devices.isEmpty() ? "none" : devices.toString()) + (problems.isEmpty() ? "" : "; " + problems);
        }
    }

    /**
     * Rescans every 100 ms until {@code waitingFor} finds nothing missing (empty) or {@code wait} has passed, saying
     * every 5 s what it waits for; the last scan. Without udev there is no event to wait on: devices appear as the
     * kernel's drivers probe them.
     */
    public Scan await(Duration wait, Function<Scan, Optional<String>> waitingFor, Consumer<String> say) {
        long deadline = System.nanoTime() + wait.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<String> problems = new ArrayList<>();
            Scan scan = new Scan(scan(problems), problems);
            Optional<String> missing = waitingFor.apply(scan);
            if (missing.isEmpty() || System.nanoTime() - deadline >= 0) return scan;
            if (System.nanoTime() - nextReport >= 0) {
                say.accept("waiting for " + missing.get() + " (seen: " + scan.devices().stream().map(BlockDevice::name).toList() + ")");
                nextReport += TimeUnit.SECONDS.toNanos(5);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Every device that could be read; one that cannot is left out and said in {@code problems}. */
    public List<BlockDevice> scan(List<String> problems) {
        List<Path> entries;
        try (Stream<Path> s = Files.list(sysClassBlock)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            problems.add("cannot list " + sysClassBlock + ": " + e.getMessage());
            return List.of();
        }
        Map<String, Map<Integer, PartitionTables.Partition>> tables = new HashMap<>();
        List<BlockDevice> devices = new ArrayList<>();
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            try {
                if (sectors(entry) == 0) continue;
                String[] devNumber = Files.readString(entry.resolve("dev")).strip().split(":");
                String node = dev.resolve(name.replace('!', '/')).toString();
                Optional<PartitionTables.Partition> partition = Optional.empty();
                if (Files.exists(entry.resolve("partition"))) {
                    int number = Integer.parseInt(Files.readString(entry.resolve("partition")).strip());
                    String disk = entry.toRealPath().getParent().getFileName().toString();
                    Map<Integer, PartitionTables.Partition> table = tables.get(disk);
                    if (table == null) {
                        Path diskNode = dev.resolve(disk.replace('!', '/'));
                        try (FileChannel c = FileChannel.open(diskNode, StandardOpenOption.READ)) {
                            table = PartitionTables.partitions((offset, length) -> read(c, offset, length));
                        } catch (IOException e) {
                            problems.add("cannot read the partition table of " + diskNode + ": " + e.getMessage());
                            table = Map.of();
                        }
                        tables.put(disk, table);
                    }
                    partition = Optional.ofNullable(table.get(number));
                }
                Optional<BlockDevice.Filesystem> fs;
                try (FileChannel c = FileChannel.open(Path.of(node), StandardOpenOption.READ)) {
                    fs = Superblocks.probe(read(c, 0, Superblocks.HEAD_BYTES));
                }
                devices.add(new BlockDevice(name, node, Integer.parseInt(devNumber[0]), Integer.parseInt(devNumber[1]), fs,
                        partition.map(PartitionTables.Partition::partUuid),
                        partition.map(PartitionTables.Partition::partLabel).filter(l -> !l.isEmpty())));
            } catch (IOException | RuntimeException e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        return devices;
    }

    private static long sectors(Path entry) throws IOException {
        Path size = entry.resolve("size");
        return Files.exists(size) ? Long.parseLong(Files.readString(size).strip()) : 1;
    }

    private static byte[] read(FileChannel c, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = c.read(buf, offset + buf.position());
            if (n < 0) break;
        }
        return java.util.Arrays.copyOf(buf.array(), buf.position());
    }
}
