package dynamod.journal.logs;

import static dynamod.journal.event.LogEvent.LogLine.PARTIAL;
import static dynamod.journal.event.LogEvent.LogLine.SPLIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every framing rule of {@link LineFramer}, fed in one piece and byte by byte. */
class LineFramerTest {

    /** A line as the sink saw it; messages compared as ISO-8859-1 text so every byte stays visible. */
    record Line(String text, int priority, int flags) {
        static Line of(String text) {
            return new Line(text, 6, 0);
        }

        Line flags(int f) {
            return new Line(text, priority, f);
        }
    }

    private static final class Collector implements LineFramer.Sink {
        final List<Line> lines = new ArrayList<>();
        final List<byte[]> raw = new ArrayList<>();

        @Override
        public void line(byte[] message, int priority, int flags) {
            raw.add(message);
            lines.add(new Line(new String(message, StandardCharsets.ISO_8859_1), priority, flags));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds the text at once and byte by byte (both must give the same lines); flushes at the end if asked. */
    private static List<Line> frame(int maxLine, String text, boolean flush) {
        byte[] input = bytes(text);
        Collector whole = new Collector();
        LineFramer a = new LineFramer(maxLine, 6);
        a.feed(input, 0, input.length, whole);
        if (flush) a.flush(whole);
        Collector single = new Collector();
        LineFramer b = new LineFramer(maxLine, 6);
        for (int i = 0; i < input.length; i++) b.feed(input, i, 1, single);
        if (flush) b.flush(single);
        assertEquals(whole.lines, single.lines, "byte by byte");
        return whole.lines;
    }

    private static List<Line> frame(String text) {
        return frame(1024, text, false);
    }

    // ---------------------------------------------------------------- lines

    @Test
    void linesEndAtNewlineWhichIsNotPartOfTheMessage() {
        assertEquals(List.of(Line.of("one"), Line.of("two")), frame("one\ntwo\n"));
    }

    @Test
    void theRestStaysUntilMoreComes() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.feed(bytes("abc\nde"), 0, 6, c);
        assertEquals(List.of(Line.of("abc")), c.lines);
        assertTrue(f.hasPartial());
        assertEquals(2, f.pending());
        f.feed(bytes("xxf\ng"), 2, 3, c); // only "f\ng" is fed: off and len are honoured
        assertEquals(List.of(Line.of("abc"), Line.of("def")), c.lines);
        assertEquals(1, f.pending());
    }

    @Test
    void aCrlfEndingDropsTheCrOnly() {
        assertEquals(List.of(Line.of("dos"), Line.of("unix")), frame("dos\r\nunix\n"));
        // Other CRs, and trailing blanks, are kept exactly (journald's strstrip() would drop the blanks).
        assertEquals(List.of(Line.of("a\rb"), Line.of("x\r\r"), Line.of("tail  \t")), frame("a\rb\nx\r\r\r\ntail  \t\n"));
        // A CR at the end of a partial line is kept: no newline followed it.
        assertEquals(List.of(Line.of("cr\r").flags(PARTIAL)), frame(1024, "cr\r", true));
    }

    @Test
    void emptyLinesAreDroppedAsJournaldDoes() {
        assertEquals(List.of(Line.of("a"), Line.of("b")), frame("\n\na\n\r\n\nb\n"));
        // Blanks are not empty.
        assertEquals(List.of(Line.of(" "), Line.of("\t")), frame(" \n\t\n"));
        // A line that is only a prefix is empty once the prefix is gone.
        assertEquals(List.of(), frame("<3>\n<3>\r\n"));
    }

    @Test
    void nulIsAByteLikeAnyOther() {
        assertEquals(List.of(Line.of("a\0b")), frame("a\0b\n"));
    }

    @Test
    void bytesThatAreNotUtf8AreKeptExactly() {
        byte[] input = {(byte) 0xff, (byte) 0xfe, 'x', (byte) 0xc3, '\n', (byte) 0x80, (byte) 0xe2, (byte) 0x82, '\n',
                (byte) 0xc3, (byte) 0xa9, '\n'};
        Collector c = new Collector();
        new LineFramer(1024, 6).feed(input, 0, input.length, c);
        assertEquals(3, c.raw.size());
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe, 'x', (byte) 0xc3}, c.raw.get(0));
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0xe2, (byte) 0x82}, c.raw.get(1));
        assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), c.raw.get(2));
    }

    @Test
    void messagesAreTheSinksToKeep() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.feed(bytes("first\nsecond\n"), 0, 13, c);
        assertArrayEquals(bytes("first"), c.raw.get(0));
        assertArrayEquals(bytes("second"), c.raw.get(1));
    }

    // ---------------------------------------------------------------- over-long lines

    @Test
    void aLongLineIsCutAtMaxLineAndEveryPieceIsMarkedSplit() {
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("efgh").flags(SPLIT), Line.of("ij").flags(SPLIT), Line.of("next")),
                frame(4, "abcdefghij\nnext\n", false));
    }

    @Test
    void aLineOfExactlyMaxLineIsNotSplit() {
        assertEquals(List.of(Line.of("abcd"), Line.of("efgh")), frame(4, "abcd\nefgh\r\n", false));
        // Twice maxLine: two pieces, no empty third one.
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("efgh").flags(SPLIT)), frame(4, "abcdefgh\n", false));
    }

    @Test
    void aCrAfterAFullPieceIsHeldUntilItIsKnownWhetherANewlineFollows() {
        // CR then not a newline: the CR is the first byte of the next piece.
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("\rx").flags(SPLIT)), frame(4, "abcd\rx\n", false));
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("\r\r").flags(SPLIT)), frame(4, "abcd\r\r\r\n", false));
        // At a flush, the full piece goes first, then the CR as the partial rest.
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("\r").flags(SPLIT | PARTIAL)), frame(4, "abcd\r", true));
    }

    @Test
    void aPieceNeverExceedsMaxLine() {
        Random random = new Random(6);
        byte[] input = new byte[20_000];
        for (int i = 0; i < input.length; i++) {
            int r = random.nextInt(20);
            input[i] = r == 0 ? (byte) '\n' : r == 1 ? (byte) '\r' : (byte) random.nextInt(256);
        }
        Collector c = new Collector();
        LineFramer f = new LineFramer(7, 6);
        int at = 0;
        while (at < input.length) {
            int n = Math.min(input.length - at, 1 + random.nextInt(50));
            f.feed(input, at, n, c);
            at += n;
            assertTrue(f.pending() <= 8);
        }
        f.flush(c);
        for (byte[] m : c.raw) assertTrue(m.length >= 1 && m.length <= 7, "length " + m.length);
    }

    // ---------------------------------------------------------------- partial lines

    @Test
    void aFlushedPartialLineIsMarkedPartial() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.flush(c);
        assertEquals(List.of(), c.lines, "nothing pending, nothing flushed");
        f.feed(bytes("no newline"), 0, 10, c);
        f.flush(c);
        assertEquals(List.of(Line.of("no newline").flags(PARTIAL)), c.lines);
        assertFalse(f.hasPartial());
        assertEquals(0, f.pending());
    }

    @Test
    void bytesAfterAFlushContinueTheLineWithItsPriority() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.feed(bytes("<3>disk "), 0, 8, c);
        f.flush(c); // a timeout
        f.feed(bytes("<5>full\n<4>w\n"), 0, 13, c);
        assertEquals(List.of(new Line("disk ", 3, PARTIAL), new Line("<5>full", 3, 0), new Line("w", 4, 0)), c.lines);
    }

    @Test
    void aPartialPieceOfASplitLineIsMarkedBoth() {
        assertEquals(List.of(Line.of("abcd").flags(SPLIT), Line.of("ef").flags(SPLIT | PARTIAL)), frame(4, "abcdef", true));
        // A partial line with only a prefix gives nothing, but what follows has the prefix's priority.
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.feed(bytes("<2>"), 0, 3, c);
        f.flush(c);
        f.feed(bytes("late\n"), 0, 5, c);
        assertEquals(List.of(new Line("late", 2, 0)), c.lines);
    }

    // ---------------------------------------------------------------- priority prefixes

    @Test
    void aPrefixSetsThePriorityAndIsRemoved() {
        for (int p = 0; p <= 7; p++) {
            assertEquals(List.of(new Line("msg", p, 0)), frame("<" + p + ">msg\n"), "<" + p + ">");
        }
        assertEquals(List.of(new Line("x", 3, 0), new Line("y", 3, 0)), frame("<03>x\n<003>y\n"));
        assertEquals(List.of(new Line(" spaced", 4, 0)), frame("<4> spaced\n"));
        assertEquals(List.of(new Line("<5>twice", 3, 0)), frame("<3><5>twice\n"), "one prefix only");
    }

    @Test
    void whatIsNotAPrefixIsText() {
        for (String text : List.of("<8>eight", "<11>facility", "<30>daemon.info", "<0003>long", "<x>letter", "<>", "<12 no close",
                "<3", "< 3>space", "<-1>minus", " <3>indented", "x<3>inside")) {
            assertEquals(List.of(Line.of(text)), frame(text + "\n"), text);
        }
    }

    @Test
    void theLinesWithoutAPrefixHaveTheDefaultPriority() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 3);
        f.feed(bytes("<7>debug\nplain\n"), 0, 15, c);
        assertEquals(List.of(new Line("debug", 7, 0), new Line("plain", 3, 0)), c.lines);
    }

    @Test
    void onlyTheFirstPieceOfASplitLineHasAPrefixLaterOnesInheritItsPriority() {
        assertEquals(List.of(new Line("ab", 2, SPLIT), new Line("<5>cd", 2, SPLIT), new Line("ef", 2, SPLIT), new Line("g", 6, 0)),
                frame(5, "<2>ab<5>cdef\ng\n", false));
    }

    @Test
    void withoutLevelPrefixAPrefixIsText() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 4, false);
        byte[] in = bytes("<3>error\nplain\n<5>\n");
        f.feed(in, 0, in.length, c);
        assertEquals(List.of(new Line("<3>error", 4, 0), new Line("plain", 4, 0), new Line("<5>", 4, 0)), c.lines);
    }

    @Test
    void aPrefixSplitAcrossReadsIsStillAPrefix() {
        Collector c = new Collector();
        LineFramer f = new LineFramer(1024, 6);
        f.feed(bytes("<"), 0, 1, c);
        f.feed(bytes("1"), 0, 1, c);
        f.feed(bytes(">alert\n"), 0, 7, c);
        assertEquals(List.of(new Line("alert", 1, 0)), c.lines);
    }

    @Test
    void prefixParsing() {
        assertEquals(3, LineFramer.prefixLength(bytes("<7>"), 3));
        assertEquals(4, LineFramer.prefixLength(bytes("<07>x"), 5));
        assertEquals(5, LineFramer.prefixLength(bytes("<007>"), 5));
        assertEquals(0, LineFramer.prefixLength(bytes("<007>"), 4), "the length given counts, not the array's");
        assertEquals(0, LineFramer.prefixLength(bytes("<100>"), 5));
        assertEquals(0, LineFramer.prefixLength(bytes("<010>"), 5));
    }

    // ---------------------------------------------------------------- stream positions

    @Test
    void lineEndIsTheStreamPositionAfterEachPiece() {
        LineFramer f = new LineFramer(4, 6);
        List<String> seen = new ArrayList<>();
        LineFramer.Sink sink = (m, p, fl) -> seen.add(new String(m, StandardCharsets.ISO_8859_1) + "@" + f.lineEnd());
        byte[] in = bytes("ab\r\n\nabcdef\nabcd\rx\nxyz");
        f.feed(in, 0, in.length, sink);
        assertEquals(List.of("ab@4", "abcd@9", "ef@12", "abcd@16", "\rx@19"), seen);
        assertEquals(in.length, f.position());
        assertEquals(3, f.pending());
        assertEquals(19, f.position() - f.pending(), "where a resumed capture starts: the empty line at 4 is consumed");
        f.feed(bytes("w\r"), 0, 2, sink); // "xyzw" then a held CR
        f.flush(sink);
        assertEquals(List.of("ab@4", "abcd@9", "ef@12", "abcd@16", "\rx@19", "xyzw@23", "\r@24"), seen);
        assertEquals(f.position(), f.position() - f.pending());
    }

    // ---------------------------------------------------------------- arguments and a long run

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new LineFramer(0, 6));
        assertThrows(IllegalArgumentException.class, () -> new LineFramer(10, 8));
        assertThrows(IllegalArgumentException.class, () -> new LineFramer(10, -1));
        LineFramer f = new LineFramer(10, 6);
        assertThrows(IndexOutOfBoundsException.class, () -> f.feed(new byte[4], 2, 3, (m, p, fl) -> {}));
    }

    @Test
    void everyByteOfManyLinesArrivesOnceInOrder() {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int i = 0; i < 50_000; i++) {
            String line = "line " + i + " " + "x".repeat(i % 300);
            input.writeBytes(bytes(line + "\n"));
            expected.writeBytes(bytes(line));
        }
        byte[] in = input.toByteArray();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        LineFramer f = new LineFramer(100, 6);
        Random random = new Random(1);
        for (int at = 0; at < in.length; ) {
            int n = Math.min(in.length - at, random.nextInt(9000));
            f.feed(in, at, n, (m, p, fl) -> got.writeBytes(m));
            at += n;
        }
        assertArrayEquals(expected.toByteArray(), got.toByteArray());
    }

    @Test
    void aPartialLineIsDatedByTheBytesThatBeganIt() {
        // A stream whose every write ends inside a line: each partial is as old as its own write, not the first one.
        LineFramer f = new LineFramer(64, 6);
        Collector c = new Collector();
        feed(f, c, "line0-", 100);
        assertEquals(100, f.partialSince());
        feed(f, c, "more", 200);
        assertEquals(100, f.partialSince(), "still the same line");
        feed(f, c, "end\nline1-", 300);
        assertEquals(300, f.partialSince(), "the new partial began with these bytes");
        feed(f, c, "end\n", 400);
        assertFalse(f.hasPartial());
        assertEquals(List.of(Line.of("line0-moreend"), Line.of("line1-end")), c.lines);
    }

    @Test
    void theNextPieceOfASplitLineIsDatedByItsOwnBytes() {
        LineFramer f = new LineFramer(4, 6);
        Collector c = new Collector();
        feed(f, c, "abc", 10);
        feed(f, c, "defg", 20); // "abcd" goes out split; "efg" is a new piece, begun at 20
        assertEquals(20, f.partialSince());
        assertEquals(List.of(Line.of("abcd").flags(SPLIT)), c.lines);
    }

    private static void feed(LineFramer f, Collector c, String text, long now) {
        byte[] b = bytes(text);
        f.feed(b, 0, b.length, c, now);
    }
}
