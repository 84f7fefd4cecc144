package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parsers against what the real tools write and read: mkfs.ext4's superblock (checked against blkid) and
 * sfdisk's GPT and MBR tables (checked against sfdisk's own PARTUUIDs and names). Skipped where the tools are missing.
 */
class RealToolsTest {

    @TempDir
    Path dir;

    @Test
    void mkfsExt4AsBlkidSeesIt() throws Exception {
        tools("/usr/sbin/mkfs.ext4", "/usr/sbin/blkid");
        Path image = sparse("root.img", 64);
        run(List.of("/usr/sbin/mkfs.ext4", "-q", "-L", "myroot", image.toString()), "");
        Map<String, String> blkid = exportFormat(run(List.of("/usr/sbin/blkid", "-p", "-o", "export", image.toString()), ""));
        BlockDevice.Filesystem fs = Superblocks.probe(head(image)).orElseThrow();
        assertEquals(new BlockDevice.Filesystem(blkid.get("TYPE"), blkid.get("UUID"), blkid.get("LABEL")), fs);
    }

    @Test
    void sfdiskGptAndMbr() throws Exception {
        tools("/usr/sbin/sfdisk");
        Path gpt = sparse("gpt.img", 20);
        run(List.of("/usr/sbin/sfdisk", "-q", gpt.toString()), "label: gpt\nsize=8M, type=L, name=\"my data\"\ntype=L\n");
        Map<Integer, String> gptUuids = PartitionTables.partUuids(DiskImages.source(Files.readAllBytes(gpt)));
        assertEquals(Map.of(1, partUuid(gpt, 1), 2, partUuid(gpt, 2)), gptUuids);
        Map<Integer, PartitionTables.Partition> gptPartitions = PartitionTables.partitions(DiskImages.source(Files.readAllBytes(gpt)));
        assertEquals(List.of("my data", ""), List.of(gptPartitions.get(1).partLabel(), gptPartitions.get(2).partLabel()),
                "the names as sfdisk wrote them");

        Path mbr = sparse("mbr.img", 20);
        run(List.of("/usr/sbin/sfdisk", "-q", mbr.toString()), "label: dos\n,4M,83\n,,5\n,4M,83\n,4M,83\n");
        String id = run(List.of("/usr/sbin/sfdisk", "--disk-id", mbr.toString()), "").strip().substring(2);
        assertEquals(Map.of(1, id + "-01", 2, id + "-02", 5, id + "-05", 6, id + "-06"),
                PartitionTables.partUuids(DiskImages.source(Files.readAllBytes(mbr))));
    }

    private String partUuid(Path disk, int n) throws Exception {
        return run(List.of("/usr/sbin/sfdisk", "--part-uuid", disk.toString(), String.valueOf(n)), "").strip().toLowerCase(Locale.ROOT);
    }

    private static void tools(String... paths) {
        for (String p : paths) assumeTrue(Files.isExecutable(Path.of(p)), p + " is not installed");
    }

    private Path sparse(String name, int mib) throws IOException {
        Path p = dir.resolve(name);
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(mib * 1024L * 1024L);
        }
        return p;
    }

    private static byte[] head(Path image) throws IOException {
        try (var in = Files.newInputStream(image)) {
            return in.readNBytes(Superblocks.HEAD_BYTES);
        }
    }

    private static Map<String, String> exportFormat(String text) {
        return text.lines().filter(l -> l.contains("=")).collect(java.util.stream.Collectors.toMap(
                l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    private static String run(List<String> command, String input) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(command + " failed: " + out);
        return out;
    }
}
