package dynamod.logd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * systemd's native journal protocol (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), parsed (pure). A datagram (or the
 * sealed memfd that came in its place) holds fields, each either {@code KEY=VALUE\n} or, binary-safe,
 * {@code KEY\n} + a 64-bit little-endian length + the value + {@code \n}. An empty line ends an entry (one datagram may
 * hold several); lines starting with {@code .} or {@code #} are ignored, as journald does.
 *
 * <p>Field names are 1–64 of {@code A-Z 0-9 _}, not starting with a digit. Names starting with {@code _} are trusted
 * fields, which only the server may set: a client's are dropped, as are invalid names ({@link Entry#droppedFields}),
 * without failing the entry, as journald does. What a {@code LogLine} holds is taken from MESSAGE, PRIORITY (one digit
 * 0–7, else 6), SYSLOG_IDENTIFIER, SYSLOG_PID and SYSLOG_FACILITY; every other field (CODE_FILE, CODE_LINE,
 * CODE_FUNC, MESSAGE_ID, ERRNO, a program's own) is counted in {@link Entry#otherFields} and not kept yet — a LogLine
 * has no extra fields (a later issue can add them). Where a field repeats, its first value counts.
 *
 * <p>Structure errors — a last line without its newline, a binary length beyond the data, a binary value not followed
 * by a newline — make the whole datagram {@link Malformed}: unlike journald, which keeps what it read up to there,
 * nothing half-read is journaled.
 */
public final class NativeMessage {

    public static final int DEFAULT_PRIORITY = 6;
    public static final int MAX_FIELD_NAME = 64;

    private NativeMessage() {}

    /**
     * One entry. {@code message} is null when the entry had no MESSAGE field; {@code pid} and {@code facility} are -1
     * when not given; {@code identifier} "" when not given.
     */
    public record Entry(byte[] message, int priority, int facility, String identifier, int pid, int otherFields,
            int droppedFields) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && Arrays.equals(message, e.message) && priority == e.priority && facility == e.facility
                    && identifier.equals(e.identifier) && pid == e.pid && otherFields == e.otherFields
                    && droppedFields == e.droppedFields;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(Arrays.hashCode(message), priority, facility, identifier, pid, otherFields, droppedFields);
        }

        @Override
        public String toString() {
            return "Entry[<" + priority + "> " + identifier + "[" + pid + "] fac=" + facility + " other=" + otherFields
                    + " dropped=" + droppedFields + ": " + (message == null ? "(no MESSAGE)" : new String(message, StandardCharsets.UTF_8))
                    + "]";
        }
    }

    /** The datagram does not follow the protocol; nothing of it is journaled. */
    public static final class Malformed extends Exception {
        public Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The entries of one datagram (none for an empty one). */
    public static List<Entry> parse(byte[] data) throws Malformed {
        return parse(data, data.length);
    }

    public static List<Entry> parse(byte[] data, int length) throws Malformed {
        List<Entry> entries = new ArrayList<>(1);
        Builder entry = new Builder();
        int p = 0;
        while (p < length) {
            int nl = indexOf(data, (byte) '\n', p, length);
            if (nl < 0) throw new Malformed("field at byte " + p + " has no terminating newline");
            if (nl == p) { // an empty line ends the entry
                if (!entry.empty()) entries.add(entry.build());
                entry = new Builder();
                p++;
                continue;
            }
            if (data[p] == '.' || data[p] == '#') { // control commands and comments
                p = nl + 1;
                continue;
            }
            int eq = indexOf(data, (byte) '=', p, nl);
            if (eq >= 0) {
                entry.field(data, p, eq, eq + 1, nl);
                p = nl + 1;
                continue;
            }
            // KEY\n, then a 64-bit little-endian length, the value, \n
            int lengthAt = nl + 1;
            if (length - lengthAt < 8) {
                throw new Malformed("binary field " + name(data, p, nl) + " has no length (datagram ends at byte " + length + ")");
            }
            long size = 0;
            for (int i = 7; i >= 0; i--) size = (size << 8) | (data[lengthAt + i] & 0xff);
            int valueAt = lengthAt + 8;
            if (size < 0 || size > length - valueAt - 1) {
                throw new Malformed("binary field " + name(data, p, nl) + ": length " + Long.toUnsignedString(size) + " runs past the "
                        + (length - valueAt) + " bytes left");
            }
            int valueEnd = valueAt + (int) size;
            if (data[valueEnd] != '\n') throw new Malformed("binary field " + name(data, p, nl) + " is not followed by a newline");
            entry.field(data, p, nl, valueAt, valueEnd);
            p = valueEnd + 1;
        }
        if (!entry.empty()) entries.add(entry.build());
        return entries;
    }

    /** 1–64 of A-Z, 0-9, _; not starting with a digit. A leading _ is valid but marks a trusted field. */
    public static boolean validName(byte[] d, int from, int to) {
        int n = to - from;
        if (n <= 0 || n > MAX_FIELD_NAME) return false;
        if (d[from] >= '0' && d[from] <= '9') return false;
        for (int i = from; i < to; i++) {
            byte b = d[i];
            if (!((b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_')) return false;
        }
        return true;
    }

    private static String name(byte[] d, int from, int to) {
        int n = Math.min(to - from, MAX_FIELD_NAME);
        return new String(d, from, n, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] d, byte b, int from, int end) {
        for (int i = from; i < end; i++) if (d[i] == b) return i;
        return -1;
    }

    private static final class Builder {
        byte[] message;
        int priority = -1, facility = -1, pid = -1, other, dropped;
        String identifier;
        boolean any;

        boolean empty() {
            return !any;
        }

        void field(byte[] d, int name, int nameEnd, int value, int valueEnd) {
            any = true;
            if (!validName(d, name, nameEnd) || d[name] == '_') {
                dropped++;
                return;
            }
            switch (new String(d, name, nameEnd - name, StandardCharsets.US_ASCII)) {
                case "MESSAGE" -> {
                    if (message == null) message = Arrays.copyOfRange(d, value, valueEnd);
                }
                case "PRIORITY" -> {
                    if (priority < 0) priority = valueEnd - value == 1 && d[value] >= '0' && d[value] <= '7' ? d[value] - '0' : DEFAULT_PRIORITY;
                }
                case "SYSLOG_FACILITY" -> {
                    if (facility < 0) facility = number(d, value, valueEnd, 23);
                }
                case "SYSLOG_IDENTIFIER" -> {
                    if (identifier == null) identifier = new String(d, value, valueEnd - value, StandardCharsets.UTF_8);
                }
                case "SYSLOG_PID" -> {
                    if (pid < 0) pid = number(d, value, valueEnd, Integer.MAX_VALUE);
                }
                default -> other++;
            }
        }

        Entry build() {
            return new Entry(message, priority < 0 ? DEFAULT_PRIORITY : priority, facility, identifier == null ? "" : identifier,
                    pid, other, dropped);
        }

        /** A decimal number 0..max (1..max for a pid is checked by the caller); -1 when it is not one. */
        private static int number(byte[] d, int from, int to, int max) {
            if (to - from <= 0 || to - from > 10) return -1;
            long v = 0;
            for (int i = from; i < to; i++) {
                if (d[i] < '0' || d[i] > '9') return -1;
                v = v * 10 + (d[i] - '0');
            }
            return v <= max ? (int) v : -1;
        }
    }
}
