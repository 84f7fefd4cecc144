package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.logd.SyslogMessage.Format;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyslogMessageTest {

    private static SyslogMessage parse(String s) {
        return SyslogMessage.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void check(SyslogMessage m, int facility, int priority, String identifier, int pid, String message, Format format) {
        assertEquals(facility, m.facility(), "facility of " + m);
        assertEquals(priority, m.priority(), "priority of " + m);
        assertEquals(identifier, m.identifier(), "identifier of " + m);
        assertEquals(pid, m.pid(), "pid of " + m);
        assertEquals(message, new String(m.message(), StandardCharsets.UTF_8), "message of " + m);
        assertEquals(format, m.format());
    }

    @Test
    void loggerToASocketSendsTheLocalFormat() {
        // logger -u SOCKET -t mytag -p daemon.err hello (captured from util-linux 2.38)
        check(parse("<27>Dec  1 12:16:00 mytag: hello"), 3, 3, "mytag", -1, "hello", Format.RFC3164);
        // logger -i: the pid in brackets
        check(parse("<27>Dec  1 12:16:00 mytag[4242]: hello"), 3, 3, "mytag", 4242, "hello", Format.RFC3164);
        // logger with no -t: the user name is the tag
        check(parse("<13>Dec  1 12:16:00 root: hello2"), 1, 5, "root", -1, "hello2", Format.RFC3164);
    }

    @Test
    void glibcSyslog() {
        // syslog(LOG_DAEMON|LOG_WARNING, ...) after openlog("sshd", LOG_PID, ...): "<%d>%h %e %T ident[pid]: msg"
        check(parse("<28>Jan 23 04:05:06 sshd[812]: Server listening on 0.0.0.0 port 22."), 3, 4, "sshd", 812,
                "Server listening on 0.0.0.0 port 22.", Format.RFC3164);
        // without LOG_PID; a two-digit day; a trailing newline and NUL are not part of the message
        check(SyslogMessage.parse("<86>Nov 30 23:59:59 sudo: pam_unix(sudo:session): session opened\n\0".getBytes(StandardCharsets.UTF_8)),
                10, 6, "sudo", -1, "pam_unix(sudo:session): session opened", Format.RFC3164);
    }

    @Test
    void rfc3164WithHostFromLoggerRfc3164() {
        // logger --rfc3164 -t t2 "x y"
        check(parse("<13>Dec  1 12:16:00 vm t2: x y"), 1, 5, "t2", -1, "x y", Format.RFC3164);
        check(parse("<34>Oct 11 22:14:15 mymachine su[77]: 'su root' failed for lonvick on /dev/pts/8"), 4, 2, "su", 77,
                "'su root' failed for lonvick on /dev/pts/8", Format.RFC3164);
    }

    @Test
    void shortFormsWithoutTimestamp() {
        check(parse("<30>myd[99]: started"), 3, 6, "myd", 99, "started", Format.RFC3164);
        check(parse("<30>myd: started"), 3, 6, "myd", -1, "started", Format.RFC3164);
        check(parse("<5>kernel-ish: x"), 0, 5, "kernel-ish", -1, "x", Format.RFC3164);
        // no tag word: everything is the message, as journald does
        check(parse("<13>just some text"), 1, 5, "", -1, "just some text", Format.RFC3164);
        check(parse("<13>"), 1, 5, "", -1, "", Format.RFC3164);
        // an empty message after a tag
        check(parse("<13>tag: "), 1, 5, "tag", -1, "", Format.RFC3164);
        // a word that is not a pid in brackets: no pid
        check(parse("<13>tag[abc]: m"), 1, 5, "tag", -1, "m", Format.RFC3164);
        check(parse("<13>tag[99999999999]: m"), 1, 5, "tag", -1, "m", Format.RFC3164);
    }

    @Test
    void onlyOneSpaceAfterTheTagIsDropped() {
        check(parse("<13>t:   indented"), 1, 5, "t", -1, "  indented", Format.RFC3164);
        // journald's rule: the tag is a word ending with ':', so "t:no" is not one
        check(parse("<13>t:no space"), 1, 5, "", -1, "t:no space", Format.RFC3164);
    }

    @Test
    void rfc3339TimestampInA3164Line() {
        check(parse("<14>2024-05-01T10:00:00.123+02:00 app[5]: hi"), 1, 6, "app", 5, "hi", Format.RFC3164);
    }

    @Test
    void rfc5424FromLogger() {
        // logger --rfc5424 -t t3 --id=77 --msgid MID --sd-id foo@1 --sd-param 'a="b"' msg5424
        SyslogMessage m = parse("<13>1 2026-12-01T12:16:00.977079+00:00 vm t3 77 MID [timeQuality tzKnown=\"1\" isSynced=\"0\"]"
                + "[foo@1 a=\"b\"] msg5424");
        check(m, 1, 5, "t3", 77, "msg5424", Format.RFC5424);
        assertTrue(m.wellFormed());
        // logger --rfc5424=notq,notime,nohost hi
        check(parse("<13>1 - - root - - - hi"), 1, 5, "root", -1, "hi", Format.RFC5424);
    }

    @Test
    void rfc5424NilValuesAndNoMessage() {
        check(parse("<165>1 - - - - - -"), 20, 5, "", -1, "", Format.RFC5424);
        check(parse("<165>1 - host app - ID47 -"), 20, 5, "app", -1, "", Format.RFC5424);
        // PROCID need not be a number
        check(parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog abc ID47 - hello"), 20, 5, "evntslog", -1,
                "hello", Format.RFC5424);
    }

    @Test
    void rfc5424StructuredDataWithEscapesIsSkipped() {
        SyslogMessage m = parse("<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [exampleSDID@32473 iut=\"3\" eventSource="
                + "\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high \\\"x\\\" ] \\\\\"] An application event");
        check(m, 20, 5, "app", 1234, "An application event", Format.RFC5424);
    }

    @Test
    void rfc5424BomIsDropped() {
        byte[] head = "<165>1 - h app 7 - - ".getBytes(StandardCharsets.UTF_8);
        byte[] msg = "ünïcode".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + 3 + msg.length];
        System.arraycopy(head, 0, all, 0, head.length);
        all[head.length] = (byte) 0xEF;
        all[head.length + 1] = (byte) 0xBB;
        all[head.length + 2] = (byte) 0xBF;
        System.arraycopy(msg, 0, all, head.length + 3, msg.length);
        SyslogMessage m = SyslogMessage.parse(all);
        assertArrayEquals(msg, m.message());
        assertEquals("app", m.identifier());
        assertEquals(7, m.pid());
    }

    @Test
    void brokenRfc5424HeaderFallsBackTo3164() {
        SyslogMessage m = parse("<13>1 onlyone");
        assertFalse(m.wellFormed());
        assertEquals(Format.RFC3164, m.format());
        assertEquals("1 onlyone", new String(m.message(), StandardCharsets.UTF_8));
        SyslogMessage unterminatedSd = parse("<13>1 - h app - - [x a=\"b\" rest");
        assertFalse(unterminatedSd.wellFormed());
        assertEquals(5, unterminatedSd.priority());
    }

    @Test
    void nonUtf8BytesAreKeptExactly() {
        byte[] d = {'<', '1', '1', '>', 't', ':', ' ', (byte) 0xFF, (byte) 0xFE, 'x', (byte) 0xC3};
        SyslogMessage m = SyslogMessage.parse(d);
        assertEquals("t", m.identifier());
        assertEquals(3, m.priority());
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xFE, 'x', (byte) 0xC3}, m.message());
        assertTrue(m.wellFormed());
    }

    @Test
    void onlyOneTrailingNewlineGoes() {
        assertEquals("a\n", new String(parse("<13>t: a\n\n").message(), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "no pri at all|no pri at all",
            "<192>t: over 191|<192>t: over 191",
            "<999>x|<999>x",
            "<1234>x|<1234>x",
            "<>x|<>x",
            "<a>x|<a>x",
            "<13 x|<13 x",
            "<13|<13",
            "<|<",
            "garbage <13>t: x|garbage <13>t: x",
    })
    void withoutAValidPriKeptWholeAsUserInfo(String in, String message) {
        SyslogMessage m = parse(in);
        assertFalse(m.wellFormed(), in);
        assertEquals(Format.NO_PRI, m.format());
        assertEquals(SyslogMessage.DEFAULT_FACILITY, m.facility());
        assertEquals(SyslogMessage.DEFAULT_PRIORITY, m.priority());
        assertEquals("", m.identifier());
        assertEquals(message, new String(m.message(), StandardCharsets.UTF_8));
    }

    @Test
    void priBoundaries() {
        check(parse("<0>t: x"), 0, 0, "t", -1, "x", Format.RFC3164);
        check(parse("<191>t: x"), 23, 7, "t", -1, "x", Format.RFC3164);
        check(parse("<007>t: x"), 0, 7, "t", -1, "x", Format.RFC3164);
    }

    @Test
    void arbitraryBytesNeverThrow() {
        java.util.Random random = new java.util.Random(6);
        for (int i = 0; i < 20_000; i++) {
            byte[] d = new byte[random.nextInt(64)];
            random.nextBytes(d);
            if (d.length > 0 && random.nextBoolean()) d[0] = '<';
            if (d.length > 4 && random.nextBoolean()) {
                d[1] = '1';
                d[2] = '3';
                d[3] = '>';
            }
            if (d.length > 6 && random.nextBoolean()) {
                d[4] = '1';
                d[5] = ' ';
            }
            SyslogMessage m = SyslogMessage.parse(d);
            assertTrue(m.priority() >= 0 && m.priority() <= 7);
            assertTrue(m.facility() >= 0 && m.facility() <= 23);
        }
    }
}
