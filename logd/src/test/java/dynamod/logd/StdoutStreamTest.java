package dynamod.logd;

import static dynamod.journal.event.LogEvent.LogLine.PARTIAL;
import static dynamod.journal.event.LogEvent.LogLine.SPLIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.logs.LineFramer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stdout stream protocol, without sockets: the header as journald reads it, then LineFramer's lines. */
class StdoutStreamTest {

    record Line(String text, int priority, int flags) {}

    static final class Collector implements LineFramer.Sink {
        final List<Line> lines = new ArrayList<>();

        @Override
        public void line(byte[] message, int priority, int flags) {
            lines.add(new Line(new String(message, StandardCharsets.ISO_8859_1), priority, flags));
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds it whole and byte by byte (the same lines both ways), then ends the stream. */
    static List<Line> stream(int lineMax, String text) throws StdoutStream.Malformed {
        byte[] in = bytes(text);
        Collector whole = new Collector(), single = new Collector();
        StdoutStream a = new StdoutStream(lineMax), b = new StdoutStream(lineMax);
        a.feed(in, 0, in.length, whole);
        a.end(whole);
        for (int i = 0; i < in.length; i++) b.feed(in, i, 1, single);
        b.end(single);
        assertEquals(whole.lines, single.lines, "byte by byte");
        return whole.lines;
    }

    static StdoutStream.Malformed malformed(String text) {
        byte[] in = bytes(text);
        return assertThrows(StdoutStream.Malformed.class, () -> {
            StdoutStream s = new StdoutStream(1024);
            Collector c = new Collector();
            s.feed(in, 0, in.length, c);
            s.end(c);
        });
    }

    @Test
    void libsystemdsHeaderThenLines() throws Exception {
        byte[] in = bytes("mytag\n\n4\n1\n0\n0\n0\nhello\n<3>an error\n");
        StdoutStream s = new StdoutStream(1024);
        Collector c = new Collector();
        s.feed(in, 0, in.length, c);
        assertTrue(s.running());
        assertEquals("mytag", s.identifier());
        assertEquals(4, s.priority());
        assertTrue(s.levelPrefix());
        assertArrayEquals(new boolean[] {false, false, false}, s.forwards());
        assertEquals(List.of(new Line("hello", 4, 0), new Line("an error", 3, 0)), c.lines);
    }

    @Test
    void theHeaderAcrossReadsAndWithBlanks() throws Exception {
        assertEquals(List.of(new Line("x", 2, 0)), stream(1024, "  spaced tag \r\n\t\n 2 \nyes\nOFF\nf\nn\nx\n"));
        StdoutStream s = new StdoutStream(1024);
        byte[] in = bytes("  spaced tag \r\n\t\n 2 \nyes\nOFF\nT\nn\n");
        s.feed(in, 0, in.length, new Collector());
        assertEquals("spaced tag", s.identifier(), "stripped at both ends, as journald's strstrip()");
        assertArrayEquals(new boolean[] {false, true, false}, s.forwards());
    }

    @Test
    void anEmptyIdentifierIsNone() throws Exception {
        StdoutStream s = new StdoutStream(1024);
        byte[] in = bytes("\n\n6\n1\n0\n0\n0\n");
        s.feed(in, 0, in.length, new Collector());
        assertTrue(s.running());
        assertEquals("", s.identifier());
    }

    @Test
    void aPriorityWithAFacilityGivesItsLevel() throws Exception {
        assertEquals(List.of(new Line("m", 3, 0)), stream(1024, "t\n\n27\n0\n0\n0\n0\nm\n"), "daemon.err: 3 * 8 + 3");
        assertEquals(List.of(new Line("m", 7, 0)), stream(1024, "t\n\n+999\n0\n0\n0\n0\nm\n"));
    }

    @Test
    void withoutLevelPrefixAPrefixIsText() throws Exception {
        assertEquals(List.of(new Line("<3>not an error", 5, 0)), stream(1024, "t\n\n5\n0\n0\n0\n0\n<3>not an error\n"));
    }

    @Test
    void aLongLineIsCutAndEveryPieceMarked() throws Exception {
        String header = "t\n\n6\n1\n0\n0\n0\n";
        assertEquals(List.of(new Line("abcd", 6, SPLIT), new Line("efgh", 6, SPLIT), new Line("ij", 6, SPLIT), new Line("k", 6, 0)),
                stream(4, header + "abcdefghij\nk\n"));
    }

    @Test
    void aStreamThatEndsWithoutANewlineEndsWithAPartialLine() throws Exception {
        assertEquals(List.of(new Line("one", 6, 0), new Line("two", 6, PARTIAL)), stream(1024, "t\n\n6\n1\n0\n0\n0\none\ntwo"));
    }

    @Test
    void flushGivesOutThePartialLineAndTheRestContinuesIt() throws Exception {
        StdoutStream s = new StdoutStream(1024);
        Collector c = new Collector();
        byte[] in = bytes("t\n\n6\n1\n0\n0\n0\npart");
        s.feed(in, 0, in.length, c);
        assertTrue(s.hasPartial());
        s.flush(c);
        assertFalse(s.hasPartial());
        s.feed(bytes("ial\n"), 0, 4, c);
        assertEquals(List.of(new Line("part", 6, PARTIAL), new Line("ial", 6, 0)), c.lines);
    }

    @Test
    void emptyLinesAreDroppedBytesAreKept() throws Exception {
        assertEquals(List.of(new Line("caf\u00e9 \u00ff\u0000x  ", 6, 0)), stream(1024, "t\n\n6\n1\n0\n0\n0\n\n\r\ncaf\u00e9 \u00ff\u0000x  \n"));
    }

    @Test
    void malformedHeaders() {
        assertTrue(malformed("t\n\nwarning\n1\n0\n0\n0\n").getMessage().contains("priority"), "a name is not a number");
        malformed("t\n\n1000\n1\n0\n0\n0\n");
        malformed("t\n\n-1\n1\n0\n0\n0\n");
        malformed("t\n\n\n1\n0\n0\n0\n");
        assertTrue(malformed("t\n\n6\nmaybe\n0\n0\n0\n").getMessage().contains("level_prefix"));
        malformed("t\n\n6\n1\n2\n0\n0\n");
        assertTrue(malformed("t\n\n6\n1\n0\n0\n0x\nline\n").getMessage().contains("forward_to_console"));
        assertTrue(malformed("t\u0000ag\n\n6\n1\n0\n0\n0\n").getMessage().contains("NUL"));
        assertTrue(malformed("x".repeat(StdoutStream.HEADER_LINE_MAX + 1) + "\n").getMessage().contains("longer than"));
        assertTrue(malformed("t\n\n6\n1\n").getMessage().contains("ended after 4 of the 7"));
        assertTrue(malformed("t\n\n6\n1\n0\n0\n0").getMessage().contains("ended after 6"), "the last header line needs its newline");
    }

    @Test
    void headerLinesUpToTheLimitAreFineAndNothingAtAllIsNotMalformed() throws Exception {
        String tag = "x".repeat(StdoutStream.HEADER_LINE_MAX);
        StdoutStream s = new StdoutStream(1024);
        byte[] in = bytes(tag + "\n\n6\n1\n0\n0\n0\n");
        s.feed(in, 0, in.length, new Collector());
        assertEquals(tag, s.identifier());
        assertEquals(List.of(), stream(1024, ""), "a connection closed without a byte");
    }
}
