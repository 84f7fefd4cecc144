package dynamod.init.pid1;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The PARTUUIDs of a disk's partitions, by partition number, as the kernel gives them: GPT's unique partition GUID
 * (entry slot n is partition n), or for MBR the disk signature and the number ({@code 1234abcd-05}; logical
 * partitions count from 5). GPT entries also have a name (PARTLABEL); MBR partitions have none. A GPT header must
 * pass its CRCs; a disk with neither table gives an empty map.
 */
public final class PartitionTables {

    /** One partition: its PARTUUID and its PARTLABEL ({@code ""} for none, and always on MBR). */
    public record Partition(String partUuid, String partLabel) {}

    /** Reads {@code length} bytes at {@code offset} (short at the end of the device). */
    @FunctionalInterface
    public interface Source {
        byte[] read(long offset, int length) throws IOException;
    }

    private static final byte[] EFI_PART = "EFI PART".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_ENTRIES_BYTES = 1 << 20, MAX_LOGICAL = 128;

    private PartitionTables() {}

    public static Map<Integer, String> partUuids(Source disk) throws IOException {
        Map<Integer, String> uuids = new LinkedHashMap<>();
        partitions(disk).forEach((n, p) -> uuids.put(n, p.partUuid()));
        return uuids;
    }

    public static Map<Integer, Partition> partitions(Source disk) throws IOException {
        byte[] mbr = disk.read(0, 512);
        if (mbr.length < 512 || (mbr[510] & 0xff) != 0x55 || (mbr[511] & 0xff) != 0xAA) return Map.of();
        for (int i = 0; i < 4; i++) {
            int boot = mbr[446 + 16 * i] & 0xff;
            if (boot != 0 && boot != 0x80) return Map.of(); // not a partition table (a FAT boot sector, say)
        }
        for (int i = 0; i < 4; i++) {
            if ((mbr[446 + 16 * i + 4] & 0xff) == 0xEE) {
                for (int sector : new int[] {512, 4096}) {
                    Map<Integer, Partition> gpt = gpt(disk, sector);
                    if (gpt != null) return gpt;
                }
                return Map.of();
            }
        }
        return mbr(disk, mbr);
    }

    /** Null when there is no valid GPT header at LBA 1 for this sector size. */
    private static Map<Integer, Partition> gpt(Source disk, int sectorSize) throws IOException {
        byte[] header = disk.read(sectorSize, 512);
        if (header.length < 92 || !Bytes.equalsAt(header, 0, EFI_PART)) return null;
        int headerSize = (int) Bytes.le32(header, 12);
        if (headerSize < 92 || headerSize > header.length) return null;
        byte[] copy = java.util.Arrays.copyOf(header, headerSize);
        for (int i = 16; i < 20; i++) copy[i] = 0;
        if (crc(copy, 0, headerSize) != Bytes.le32(header, 16)) return null;
        long entriesLba = Bytes.le64(header, 72);
        long count = Bytes.le32(header, 80), size = Bytes.le32(header, 84);
        if (size < 128 || count * size > MAX_ENTRIES_BYTES) return null;
        byte[] entries = disk.read(entriesLba * sectorSize, (int) (count * size));
        if (entries.length < count * size || crc(entries, 0, entries.length) != Bytes.le32(header, 88)) return null;
        Map<Integer, Partition> result = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = (int) (i * size);
            if (Bytes.allZero(entries, at, 16)) continue; // an unused slot
            result.put(i + 1, new Partition(Bytes.guid(entries, at + 16), name(entries, at + 56)));
        }
        return result;
    }

    /** A GPT entry's name: 36 UTF-16LE code units, NUL-padded. */
    private static String name(byte[] entries, int at) {
        int end = at;
        while (end < at + 72 && (entries[end] != 0 || entries[end + 1] != 0)) end += 2;
        return new String(entries, at, end - at, java.nio.charset.StandardCharsets.UTF_16LE);
    }

    private static Map<Integer, Partition> mbr(Source disk, byte[] mbr) throws IOException {
        long signature = Bytes.le32(mbr, 440);
        Map<Integer, Partition> result = new LinkedHashMap<>();
        long extendedStart = -1;
        for (int i = 0; i < 4; i++) {
            int type = mbr[446 + 16 * i + 4] & 0xff;
            if (type == 0) continue;
            result.put(i + 1, mbrPartition(signature, i + 1));
            if (isExtended(type)) extendedStart = Bytes.le32(mbr, 446 + 16 * i + 8);
        }
        // Logical partitions: a chain of EBRs, each with the partition (relative to itself) and the next EBR
        // (relative to the extended partition's start).
        long ebr = extendedStart;
        for (int n = 5; ebr > 0 && n < 5 + MAX_LOGICAL; n++) {
            byte[] b = disk.read(ebr * 512, 512);
            if (b.length < 512 || (b[510] & 0xff) != 0x55 || (b[511] & 0xff) != 0xAA) break;
            if ((b[446 + 4] & 0xff) != 0) result.put(n, mbrPartition(signature, n));
            long next = Bytes.le32(b, 446 + 16 + 8);
            ebr = (b[446 + 16 + 4] & 0xff) != 0 && next != 0 ? extendedStart + next : -1;
        }
        return result;
    }

    private static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0F || type == 0x85;
    }

    private static Partition mbrPartition(long signature, int number) {
        return new Partition(String.format("%08x-%02x", signature, number), "");
    }

    private static long crc(byte[] b, int at, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, at, length);
        return crc.getValue();
    }
}
