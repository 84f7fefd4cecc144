package dynamod.logd;

import dynamod.journal.logs.LineFramer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One connection to the stdout stream socket ({@code /run/systemd/journal/stdout}: {@code systemd-cat},
 * {@code sd_journal_stream_fd()}), as journald reads it ({@code src/journal/journald-stream.c}). Pure: bytes in,
 * lines out, no I/O and no clock.
 *
 * <p>The stream starts with a header of seven {@code \n}-terminated lines, each stripped of blanks
 * ({@code " \t\r\n"}) at both ends: the identifier (empty: none), the unit id (ignored: journald honours it only from
 * root, and dynamod's service is the sender's {@code DYNAMOD_SERVICE}), the priority (a decimal number 0–999, a
 * facility included; the level is its low three bits), then {@code level_prefix}, {@code forward_to_syslog},
 * {@code forward_to_kmsg}, {@code forward_to_console} as booleans ({@code 1 yes y true t on}, {@code 0 no n false f
 * off}; the forwards are read and not acted on: logd forwards nothing). A header line may be 254 bytes long (journald's
 * limit during the setup phase); a longer one, a NUL in it, a priority or boolean that does not parse, or the end of
 * the stream inside the header, make the stream {@link Malformed}: journald then drops the connection, and so does
 * logd. libsystemd sends {@code IDENT\n\nP\nL\n0\n0\n0\n}.
 *
 * <p>After the header, the bytes are cut into lines by {@link LineFramer} with the capture's rules (journald's, where
 * they lose no bytes): the header's priority is the default, a {@code <N>} prefix is honoured when
 * {@code level_prefix} is on, long lines are cut and marked SPLIT, the partial line at the end is marked PARTIAL.
 */
final class StdoutStream {

    /** The longest header line, in bytes (journald: {@code UNIT_NAME_MAX - 1} bytes read, the newline among them). */
    static final int HEADER_LINE_MAX = 254;
    static final int HEADER_LINES = 7;

    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    private final int lineMax;
    private final byte[] header = new byte[HEADER_LINE_MAX];
    private int headerSize;
    /** Header lines read so far; HEADER_LINES once the stream runs. */
    private int headerLine;
    private long received;
    private String identifier = "";
    private int priority = 6;
    private boolean levelPrefix = true, forwardToSyslog, forwardToKmsg, forwardToConsole;
    private LineFramer framer;

    StdoutStream(int lineMax) {
        this.lineMax = lineMax;
    }

    /** Header lines are taken in; after the header, complete lines go to sink and the rest stays partial. */
    void feed(byte[] buf, int off, int len, LineFramer.Sink sink) throws Malformed {
        feed(buf, off, len, sink, 0);
    }

    /** As {@link #feed(byte[], int, int, LineFramer.Sink)}, with the time the bytes arrived (for {@link #partialSince()}). */
    void feed(byte[] buf, int off, int len, LineFramer.Sink sink, long nowNanos) throws Malformed {
        received += len;
        int end = off + len;
        int i = off;
        while (i < end && framer == null) {
            byte b = buf[i++];
            if (b == '\n') {
                headerLine(stripped());
                headerSize = 0;
            } else if (b == 0) {
                throw new Malformed("a NUL byte in header line " + (headerLine + 1));
            } else if (headerSize == HEADER_LINE_MAX) {
                throw new Malformed("header line " + (headerLine + 1) + " is longer than " + HEADER_LINE_MAX + " bytes");
            } else {
                header[headerSize++] = b;
            }
        }
        if (framer != null && i < end) framer.feed(buf, i, end - i, sink, nowNanos);
    }

    /** The end of the stream: the partial line goes out (PARTIAL). Malformed if it ended inside the header. */
    void end(LineFramer.Sink sink) throws Malformed {
        if (framer == null) {
            if (received > 0) throw new Malformed("the stream ended after " + headerLine + " of the " + HEADER_LINES + " header lines");
            return; // connected and closed without a byte: nothing to say
        }
        framer.flush(sink);
    }

    /** The partial line, if any, goes out now (PARTIAL): the capture's timeout. */
    void flush(LineFramer.Sink sink) {
        if (framer != null) framer.flush(sink);
    }

    boolean hasPartial() {
        return framer != null && framer.hasPartial();
    }

    /** When the partial line began; meaningful while {@link #hasPartial()}. */
    long partialSince() {
        return framer.partialSince();
    }

    boolean running() {
        return framer != null;
    }

    /** Bytes fed so far, the header's included. */
    long received() {
        return received;
    }

    /** The header's identifier, "" when it gave none. */
    String identifier() {
        return identifier;
    }

    /** The header's priority (the level, 0–7): the default of lines without a prefix. */
    int priority() {
        return priority;
    }

    boolean levelPrefix() {
        return levelPrefix;
    }

    /** forward_to_syslog, forward_to_kmsg, forward_to_console, as the header said (not acted on). */
    boolean[] forwards() {
        return new boolean[] {forwardToSyslog, forwardToKmsg, forwardToConsole};
    }

    private String stripped() {
        int from = 0, to = headerSize;
        while (from < to && blank(header[from])) from++;
        while (to > from && blank(header[to - 1])) to--;
        return new String(header, from, to - from, StandardCharsets.UTF_8);
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private void headerLine(String value) throws Malformed {
        switch (headerLine) {
            case 0 -> identifier = value;
            case 1 -> {} // the unit id: see the class comment
            case 2 -> priority = parsePriority(value) & 7;
            case 3 -> levelPrefix = parseBoolean(value, "level_prefix");
            case 4 -> forwardToSyslog = parseBoolean(value, "forward_to_syslog");
            case 5 -> forwardToKmsg = parseBoolean(value, "forward_to_kmsg");
            case 6 -> forwardToConsole = parseBoolean(value, "forward_to_console");
            default -> throw new IllegalStateException("header line " + headerLine);
        }
        if (++headerLine == HEADER_LINES) framer = new LineFramer(lineMax, priority, levelPrefix);
    }

    /** journald's syslog_parse_priority_and_facility(): a decimal number, 0–999 (a facility may be in it). */
    static int parsePriority(String value) throws Malformed {
        String digits = value.startsWith("+") ? value.substring(1) : value;
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed("the priority line is not a number from 0 to 999: \"" + printable(value) + "\"");
        }
        return Integer.parseInt(digits);
    }

    /** systemd's parse_boolean(). */
    static boolean parseBoolean(String value, String what) throws Malformed {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "yes", "y", "true", "t", "on" -> true;
            case "0", "no", "n", "false", "f", "off" -> false;
            default -> throw new Malformed("the " + what + " line is not a boolean: \"" + printable(value) + "\"");
        };
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder b = new StringBuilder();
        for (char c : cut.toCharArray()) b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return b.toString();
    }
}
