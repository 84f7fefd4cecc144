package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.logd.NativeMessage.Entry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeMessageTest {

    /** Builds datagrams the way sd_journal_sendv does: text fields, and binary ones for values with a newline. */
    static final class Datagram {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Datagram text(String field) {
            out.writeBytes((field + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Datagram binary(String name, byte[] value) {
            return binary(name, value, value.length);
        }

        Datagram binary(String name, byte[] value, long declaredLength) {
            out.writeBytes((name + "\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 8; i++) out.write((int) (declaredLength >>> (8 * i)) & 0xff);
            out.writeBytes(value);
            out.write('\n');
            return this;
        }

        Datagram raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static Entry one(byte[] d) throws NativeMessage.Malformed {
        List<Entry> entries = NativeMessage.parse(d);
        assertEquals(1, entries.size(), entries.toString());
        return entries.getFirst();
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void whatSdJournalPrintSends() throws Exception {
        // sd_journal_print(LOG_ERR, "hello %d", 7) from libsystemd 252 (CODE_* come from the macro in sd-journal.h)
        Entry e = one(new Datagram().text("CODE_FILE=prog.c").text("CODE_LINE=12").text("CODE_FUNC=main")
                .text("PRIORITY=3").text("MESSAGE=hello 7").text("SYSLOG_IDENTIFIER=prog").bytes());
        assertEquals("hello 7", text(e.message()));
        assertEquals(3, e.priority());
        assertEquals("prog", e.identifier());
        assertEquals(-1, e.pid());
        assertEquals(-1, e.facility());
        assertEquals(3, e.otherFields());
        assertEquals(0, e.droppedFields());
    }

    @Test
    void binaryFieldsCarryNewlinesAndAnyBytes() throws Exception {
        byte[] value = {'a', '\n', 'b', 0, (byte) 0xFF, '=', '\n'};
        Entry e = one(new Datagram().binary("MESSAGE", value).text("PRIORITY=5").bytes());
        assertArrayEquals(value, e.message());
        assertEquals(5, e.priority());
        Entry empty = one(new Datagram().binary("MESSAGE", new byte[0]).bytes());
        assertArrayEquals(new byte[0], empty.message());
    }

    @Test
    void valuesMayContainEqualsSigns() throws Exception {
        assertEquals("a=b=c", text(one(new Datagram().text("MESSAGE=a=b=c").bytes()).message()));
        assertEquals("", text(one(new Datagram().text("MESSAGE=").bytes()).message()));
    }

    @Test
    void syslogFields() throws Exception {
        Entry e = one(new Datagram().text("MESSAGE=x").text("SYSLOG_IDENTIFIER=ünï").text("SYSLOG_PID=4711")
                .text("SYSLOG_FACILITY=3").bytes());
        assertEquals("ünï", e.identifier());
        assertEquals(4711, e.pid());
        assertEquals(3, e.facility());
        assertEquals(NativeMessage.DEFAULT_PRIORITY, e.priority());
        Entry bad = one(new Datagram().text("MESSAGE=x").text("SYSLOG_PID=12ab").text("SYSLOG_FACILITY=99").text("PRIORITY=9").bytes());
        assertEquals(-1, bad.pid());
        assertEquals(-1, bad.facility());
        assertEquals(NativeMessage.DEFAULT_PRIORITY, bad.priority());
        assertEquals(NativeMessage.DEFAULT_PRIORITY, one(new Datagram().text("MESSAGE=x").text("PRIORITY=33").bytes()).priority());
    }

    @Test
    void trustedAndInvalidFieldsAreDroppedNotFatal() throws Exception {
        Entry e = one(new Datagram().text("_PID=1").text("_UID=0").text("__CURSOR=x").text("_SYSTEMD_UNIT=fake.service")
                .text("lower=x").text("1DIGIT=x").text("BAD-CHAR=x").text("=novalue").text("A".repeat(65) + "=x")
                .binary("_BINARY_TRUSTED", new byte[] {1}).text("MESSAGE=kept").text("A".repeat(64) + "=ok").bytes());
        assertEquals("kept", text(e.message()));
        assertEquals(10, e.droppedFields());
        assertEquals(1, e.otherFields());
        assertEquals(-1, e.pid(), "_PID from a client is not believed");
    }

    @Test
    void firstValueOfARepeatedFieldCounts() throws Exception {
        Entry e = one(new Datagram().text("MESSAGE=first").text("MESSAGE=second").text("PRIORITY=2").text("PRIORITY=7").bytes());
        assertEquals("first", text(e.message()));
        assertEquals(2, e.priority());
    }

    @Test
    void emptyLinesSeparateEntriesAndCommentsAreIgnored() throws Exception {
        List<Entry> entries = NativeMessage.parse(new Datagram().text("# a comment").text(".control").text("MESSAGE=one")
                .text("").text("").text("MESSAGE=two").text("PRIORITY=1").text("").bytes());
        assertEquals(2, entries.size());
        assertEquals("one", text(entries.get(0).message()));
        assertEquals("two", text(entries.get(1).message()));
        assertEquals(1, entries.get(1).priority());
        assertEquals(List.of(), NativeMessage.parse(new byte[0]));
        assertEquals(List.of(), NativeMessage.parse("\n\n# only a comment\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anEntryWithoutMessage() throws Exception {
        Entry e = one(new Datagram().text("FOO=bar").text("PRIORITY=4").bytes());
        assertNull(e.message());
        assertEquals(1, e.otherFields());
    }

    @Test
    void hugeValues() throws Exception {
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i % 251);
        Entry e = one(new Datagram().text("PRIORITY=6").binary("MESSAGE", big).text("MESSAGE_ID=abc").bytes());
        assertArrayEquals(big, e.message());
        String longText = "x".repeat(200_000);
        assertEquals(longText, text(one(new Datagram().text("MESSAGE=" + longText).bytes()).message()));
    }

    @Test
    void structureErrorsAreMalformed() {
        assertMalformed(new Datagram().text("MESSAGE=ok").raw("MESSAGE=no newline".getBytes(StandardCharsets.UTF_8)).bytes());
        // binary: length missing or cut
        assertMalformed(new Datagram().raw("MESSAGE\n\1\0\0".getBytes(StandardCharsets.UTF_8)).bytes());
        // binary: the length runs past the end
        assertMalformed(new Datagram().binary("MESSAGE", "abc".getBytes(StandardCharsets.UTF_8), 999).bytes());
        assertMalformed(new Datagram().binary("MESSAGE", "abc".getBytes(StandardCharsets.UTF_8), 4).bytes());
        // binary: a length with the high bit set (negative as a signed long) and the biggest one
        assertMalformed(new Datagram().binary("MESSAGE", "abc".getBytes(StandardCharsets.UTF_8), Long.MIN_VALUE + 3).bytes());
        assertMalformed(new Datagram().binary("MESSAGE", "abc".getBytes(StandardCharsets.UTF_8), -1L).bytes());
        assertMalformed(new Datagram().binary("MESSAGE", "abc".getBytes(StandardCharsets.UTF_8), 1L << 32).bytes());
        // binary: shorter than declared, so the byte after the value is not a newline
        assertMalformed(new Datagram().binary("MESSAGE", "abcd".getBytes(StandardCharsets.UTF_8), 2).bytes());
        // plain garbage
        assertMalformed("garbage without any newline".getBytes(StandardCharsets.UTF_8));
    }

    private static void assertMalformed(byte[] d) {
        NativeMessage.Malformed m = assertThrows(NativeMessage.Malformed.class, () -> NativeMessage.parse(d));
        assertTrue(!m.getMessage().isEmpty());
    }

    @Test
    void arbitraryBytesNeverThrowAnythingButMalformed() {
        java.util.Random random = new java.util.Random(6);
        for (int i = 0; i < 20_000; i++) {
            byte[] d = new byte[random.nextInt(80)];
            random.nextBytes(d);
            for (int j = 0; j < d.length; j++) if (random.nextInt(8) == 0) d[j] = '\n';
            try {
                for (Entry e : NativeMessage.parse(d)) assertTrue(e.priority() >= 0 && e.priority() <= 7);
            } catch (NativeMessage.Malformed expected) {
                // counted by the listener
            }
        }
    }
}
