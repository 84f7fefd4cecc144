package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the root in a made-up /sys/class/block and /dev whose "devices" are image files with real layouts. */
class RootFinderTest {

    @TempDir
    Path dir;

    static final String ROOT_UUID = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", ROOT_PART = "6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c";

    @Test
    void everyFormFindsTheRightPartition() throws Exception {
        List<BlockDevice> devices = machine();
        assertEquals("/vda2", find("root=UUID=" + ROOT_UUID.toUpperCase(), devices));
        assertEquals("/vda2", find("root=PARTUUID=" + ROOT_PART, devices));
        assertEquals("/vda2", find("root=LABEL=rootfs", devices));
        assertEquals("/vda2", find("root=/dev/vda2", devices));
        assertEquals("/vda2", find("\"root=PARTLABEL=part 2\"", devices));
        assertEquals("/vda2", find("root=/dev/disk/by-partlabel/part\\x202", devices), "udev's link name, without udev");
        assertEquals("/vda2", find("root=/dev/disk/by-uuid/" + ROOT_UUID, devices));
        assertEquals("/vda2", find("root=/dev/disk/by-label/rootfs", devices));
        assertEquals("/vda2", find("root=/dev/disk/by-partuuid/" + ROOT_PART, devices));
        assertEquals("", find("\"root=PARTLABEL=Part 2\"", devices), "partition names are compared exactly");
        assertEquals("", find("root=/dev/disk/by-id/virtio-root", devices), "by-id names hardware: only udev knows it");
        assertEquals("/vda2", find("root=254:2", devices));
        assertEquals("/vdb1", find("root=PARTUUID=1234abcd-01", devices));
        assertEquals("/vdb1", find("root=LABEL=data", devices));
        assertEquals("/vdc", find("root=LABEL=whole", devices), "a filesystem on a whole disk");
        assertEquals("", find("root=LABEL=ROOTFS", devices), "labels are compared exactly");
        assertEquals("", find("root=UUID=ffffffff-4e5f-4061-8273-94a5b6c7d8e9", devices));
    }

    @Test
    void theScanSeesWhatIsOnEachDevice() throws Exception {
        List<BlockDevice> devices = machine();
        BlockDevice root = devices.stream().filter(d -> d.name().equals("vda2")).findFirst().orElseThrow();
        assertEquals(Optional.of(new BlockDevice.Filesystem("ext4", ROOT_UUID, "rootfs")), root.filesystem());
        assertEquals(Optional.of(ROOT_PART), root.partUuid());
        assertEquals(Optional.of("part 2"), root.partLabel());
        assertEquals(Optional.empty(), devices.stream().filter(d -> d.name().equals("vdb1")).findFirst().orElseThrow().partLabel(),
                "an MBR partition has no PARTLABEL");
        assertEquals(List.of("vda", "vda1", "vda2", "vdb", "vdb1", "vdc"), devices.stream().map(BlockDevice::name).toList(),
                "the empty drive sr0 is left out");
        BlockDevice esp = devices.get(1);
        assertEquals("vfat", esp.filesystem().orElseThrow().type());
        assertEquals(Optional.empty(), devices.getFirst().filesystem(), "the GPT disk itself has no filesystem");
    }

    @Test
    void aClonedUuidMatchesTwiceAndTheFirstWins() throws Exception {
        List<BlockDevice> devices = new ArrayList<>(machine());
        devices.add(new BlockDevice("vdz", "/dev/vdz", 254, 99, Optional.of(new BlockDevice.Filesystem("ext4", ROOT_UUID, "")), Optional.empty(), Optional.empty()));
        RootFinder.Match m = RootFinder.find(new RootSpec.FsUuid(ROOT_UUID), devices);
        assertEquals("vda2", m.device().orElseThrow().name());
        assertEquals(List.of("vdz"), m.alsoMatching().stream().map(BlockDevice::name).toList());
    }

    @Test
    void theFsTypeComesFromTheCommandLineElseTheSuperblock() throws Exception {
        BlockDevice root = machine().get(2);
        assertEquals(Optional.of("ext4"), RootFinder.fsType(KernelCommandLine.parse("root=/dev/vda2"), root));
        assertEquals(Optional.of("ext3"), RootFinder.fsType(KernelCommandLine.parse("root=/dev/vda2 rootfstype=ext3"), root));
        assertTrue(RootFinder.fsType(KernelCommandLine.parse(""), machine().getFirst()).isEmpty());
    }

    private String find(String cmdline, List<BlockDevice> devices) {
        RootSpec spec = KernelCommandLine.parse(cmdline).root().orElseThrow();
        return RootFinder.find(spec, devices).device().map(d -> d.node().substring(dir.resolve("dev").toString().length())).orElse("");
    }

    /** vda: GPT with an ESP and the ext4 root; vdb: MBR with a btrfs; vdc: xfs on the whole disk; sr0: no medium. */
    private List<BlockDevice> machine() throws Exception {
        if (scanned == null) scanned = scanMachine();
        return scanned;
    }

    private List<BlockDevice> scanned;

    private List<BlockDevice> scanMachine() throws Exception {
        Path dev = Files.createDirectories(dir.resolve("dev"));
        byte[] vda = DiskImages.gpt(List.of("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", ROOT_PART), 0);
        Files.write(dev.resolve("vda"), vda);
        Files.write(dev.resolve("vda1"), DiskImages.fat32(0x1A2B3C4D, "EFI"));
        Files.write(dev.resolve("vda2"), DiskImages.ext4(ROOT_UUID, "rootfs"));
        Files.write(dev.resolve("vdb"), DiskImages.mbr(0x1234abcdL, 0x83));
        Files.write(dev.resolve("vdb1"), DiskImages.btrfs("f00dcafe-0000-4000-8000-123456789abc", "data"));
        Files.write(dev.resolve("vdc"), DiskImages.xfs("9e7d4a2b-1c3f-4e5d-8a6b-7c8d9e0f1a2b", "whole"));
        Files.write(dev.resolve("sr0"), new byte[0]);
        Path devices = dir.resolve("sys/devices"), classBlock = Files.createDirectories(dir.resolve("sys/class/block"));
        disk(devices, classBlock, "vda", "254:0", "vda1", "254:1", "vda2", "254:2");
        disk(devices, classBlock, "vdb", "254:16", "vdb1", "254:17");
        disk(devices, classBlock, "vdc", "254:32");
        disk(devices, classBlock, "sr0", "11:0");
        Files.writeString(devices.resolve("sr0/size"), "0\n");
        List<String> problems = new ArrayList<>();
        List<BlockDevice> found = new BlockDevices(classBlock, dev).scan(problems);
        assertEquals(List.of(), problems);
        return found;
    }

    /** A disk directory with its partitions inside, and the /sys/class/block links, as sysfs lays them out. */
    private static void disk(Path devices, Path classBlock, String name, String number, String... partitions) throws Exception {
        Path disk = Files.createDirectories(devices.resolve(name));
        Files.writeString(disk.resolve("dev"), number + "\n");
        Files.writeString(disk.resolve("size"), "2048\n");
        Files.createSymbolicLink(classBlock.resolve(name), classBlock.relativize(disk));
        for (int i = 0; i < partitions.length; i += 2) {
            Path part = Files.createDirectories(disk.resolve(partitions[i]));
            Files.writeString(part.resolve("dev"), partitions[i + 1] + "\n");
            Files.writeString(part.resolve("partition"), (i / 2 + 1) + "\n");
            Files.writeString(part.resolve("size"), "1024\n");
            Files.createSymbolicLink(classBlock.resolve(partitions[i]), classBlock.relativize(part));
        }
    }
}
