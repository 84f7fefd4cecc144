package dynamod.init.pid1;

import java.nio.charset.StandardCharsets;

/** Little-endian fields and GUIDs in on-disk structures. */
final class Bytes {

    private Bytes() {}

    static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long le32(byte[] b, int at) {
        return (le16(b, at) | (long) le16(b, at + 2) << 16) & 0xffffffffL;
    }

    static long le64(byte[] b, int at) {
        return le32(b, at) | le32(b, at + 4) << 32;
    }

    static boolean equalsAt(byte[] b, int at, byte[] expected) {
        if (at + expected.length > b.length) return false;
        for (int i = 0; i < expected.length; i++) {
            if (b[at + i] != expected[i]) return false;
        }
        return true;
    }

    /** 16 bytes in the order they are printed (ext4, btrfs, xfs). */
    static String uuid(byte[] b, int at) {
        StringBuilder s = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) s.append('-');
            s.append(String.format("%02x", b[at + i] & 0xff));
        }
        return s.toString();
    }

    /** A GPT GUID: the first three fields are little-endian, the last two in order. */
    static String guid(byte[] b, int at) {
        byte[] o = new byte[16];
        int[] order = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i = 0; i < 16; i++) o[i] = b[at + order[i]];
        return uuid(o, 0);
    }

    static boolean allZero(byte[] b, int at, int length) {
        for (int i = 0; i < length; i++) {
            if (b[at + i] != 0) return false;
        }
        return true;
    }

    /** A NUL-padded UTF-8 string of at most {@code max} bytes. */
    static String cString(byte[] b, int at, int max) {
        int end = at;
        while (end < at + max && b[end] != 0) end++;
        return new String(b, at, end - at, StandardCharsets.UTF_8);
    }
}
