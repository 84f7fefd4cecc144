package dynamod.init.pid1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

/** Small byte images with the real on-disk layouts: ext4, btrfs, xfs and FAT32 superblocks, GPT and MBR tables. */
final class DiskImages {

    private DiskImages() {}

    /** An ext superblock at 1024 (magic 0xEF53 at +0x38, features at +0x5C.., UUID +0x68, label +0x78). */
    static byte[] ext(String uuid, String label, long compat, long incompat, long roCompat) {
        ByteBuffer b = le(Superblocks.HEAD_BYTES);
        int sb = 1024;
        b.putInt(sb, 65536); // s_inodes_count, to look real
        b.putShort(sb + 0x38, (short) 0xEF53);
        b.putInt(sb + 0x5C, (int) compat);
        b.putInt(sb + 0x60, (int) incompat);
        b.putInt(sb + 0x64, (int) roCompat);
        b.put(sb + 0x68, uuidBytes(uuid));
        b.put(sb + 0x78, label.getBytes(StandardCharsets.UTF_8));
        return b.array();
    }

    /** What mkfs.ext4 sets by default: has_journal, ext_attr, resize_inode, dir_index; filetype, extents, 64bit, flex_bg; sparse_super, large_file, huge_file, dir_nlink, extra_isize, metadata_csum. */
    static byte[] ext4(String uuid, String label) {
        return ext(uuid, label, 0x4 | 0x8 | 0x10 | 0x20, 0x2 | 0x40 | 0x80 | 0x200, 0x1 | 0x2 | 0x8 | 0x20 | 0x40 | 0x400);
    }

    /** A btrfs superblock at 64 KiB: fsid at +0x20, magic at +0x40, label at +0x12B. */
    static byte[] btrfs(String uuid, String label) {
        ByteBuffer b = le(Superblocks.HEAD_BYTES);
        int sb = 0x10000;
        b.put(sb + 0x20, uuidBytes(uuid));
        b.putLong(sb + 0x30, 0x10000); // bytenr: where this copy lives
        b.put(sb + 0x40, "_BHRfS_M".getBytes(StandardCharsets.US_ASCII));
        b.put(sb + 0x12B, label.getBytes(StandardCharsets.UTF_8));
        return b.array();
    }

    /** An xfs superblock at 0 (big-endian, but only the magic, UUID at 32 and the label at 108 are read). */
    static byte[] xfs(String uuid, String label) {
        ByteBuffer b = ByteBuffer.allocate(8192);
        b.put(0, "XFSB".getBytes(StandardCharsets.US_ASCII));
        b.putInt(4, 4096);
        b.put(32, uuidBytes(uuid));
        b.put(108, label.getBytes(StandardCharsets.UTF_8));
        return b.array();
    }

    /** A FAT32 boot sector: volume id at 0x43, label at 0x47, "FAT32   " at 0x52, 0x55AA at 510. */
    static byte[] fat32(int volumeId, String label) {
        ByteBuffer b = le(8192);
        b.put(0, new byte[] {(byte) 0xEB, 0x58, (byte) 0x90});
        b.put(3, "mkfs.fat".getBytes(StandardCharsets.US_ASCII));
        b.putShort(11, (short) 512);
        b.putInt(0x43, volumeId);
        b.put(0x47, String.format("%-11s", label).getBytes(StandardCharsets.US_ASCII));
        b.put(0x52, "FAT32   ".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0x5A; i < 510; i++) b.put(i, (byte) (0x0E + i)); // boot code fills where an MBR's entries would be
        b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        return b.array();
    }

    /**
     * A GPT disk (512-byte sectors): protective MBR, header at LBA 1 with both CRCs, 128 entries from LBA 2; the
     * n-th partition given is named "part n".
     */
    static byte[] gpt(List<String> partitionGuids, int emptySlotsBefore) {
        ByteBuffer b = le(34 * 512);
        b.put(446 + 4, (byte) 0xEE).putInt(446 + 8, 1).putInt(446 + 12, 0xFFFFFFFF);
        b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        ByteBuffer entries = le(128 * 128);
        byte[] linuxFs = guidBytes("0fc63daf-8483-4772-8e79-3d69d8477de4");
        for (int i = 0; i < partitionGuids.size(); i++) {
            int at = (emptySlotsBefore + i) * 128;
            entries.put(at, linuxFs);
            entries.put(at + 16, guidBytes(partitionGuids.get(i)));
            entries.putLong(at + 32, 2048L * (i + 1));
            entries.putLong(at + 40, 2048L * (i + 2) - 1);
            entries.put(at + 56, ("part " + (i + 1)).getBytes(StandardCharsets.UTF_16LE)); // the PARTLABEL
        }
        b.put(1024, entries.array());
        int h = 512;
        b.put(h, "EFI PART".getBytes(StandardCharsets.US_ASCII));
        b.putInt(h + 8, 0x00010000);
        b.putInt(h + 12, 92);
        b.putLong(h + 24, 1).putLong(h + 32, 999_999).putLong(h + 40, 34).putLong(h + 48, 999_966);
        b.put(h + 56, guidBytes("5e2f9e4c-0c9e-4f4a-9b8e-1d2c3b4a5f60"));
        b.putLong(h + 72, 2).putInt(h + 80, 128).putInt(h + 84, 128);
        b.putInt(h + 88, (int) crc(entries.array(), 0, 128 * 128));
        b.putInt(h + 16, (int) crc(b.array(), h, 92));
        return b.array();
    }

    /** An MBR disk: signature at 440, primaries of the given types; an extended one (0x05) holds two logicals. */
    static byte[] mbr(long signature, int... types) {
        ByteBuffer b = le(512 * 512);
        b.putInt(440, (int) signature);
        long extendedStart = 0;
        for (int i = 0; i < types.length; i++) {
            int e = 446 + 16 * i;
            long start = 64L * (i + 1);
            b.put(e, (byte) (i == 0 ? 0x80 : 0)).put(e + 4, (byte) types[i]).putInt(e + 8, (int) start).putInt(e + 12, 2048);
            if (types[i] == 0x05) extendedStart = start;
        }
        b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        if (extendedStart > 0) {
            // EBR 1 at the extended start: a logical at +1, the next EBR at +32 (relative to the extended start).
            ebr(b, extendedStart, 1, 32);
            ebr(b, extendedStart + 32, 1, 0);
        }
        return b.array();
    }

    private static void ebr(ByteBuffer b, long lba, long logicalOffset, long nextRelative) {
        int at = (int) (lba * 512);
        b.put(at + 446 + 4, (byte) 0x83).putInt(at + 446 + 8, (int) logicalOffset).putInt(at + 446 + 12, 100);
        if (nextRelative != 0) b.put(at + 446 + 16 + 4, (byte) 0x05).putInt(at + 446 + 16 + 8, (int) nextRelative).putInt(at + 446 + 16 + 12, 200);
        b.put(at + 510, (byte) 0x55).put(at + 511, (byte) 0xAA);
    }

    static PartitionTables.Source source(byte[] image) {
        return (offset, length) -> {
            int from = (int) Math.min(offset, image.length), to = (int) Math.min(offset + length, image.length);
            return java.util.Arrays.copyOfRange(image, from, to);
        };
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] uuidBytes(String uuid) {
        return HexFormat.of().parseHex(uuid.replace("-", ""));
    }

    /** A GUID as GPT stores it: the first three fields little-endian. */
    static byte[] guidBytes(String guid) {
        byte[] p = uuidBytes(guid);
        return new byte[] {p[3], p[2], p[1], p[0], p[5], p[4], p[7], p[6], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
    }

    private static long crc(byte[] b, int at, int length) {
        CRC32 c = new CRC32();
        c.update(b, at, length);
        return c.getValue();
    }
}
