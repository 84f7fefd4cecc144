package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuperblocksTest {

    @Test
    void ext4ByItsFeaturesWithUuidAndLabel() {
        assertEquals(Optional.of(new BlockDevice.Filesystem("ext4", "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", "rootfs")),
                Superblocks.probe(DiskImages.ext4("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", "rootfs")));
    }

    @Test
    void ext3HasAJournalAndNothingNewerExt2Neither() {
        String uuid = "11111111-2222-3333-4444-555555555555";
        assertEquals("ext3", Superblocks.probe(DiskImages.ext(uuid, "", 0x4, 0x2, 0x1 | 0x2)).orElseThrow().type());
        assertEquals("ext2", Superblocks.probe(DiskImages.ext(uuid, "", 0, 0x2, 0x1)).orElseThrow().type());
        // extents alone make it ext4-only
        assertEquals("ext4", Superblocks.probe(DiskImages.ext(uuid, "", 0x4, 0x2 | 0x40, 0x1)).orElseThrow().type());
    }

    @Test
    void aSixteenByteExtLabelHasNoTerminator() {
        assertEquals("exactly16bytes!!",
                Superblocks.probe(DiskImages.ext4("11111111-2222-3333-4444-555555555555", "exactly16bytes!!")).orElseThrow().label());
    }

    @Test
    void btrfsAt64KiB() {
        assertEquals(Optional.of(new BlockDevice.Filesystem("btrfs", "f00dcafe-0000-4000-8000-123456789abc", "data")),
                Superblocks.probe(DiskImages.btrfs("f00dcafe-0000-4000-8000-123456789abc", "data")));
    }

    @Test
    void xfsAndFat32() {
        assertEquals(Optional.of(new BlockDevice.Filesystem("xfs", "9e7d4a2b-1c3f-4e5d-8a6b-7c8d9e0f1a2b", "srv")),
                Superblocks.probe(DiskImages.xfs("9e7d4a2b-1c3f-4e5d-8a6b-7c8d9e0f1a2b", "srv")));
        assertEquals(Optional.of(new BlockDevice.Filesystem("vfat", "1A2B-3C4D", "EFI")),
                Superblocks.probe(DiskImages.fat32(0x1A2B3C4D, "EFI")));
        assertEquals("", Superblocks.probe(DiskImages.fat32(1, "NO NAME")).orElseThrow().label());
    }

    @Test
    void nothingKnownOrTooShort() {
        assertEquals(Optional.empty(), Superblocks.probe(new byte[Superblocks.HEAD_BYTES]));
        assertEquals(Optional.empty(), Superblocks.probe(new byte[100]));
        // an MBR is not a FAT boot sector
        assertEquals(Optional.empty(), Superblocks.probe(DiskImages.mbr(0x1234abcdL, 0x83)));
        // a btrfs image cut short before its superblock ends
        assertEquals(Optional.empty(), Superblocks.probe(java.util.Arrays.copyOf(DiskImages.btrfs(
                "f00dcafe-0000-4000-8000-123456789abc", "x"), 0x10000 + 0x50)));
    }
}
