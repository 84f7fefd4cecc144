package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionTablesTest {

    @Test
    void gptPartitionsAreNumberedByTheirSlot() throws Exception {
        byte[] disk = DiskImages.gpt(List.of("6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c", "ABCDEF01-2345-6789-ABCD-EF0123456789"), 1);
        assertEquals(Map.of(2, "6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c", 3, "abcdef01-2345-6789-abcd-ef0123456789"),
                PartitionTables.partUuids(DiskImages.source(disk)));
        assertEquals(Map.of(2, new PartitionTables.Partition("6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c", "part 1"),
                3, new PartitionTables.Partition("abcdef01-2345-6789-abcd-ef0123456789", "part 2")),
                PartitionTables.partitions(DiskImages.source(disk)), "the names are the PARTLABELs");
    }

    @Test
    void aGptWhoseCrcIsWrongIsNotBelieved() throws Exception {
        byte[] disk = DiskImages.gpt(List.of("6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c"), 0);
        disk[1024 + 16] ^= 1; // one bit of the first entry's GUID: the entries' CRC no longer fits
        assertEquals(Map.of(), PartitionTables.partUuids(DiskImages.source(disk)));
        byte[] other = DiskImages.gpt(List.of("6b8a3c2e-1f4d-4e9a-b7c6-5d4e3f2a1b0c"), 0);
        other[512 + 32] ^= 1; // the header's own CRC
        assertEquals(Map.of(), PartitionTables.partUuids(DiskImages.source(other)));
    }

    @Test
    void mbrPrimariesAndLogicalsAsTheKernelNamesThem() throws Exception {
        byte[] disk = DiskImages.mbr(0x1234abcdL, 0x83, 0x82, 0x05);
        assertEquals(Map.of(1, "1234abcd-01", 2, "1234abcd-02", 3, "1234abcd-03", 5, "1234abcd-05", 6, "1234abcd-06"),
                PartitionTables.partUuids(DiskImages.source(disk)));
        assertEquals(new PartitionTables.Partition("1234abcd-05", ""), PartitionTables.partitions(DiskImages.source(disk)).get(5),
                "MBR partitions have no name");
    }

    @Test
    void noTableAtAll() throws Exception {
        assertEquals(Map.of(), PartitionTables.partUuids(DiskImages.source(DiskImages.ext4("11111111-2222-3333-4444-555555555555", ""))));
        // a FAT boot sector has 0x55AA too, but its "entries" have impossible boot flags
        assertEquals(Map.of(), PartitionTables.partUuids(DiskImages.source(DiskImages.fat32(0x1234, "EFI"))));
        assertEquals(Map.of(), PartitionTables.partUuids(DiskImages.source(new byte[100])));
    }
}
