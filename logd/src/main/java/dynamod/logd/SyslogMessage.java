package dynamod.logd;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One syslog datagram, parsed (pure). Three shapes are understood:
 *
 * <ul>
 *   <li>RFC 5424: {@code <PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD [MSG]}, {@code -} for nil values; the
 *       structured data is skipped (a LogLine has no place for it yet), a UTF-8 BOM before MSG is dropped;</li>
 *   <li>RFC 3164 as it travels between hosts: {@code <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG};</li>
 *   <li>what local senders really write to /dev/log: glibc's syslog(3) and util-linux {@code logger} send
 *       {@code <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG} (no host), others {@code <PRI>TAG: MSG} with no timestamp.</li>
 * </ul>
 *
 * Like journald, nothing is refused: a datagram without a valid PRI (none, not 1–3 digits, above 191) is kept whole as
 * the message with user.info, and is marked {@link #wellFormed()} false so that the listener can count it; the same
 * for an RFC 5424 header that does not parse (the text after PRI is then read as RFC 3164). The tag rule is journald's
 * ({@code syslog_parse_identifier}): the first word is the tag if it ends with {@code :}, a trailing {@code [PID]}
 * being the pid; with no such word there is no identifier and everything is message. One extension: after an RFC 3164
 * timestamp a first word followed by a tag word is the host ({@code logger --rfc3164}, relayed lines). One space after
 * the tag is dropped; the message is otherwise the bytes as sent (UTF-8 or not) without trailing NULs and one
 * trailing newline. The sender's timestamp is not kept: the journal stamps the time it was received, as journald.
 *
 * @param facility 0–23 (1, user, without a PRI)
 * @param priority 0 (emerg) – 7 (debug); 6 without a PRI
 * @param identifier the tag or APP-NAME; "" when there is none
 * @param pid from {@code [PID]} or PROCID; -1 when the message names none (the sender's credentials then tell)
 */
public record SyslogMessage(int facility, int priority, String identifier, int pid, byte[] message, Format format,
        boolean wellFormed) {

    public enum Format { RFC3164, RFC5424, NO_PRI }

    public static final int DEFAULT_FACILITY = 1; // user
    public static final int DEFAULT_PRIORITY = 6; // info

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    public static SyslogMessage parse(byte[] datagram) {
        int end = datagram.length;
        while (end > 0 && datagram[end - 1] == 0) end--;
        if (end > 0 && datagram[end - 1] == '\n') end--;
        int pri = -1, p = 0;
        if (end >= 3 && datagram[0] == '<') {
            int value = 0, i = 1;
            while (i < end && i <= 3 && isDigit(datagram[i])) value = value * 10 + (datagram[i++] - '0');
            if (i > 1 && i < end && datagram[i] == '>' && value <= 191) {
                pri = value;
                p = i + 1;
            }
        }
        if (pri < 0) {
            return new SyslogMessage(DEFAULT_FACILITY, DEFAULT_PRIORITY, "", -1, Arrays.copyOf(datagram, end), Format.NO_PRI,
                    false);
        }
        int facility = pri >> 3, priority = pri & 7;
        if (end - p >= 2 && datagram[p] == '1' && datagram[p + 1] == ' ') {
            SyslogMessage m = rfc5424(datagram, p + 2, end, facility, priority);
            if (m != null) return m;
            return rfc3164(datagram, p, end, facility, priority, false);
        }
        return rfc3164(datagram, p, end, facility, priority, true);
    }

    /** TIMESTAMP HOST APP PROCID MSGID SD [SP MSG] from p; null when the header does not parse. */
    private static SyslogMessage rfc5424(byte[] d, int p, int end, int facility, int priority) {
        String[] header = new String[5];
        for (int f = 0; f < 5; f++) {
            int space = indexOf(d, (byte) ' ', p, end);
            if (space < 0 || space == p) return null; // every header field is present (nil is "-"), one space apart
            header[f] = new String(d, p, space - p, StandardCharsets.UTF_8);
            p = space + 1;
        }
        if (p >= end) return null;
        // STRUCTURED-DATA: "-" or one or more [ID PARAM="VALUE" ...]; inside a value \" \\ \] are escapes.
        if (d[p] == '-') {
            p++;
        } else if (d[p] == '[') {
            while (p < end && d[p] == '[') {
                p = skipElement(d, p, end);
                if (p < 0) return null;
            }
        } else {
            return null;
        }
        if (p < end) {
            if (d[p] != ' ') return null;
            p++;
        }
        if (end - p >= 3 && d[p] == BOM[0] && d[p + 1] == BOM[1] && d[p + 2] == BOM[2]) p += 3;
        String app = header[2].equals("-") ? "" : header[2];
        int pid = header[3].equals("-") ? -1 : parsePid(header[3]);
        return new SyslogMessage(facility, priority, app, pid, Arrays.copyOfRange(d, p, end), Format.RFC5424, true);
    }

    /** Past one SD-ELEMENT starting at '[': the index after its ']', or -1 if it does not end. */
    private static int skipElement(byte[] d, int p, int end) {
        boolean quoted = false;
        for (int i = p + 1; i < end; i++) {
            byte b = d[i];
            if (quoted) {
                if (b == '\\') i++;
                else if (b == '"') quoted = false;
            } else if (b == '"') {
                quoted = true;
            } else if (b == ']') {
                return i + 1;
            }
        }
        return -1;
    }

    private static SyslogMessage rfc3164(byte[] d, int p, int end, int facility, int priority, boolean wellFormed) {
        int afterTimestamp = skipTimestamp(d, p, end);
        boolean timestamped = afterTimestamp > p;
        p = afterTimestamp;
        int[] tag = tagWord(d, p, end);
        if (tag == null && timestamped) {
            // HOST TAG: the first word is a host when the second one is a tag
            int start = skipSpaces(d, p, end);
            int wordEnd = wordEnd(d, start, end);
            if (wordEnd > start && wordEnd < end) {
                int[] second = tagWord(d, wordEnd, end);
                if (second != null) tag = second;
            }
        }
        String identifier = "";
        int pid = -1;
        if (tag != null) {
            int start = tag[0], colon = tag[1];
            int nameEnd = colon;
            if (colon - 1 > start && d[colon - 1] == ']') {
                int open = lastIndexOf(d, (byte) '[', start, colon - 1);
                if (open >= 0) {
                    pid = parsePid(new String(d, open + 1, colon - 1 - open - 1, StandardCharsets.US_ASCII));
                    nameEnd = open;
                }
            }
            identifier = new String(d, start, nameEnd - start, StandardCharsets.UTF_8);
            p = colon + 1;
            if (p < end && d[p] == ' ') p++;
        }
        return new SyslogMessage(facility, priority, identifier, pid, Arrays.copyOfRange(d, p, end), Format.RFC3164, wellFormed);
    }

    /** {start, index of ':'} when the first word after p ends with ':'; null otherwise. */
    private static int[] tagWord(byte[] d, int p, int end) {
        int start = skipSpaces(d, p, end);
        int wordEnd = wordEnd(d, start, end);
        if (wordEnd - start < 2 || d[wordEnd - 1] != ':') return null;
        return new int[] {start, wordEnd - 1};
    }

    /**
     * Past "Mmm dd hh:mm:ss " (journald's pattern: a day or hour may start with a space), or an RFC 3339 timestamp
     * word ("2024-05-01T10:00:00Z "); p itself when there is neither.
     */
    private static int skipTimestamp(byte[] d, int p, int end) {
        // L L L SP (SP|N) N SP (SP|N) N : (SP|N) N : (SP|N) N SP
        String pattern = "LLL ?N ?N:?N:?N ";
        if (end - p >= pattern.length()) {
            boolean ok = true;
            for (int i = 0; i < pattern.length() && ok; i++) {
                byte b = d[p + i];
                ok = switch (pattern.charAt(i)) {
                    case 'L' -> (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
                    case 'N' -> isDigit(b);
                    case '?' -> b == ' ' || isDigit(b);
                    default -> b == pattern.charAt(i);
                };
            }
            if (ok) return p + pattern.length();
        }
        if (end - p >= 20 && isDigit(d[p]) && isDigit(d[p + 1]) && isDigit(d[p + 2]) && isDigit(d[p + 3]) && d[p + 4] == '-'
                && d[p + 10] == 'T') {
            int space = indexOf(d, (byte) ' ', p, end);
            if (space > 0) return space + 1;
        }
        return p;
    }

    private static int parsePid(String s) {
        if (s.isEmpty() || s.length() > 10) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v > 0 && v <= Integer.MAX_VALUE ? (int) v : -1;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static int skipSpaces(byte[] d, int p, int end) {
        while (p < end && isSpace(d[p])) p++;
        return p;
    }

    private static int wordEnd(byte[] d, int p, int end) {
        while (p < end && !isSpace(d[p])) p++;
        return p;
    }

    private static int indexOf(byte[] d, byte b, int from, int end) {
        for (int i = from; i < end; i++) if (d[i] == b) return i;
        return -1;
    }

    private static int lastIndexOf(byte[] d, byte b, int from, int end) {
        for (int i = end - 1; i >= from; i--) if (d[i] == b) return i;
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyslogMessage m && facility == m.facility && priority == m.priority && pid == m.pid
                && identifier.equals(m.identifier) && Arrays.equals(message, m.message) && format == m.format
                && wellFormed == m.wellFormed;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(facility, priority, identifier, pid, Arrays.hashCode(message), format, wellFormed);
    }

    @Override
    public String toString() {
        return "SyslogMessage[" + facility + "." + priority + " " + identifier + "[" + pid + "] " + format
                + (wellFormed ? "" : " malformed") + ": " + new String(message, StandardCharsets.UTF_8) + "]";
    }
}
