package dynamod.init.pid1;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Which filesystem a device holds, read from its superblock as blkid would: ext2/3/4, btrfs, xfs and vfat, with
 * their UUID and label. Everything is read from the first {@link #HEAD_BYTES} of the device.
 */
public final class Superblocks {

    /** Enough for every superblock probed here (btrfs's is at 64 KiB). */
    public static final int HEAD_BYTES = 128 * 1024;

    static final int EXT_OFFSET = 1024, BTRFS_OFFSET = 0x10000;
    private static final int EXT_MAGIC = 0xEF53;
    private static final byte[] BTRFS_MAGIC = "_BHRfS_M".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] XFS_MAGIC = "XFSB".getBytes(StandardCharsets.US_ASCII);

    /* ext feature bits that ext2 and ext3 know; anything else means only ext4 mounts it (blkid's rule). */
    private static final long EXT3_INCOMPAT = 0x2 | 0x4 | 0x10, EXT3_RO_COMPAT = 0x1 | 0x2 | 0x4, HAS_JOURNAL = 0x4;

    private Superblocks() {}

    public static Optional<BlockDevice.Filesystem> probe(byte[] head) {
        if (head.length >= EXT_OFFSET + 136 && Bytes.le16(head, EXT_OFFSET + 0x38) == EXT_MAGIC) return Optional.of(ext(head));
        if (head.length >= BTRFS_OFFSET + 0x12B + 256 && Bytes.equalsAt(head, BTRFS_OFFSET + 0x40, BTRFS_MAGIC)) {
            return Optional.of(new BlockDevice.Filesystem("btrfs", Bytes.uuid(head, BTRFS_OFFSET + 0x20),
                    Bytes.cString(head, BTRFS_OFFSET + 0x12B, 256)));
        }
        if (head.length >= 120 && Bytes.equalsAt(head, 0, XFS_MAGIC)) {
            return Optional.of(new BlockDevice.Filesystem("xfs", Bytes.uuid(head, 32), Bytes.cString(head, 108, 12)));
        }
        return vfat(head);
    }

    private static BlockDevice.Filesystem ext(byte[] b) {
        int sb = EXT_OFFSET;
        long compat = Bytes.le32(b, sb + 0x5C), incompat = Bytes.le32(b, sb + 0x60), roCompat = Bytes.le32(b, sb + 0x64);
        String type = (incompat & ~EXT3_INCOMPAT) != 0 || (roCompat & ~EXT3_RO_COMPAT) != 0 ? "ext4"
                : (compat & HAS_JOURNAL) != 0 ? "ext3" : "ext2";
        return new BlockDevice.Filesystem(type, Bytes.uuid(b, sb + 0x68), Bytes.cString(b, sb + 0x78, 16));
    }

    /** FAT12/16/32: the volume serial is its UUID (XXXX-XXXX); "NO NAME" is no label. */
    private static Optional<BlockDevice.Filesystem> vfat(byte[] b) {
        if (b.length < 512 || (b[510] & 0xff) != 0x55 || (b[511] & 0xff) != 0xAA) return Optional.empty();
        int serial, label;
        if (Bytes.equalsAt(b, 0x52, "FAT32   ".getBytes(StandardCharsets.US_ASCII))) {
            serial = 0x43;
            label = 0x47;
        } else if (Bytes.equalsAt(b, 0x36, "FAT1".getBytes(StandardCharsets.US_ASCII))) {
            serial = 0x27;
            label = 0x2B;
        } else {
            return Optional.empty();
        }
        long id = Bytes.le32(b, serial);
        String name = new String(b, label, 11, StandardCharsets.ISO_8859_1).stripTrailing();
        return Optional.of(new BlockDevice.Filesystem("vfat", String.format("%04X-%04X", id >>> 16, id & 0xffff),
                name.equals("NO NAME") ? "" : name));
    }
}
