package dynamod.journal.logs;

import dynamod.journal.event.LogEvent.LogLine;
import java.util.Arrays;

/**
 * Turns one stream of bytes (a service's stdout or its stderr) into log lines. Pure: no I/O, no clock; one framer
 * per stream, used by one thread.
 *
 * <p>The rules, and where they follow journald's stdout stream ({@code src/journal/journald-stream.c},
 * {@code stdout_stream_scan()} / {@code stdout_stream_line()} / {@code stdout_stream_log()}, and
 * {@code syslog_parse_priority()} in {@code src/basic/syslog-util.c}, systemd main as of 2025):
 * <ul>
 * <li><b>Lines end at {@code \n}</b>, which is not part of the message. A {@code \r} right before the {@code \n}
 *     (a CRLF ending) is dropped too. journald goes further: it runs {@code strstrip()} over every record, which
 *     drops all trailing whitespace ({@code " \t\r\n"}; a record of whitespace only is left as it is). dynamod
 *     drops only the CR of a CRLF ending, as part of the line terminator, and keeps every other byte exactly
 *     (trailing blanks included), since capture is meant to be lossless. journald also ends a record at a NUL
 *     byte ({@code LINE_BREAK_NUL}); dynamod does not: a NUL is kept in the message like any other byte.</li>
 * <li><b>Bytes are kept exactly</b>: messages are byte arrays; nothing is decoded, so bytes that are not UTF-8
 *     reach the sink unchanged.</li>
 * <li><b>Over-long lines</b> are cut into pieces of {@code maxLine} bytes (the last piece may be shorter); every
 *     piece, including the last one that ends at the newline, is marked {@link LogLine#SPLIT} (as journald marks
 *     each one {@code _LINE_BREAK=line-max}, and as svmgr's io-pump did). A line of exactly {@code maxLine} bytes is
 *     not split (journald would cut it and then drop the empty rest); nor is one of {@code maxLine} bytes and a CRLF
 *     ending. {@code maxLine} counts the raw bytes, the priority prefix included, as journald's {@code LineMax=}
 *     does.</li>
 * <li><b>A partial line</b> (bytes without a newline yet) stays here until {@link #flush} (a timeout, or EOF), which
 *     gives it to the sink marked {@link LogLine#PARTIAL} (journald: {@code _LINE_BREAK=eof}), plus
 *     {@link LogLine#SPLIT} if it is a later piece of a line that was cut. Bytes that follow a flushed partial line
 *     continue that line: they have its priority and no prefix is looked for in them.</li>
 * <li><b>A priority prefix</b> {@code <N>} at the start of a line, as sd-daemon.h's {@code SD_ERR} ({@code "<3>"}) and
 *     friends write it, sets the line's priority and is removed from the message. As journald parses it for stdout
 *     streams ({@code syslog_parse_priority(..., with_facility=false)}): one to three decimal digits between
 *     {@code <} and the first {@code >}, whose value is 0–7 ({@code <3>}, {@code <03>} and {@code <003>} are all 3);
 *     anything else ({@code <11>}, i.e. a facility, {@code <8>}, {@code <x>}, {@code <>}, {@code <0003>}, or
 *     {@code <12} without {@code >}) is not a prefix and stays in the message as text. Only the first piece of a line
 *     is looked at: a prefix in a later piece of a cut line, or after a flushed partial, is text; those pieces get
 *     the priority of their line's first piece (journald parses each piece on its own).</li>
 * <li>Without {@code levelPrefix} (a stdout stream whose header says {@code level_prefix=0}) no prefix is looked
 *     for: {@code <3>} is text, and every line has the default priority.</li>
 * <li><b>Empty lines are dropped</b>, as journald drops an empty record ({@code if (isempty(p)) return 0;} after the
 *     prefix is parsed): {@code \n}, {@code \r\n}, and a line that is only a prefix ({@code <3>\n}) produce nothing.
 *     A line of blanks is not empty and is kept.</li>
 * </ul>
 *
 * <p>The buffer grows with the partial line, up to {@code maxLine + 1} bytes (a CR held back until it is known
 * whether a newline follows), so an idle stream costs almost nothing whatever {@code maxLine} is.
 */
public final class LineFramer {

    /** Receives the lines, in order; {@code message} is the sink's to keep. */
    public interface Sink {
        void line(byte[] message, int priority, int flags);
    }

    private static final int INITIAL_CAPACITY = 256;

    private final int maxLine;
    private final int defaultPriority;
    private final boolean levelPrefix;
    private byte[] buffer;
    private int size;
    /** The bytes of the line so far went nowhere yet: the next piece given out is the line's first. */
    private boolean atLineStart = true;
    /** The line has been cut at maxLine: its pieces are marked SPLIT. */
    private boolean split;
    /** The priority of the current line, once its first piece was given out. */
    private int linePriority;
    /** Bytes fed so far (the byte being looked at not included). */
    private long fed;
    /** Where the piece being given out ends in the stream. */
    private long lineEnd;
    /** The time of the current feed, and the time the partial line began. */
    private long feedTime, partialSince;

    /**
     * @param maxLine the longest piece, in bytes (at least 1; the configuration allows 1K–1M)
     * @param defaultPriority the priority of a line without a prefix, 0–7 (journald's default is 6, info)
     */
    public LineFramer(int maxLine, int defaultPriority) {
        this(maxLine, defaultPriority, true);
    }

    /**
     * @param levelPrefix whether a leading {@code <N>} is a priority prefix (journald's stdout stream header has a
     *     {@code level_prefix} line for it; {@code systemd-cat --level-prefix=false}); without it, it is text
     */
    public LineFramer(int maxLine, int defaultPriority, boolean levelPrefix) {
        if (maxLine < 1) throw new IllegalArgumentException("maxLine must be at least 1: " + maxLine);
        if (defaultPriority < 0 || defaultPriority > 7) {
            throw new IllegalArgumentException("defaultPriority must be 0-7: " + defaultPriority);
        }
        this.maxLine = maxLine;
        this.defaultPriority = defaultPriority;
        this.levelPrefix = levelPrefix;
        this.linePriority = defaultPriority;
        this.buffer = new byte[Math.min(INITIAL_CAPACITY, maxLine + 1)];
    }

    public int maxLine() {
        return maxLine;
    }

    /** Complete lines in {@code buf[off, off+len)} go to sink, in order; the rest is kept as the partial line. */
    public void feed(byte[] buf, int off, int len, Sink sink) {
        feed(buf, off, len, sink, 0);
    }

    /**
     * As {@link #feed(byte[], int, int, Sink)}, with the time the bytes arrived (monotonic nanoseconds): a partial
     * line that begins in them is {@link #partialSince() since} then, which is what a partial-line timeout counts
     * from (not from an older partial that a line in these bytes completed).
     */
    public void feed(byte[] buf, int off, int len, Sink sink, long nowNanos) {
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        feedTime = nowNanos;
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte b = buf[i];
            if (b == '\n') {
                fed++;
                endLine(sink);
                continue;
            }
            if (size == maxLine + 1) {
                // The held-back CR was not followed by a newline: the full piece goes, the CR starts the next one.
                piece(maxLine, LogLine.SPLIT, sink);
                buffer[0] = '\r';
                size = 1;
                partialSince = feedTime;
            } else if (size == maxLine && b != '\r') {
                piece(maxLine, LogLine.SPLIT, sink);
                size = 0;
            }
            append(b);
            fed++;
        }
    }

    /** The partial line, if any, goes out now, marked {@link LogLine#PARTIAL} (a timeout or EOF). */
    public void flush(Sink sink) {
        if (size == 0) return;
        if (size == maxLine + 1) {
            piece(maxLine, LogLine.SPLIT, sink);
            buffer[0] = '\r';
            size = 1;
        }
        piece(size, LogLine.PARTIAL | (split ? LogLine.SPLIT : 0), sink);
        size = 0;
    }

    public boolean hasPartial() {
        return size > 0;
    }

    /** When the partial line began: the time given with the bytes that started it. Meaningful while {@link #hasPartial()}. */
    public long partialSince() {
        return partialSince;
    }

    /** Bytes consumed so far that are not yet in a line given to the sink (the partial line). */
    public int pending() {
        return size;
    }

    /** Bytes fed so far: {@code position() - pending()} is where a capture resumed later would start a new line. */
    public long position() {
        return fed;
    }

    /**
     * During a {@link Sink} call: the stream position (bytes since this framer began) just after the bytes of the
     * piece given out, its newline and a dropped CR included; what a spool offset (LogLine's sourceOffset) records.
     */
    public long lineEnd() {
        return lineEnd;
    }

    private void append(byte b) {
        if (size == 0) partialSince = feedTime;
        if (size == buffer.length) buffer = Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, maxLine + 1L));
        buffer[size++] = b;
    }

    /** A newline: the rest of the line goes out (without a CR before the newline), and a new line starts. */
    private void endLine(Sink sink) {
        int length = size > 0 && buffer[size - 1] == '\r' ? size - 1 : size;
        piece(length, split ? LogLine.SPLIT : 0, 0, sink);
        size = 0;
        split = false;
        atLineStart = true;
        linePriority = defaultPriority;
    }

    /** Gives out buffer[0, length): the prefix is looked for if it is the line's first piece; empty ones are dropped. */
    private void piece(int length, int flags, Sink sink) {
        piece(length, flags, size - length, sink);
    }

    /** The same, where {@code rest} is how many of the bytes fed after the piece stay pending. */
    private void piece(int length, int flags, int rest, Sink sink) {
        lineEnd = fed - rest;
        if ((flags & LogLine.SPLIT) != 0) split = true;
        int start = 0;
        if (atLineStart) {
            atLineStart = false;
            linePriority = defaultPriority;
            int prefix = levelPrefix ? prefixLength(buffer, length) : 0;
            if (prefix > 0) {
                linePriority = buffer[prefix - 2] - '0';
                start = prefix;
            }
        }
        if (length - start == 0) return;
        sink.line(Arrays.copyOfRange(buffer, start, length), linePriority, flags);
    }

    /**
     * The length of a priority prefix at the start of {@code b[0, length)}, or 0: {@code <}, 1–3 digits with a
     * value of 0–7, {@code >} (journald's {@code syslog_parse_priority()} without facility). The priority is the
     * digit before the {@code >}.
     */
    static int prefixLength(byte[] b, int length) {
        if (length < 3 || b[0] != '<') return 0;
        int close = -1;
        for (int i = 1; i < Math.min(length, 5); i++) {
            if (b[i] == '>') {
                close = i;
                break;
            }
        }
        if (close < 2) return 0; // no '>' within "<ddd>", or "<>"
        for (int i = 1; i < close; i++) {
            if (b[i] < '0' || b[i] > '9') return 0;
            if (i < close - 1 && b[i] != '0') return 0; // a facility (or a number above 7)
        }
        return b[close - 1] <= '7' ? close + 1 : 0;
    }
}
