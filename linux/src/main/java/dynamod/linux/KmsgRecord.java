package dynamod.linux;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One record of the kernel's log buffer as {@code /dev/kmsg} gives it (Documentation/ABI/testing/dev-kmsg): one
 * record per {@code read()}, {@code PRI,SEQ,TS_USEC,FLAGS[,...];MESSAGE\n} then dictionary lines
 * {@code " KEY=VALUE\n"}, the message and values with unprintable bytes escaped as {@code \xNN}. Pure: the one
 * parser of the format (logd journals the records, svmgr finds the OOM killer's reports in them).
 *
 * @param facility PRI >> 3: 0 for the kernel's own, a userspace writer's own otherwise (1, user, by default: a
 *     write to /dev/kmsg cannot claim 0)
 * @param priority PRI & 7
 * @param seq the kernel's sequence number (from 0 each boot)
 * @param monotonicMicros the kernel's timestamp (CLOCK_MONOTONIC, µs)
 * @param continuation FLAGS has {@code c}: a fragment the kernel could not merge (older kernels)
 * @param message unescaped
 * @param dictionary the {@code KEY=VALUE} lines (SUBSYSTEM, DEVICE, …), unescaped
 */
public record KmsgRecord(int facility, int priority, long seq, long monotonicMicros, boolean continuation, byte[] message,
        Map<String, String> dictionary) {

    /** The buffer a read is given: the kernel refuses (EINVAL) one too small for the record; records are under 8 KiB. */
    public static final int READ_BUFFER = 16 * 1024;

    /** A record that does not parse. */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String message) {
            super(message);
        }
    }

    /** The message as text (UTF-8; the kernel's own are ASCII). */
    public String text() {
        return new String(message, StandardCharsets.UTF_8);
    }

    /** Parses the record in {@code buf[0, len)}. */
    public static KmsgRecord parse(byte[] buf, int len) throws Malformed {
        int semicolon = indexOf(buf, 0, len, (byte) ';');
        if (semicolon < 0) throw new Malformed("no ';' after the prefix");
        String[] prefix = new String(buf, 0, semicolon, StandardCharsets.US_ASCII).split(",", -1);
        if (prefix.length < 4) throw new Malformed("prefix has " + prefix.length + " fields, expected PRI,SEQ,TS_USEC,FLAGS");
        int pri;
        long seq, micros;
        try {
            pri = Integer.parseInt(prefix[0]);
            seq = Long.parseLong(prefix[1]);
            micros = Long.parseLong(prefix[2]);
        } catch (NumberFormatException e) {
            throw new Malformed("prefix does not parse: " + String.join(",", prefix));
        }
        if (pri < 0 || seq < 0 || micros < 0) throw new Malformed("negative prefix field: " + String.join(",", prefix));
        int end = indexOf(buf, semicolon + 1, len, (byte) '\n');
        if (end < 0) end = len;
        byte[] message = unescape(buf, semicolon + 1, end);
        Map<String, String> dictionary = new LinkedHashMap<>();
        for (int p = end + 1; p < len; ) {
            int lineEnd = indexOf(buf, p, len, (byte) '\n');
            if (lineEnd < 0) lineEnd = len;
            if (buf[p] == ' ') {
                int eq = indexOf(buf, p + 1, lineEnd, (byte) '=');
                if (eq > p + 1) {
                    dictionary.put(new String(buf, p + 1, eq - p - 1, StandardCharsets.UTF_8),
                            new String(unescape(buf, eq + 1, lineEnd), StandardCharsets.UTF_8));
                }
            }
            p = lineEnd + 1;
        }
        return new KmsgRecord(pri >> 3, pri & 7, seq, micros, prefix[3].contains("c"), message, Collections.unmodifiableMap(dictionary));
    }

    /** {@code \xNN} to its byte; anything else, a lone backslash too, as is (the kernel escapes backslashes as \x5c). */
    static byte[] unescape(byte[] buf, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            if (buf[i] == '\\' && i + 3 < to && buf[i + 1] == 'x' && hex(buf[i + 2]) >= 0 && hex(buf[i + 3]) >= 0) {
                out.write(hex(buf[i + 2]) << 4 | hex(buf[i + 3]));
                i += 3;
            } else {
                out.write(buf[i]);
            }
        }
        return out.toByteArray();
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    private static int indexOf(byte[] buf, int from, int to, byte b) {
        for (int i = from; i < to; i++) if (buf[i] == b) return i;
        return -1;
    }
}
