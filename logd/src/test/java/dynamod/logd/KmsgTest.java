package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class KmsgTest {

    private static final int LOGD_PID = 4242;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(LogLine l) {
        return new String(l.message(), StandardCharsets.UTF_8);
    }

    /** A fake /dev/kmsg: records, and EPIPEs where the kernel would give one. */
    private static final class FakeKmsg implements Kmsg.Source {
        static final byte[] EPIPE = new byte[0];
        final Deque<byte[]> reads = new ArrayDeque<>();

        FakeKmsg add(String record) {
            reads.add(b(record));
            return this;
        }

        FakeKmsg overwritten() {
            reads.add(EPIPE);
            return this;
        }

        @Override
        public int read(byte[] buf) throws Kmsg.Overwritten {
            byte[] next = reads.poll();
            if (next == null) return -1;
            if (next == EPIPE) throw new Kmsg.Overwritten();
            System.arraycopy(next, 0, buf, 0, next.length);
            return next.length;
        }
    }

    private record Appended(LogLine line, long micros) {}

    private static List<Appended> run(FakeKmsg source, long resumeAfter, int lineMax) {
        List<Appended> out = new ArrayList<>();
        Kmsg.Reader reader = new Kmsg.Reader(source, resumeAfter, lineMax, LOGD_PID, (l, micros) -> out.add(new Appended(l, micros)));
        reader.run(() -> true);
        return out;
    }

    @Test
    void kernelRecordsBecomeKernelLinesWithTheirSeqAndTimestamp() {
        List<Appended> out = run(new FakeKmsg().add("3,0,1000,-;first\n SUBSYSTEM=pci\n").add("14,1,2000,-;second\n"), -1, 1024);
        assertEquals(2, out.size());
        LogLine first = out.get(0).line();
        assertEquals(new LogLine("", LogStream.KERNEL, 3, 0, "kernel", b("first"), 0, 0), first);
        assertEquals(1000, out.get(0).micros());
        assertEquals(1, out.get(1).line().sourceOffset());
        assertEquals(2000, out.get(1).micros());
    }

    @Test
    void aUserspaceWriteKeepsItsFacilitysTagAndPid() {
        // systemd (and others) write "<PRI>tag[pid]: text"; the kernel keeps the facility (here daemon, 3) in PRI
        List<Appended> out = run(new FakeKmsg().add("29,0,10,-;systemd[1]: Started things.\n").add("13,1,11,-;no tag here\n"), -1, 1024);
        assertEquals(new LogLine("", LogStream.KERNEL, 5, 1, "systemd", b("Started things."), 0, 0), out.get(0).line());
        assertEquals(new LogLine("", LogStream.KERNEL, 5, 0, "", b("no tag here"), 0, 1), out.get(1).line());
    }

    @Test
    void aRecordLongerThanLineMaxIsSplitAndEveryPieceCarriesTheSeq() {
        List<Appended> out = run(new FakeKmsg().add("6,0,1,-;line one\\x0aline two\\x0athree\n"), -1, 10);
        assertEquals(List.of("line one\nl", "ine two\nth", "ree"), out.stream().map(a -> text(a.line())).toList());
        for (Appended a : out) {
            assertEquals(LogLine.SPLIT, a.line().flags());
            assertEquals(0, a.line().sourceOffset());
        }
    }

    @Test
    void aRestartSkipsWhatItJournaledBefore() {
        FakeKmsg source = new FakeKmsg().add("6,0,1,-;a\n").add("6,1,2,-;b\n").add("6,2,3,-;c\n").add("6,3,4,-;d\n");
        List<Appended> out = new ArrayList<>();
        Kmsg.Reader reader = new Kmsg.Reader(source, 1, 1024, LOGD_PID, (l, micros) -> out.add(new Appended(l, micros)));
        reader.run(() -> true);
        assertEquals(List.of("c", "d"), out.stream().map(a -> text(a.line())).toList());
        assertEquals(new Kmsg.Counters(4, 2, 2, 0, 0), reader.counters());
        assertEquals(3, reader.last());
    }

    @Test
    void overwrittenRecordsAreCountedInANotice() {
        List<Appended> out = run(new FakeKmsg().add("6,0,1,-;a\n").overwritten().add("6,5,9,-;f\n").add("6,6,9,-;g\n"), -1, 1024);
        assertEquals(4, out.size());
        LogLine notice = out.get(1).line();
        assertEquals(LogStream.KERNEL, notice.stream());
        assertEquals(4, notice.priority());
        assertEquals(LOGD_PID, notice.pid());
        assertEquals("dynamod-logd", notice.identifier());
        assertEquals(-1, notice.sourceOffset(), "a notice has no kmsg seq: the resume rule passes over it");
        assertEquals(-1, out.get(1).micros());
        assertEquals("4 kernel log records (seq 1–4) lost: overwritten in the kernel's buffer before they were read", text(notice));
        assertEquals(List.of("f", "g"), out.subList(2, 4).stream().map(a -> text(a.line())).toList());
    }

    @Test
    void aGapAcrossARestartOrBeforeTheFirstReadIsANoticeToo() {
        List<Appended> resumed = run(new FakeKmsg().add("6,9,1,-;j\n"), 7, 1024);
        assertEquals("1 kernel log record (seq 8) lost: overwritten in the kernel's buffer before they were read (while logd was not reading)",
                text(resumed.get(0).line()));
        List<Appended> fresh = run(new FakeKmsg().add("6,100,1,-;late\n"), -1, 1024);
        assertEquals("100 kernel log records (seq 0–99) lost: overwritten in the kernel's buffer before they were read"
                + " (before logd first read it this boot)", text(fresh.get(0).line()));
        assertEquals("late", text(fresh.get(1).line()));
    }

    @Test
    void aMalformedRecordIsANoticeAndReadingGoesOn() {
        FakeKmsg source = new FakeKmsg().add("garbage without a prefix\n").add("6,0,1,-;fine\n");
        List<Appended> out = new ArrayList<>();
        Kmsg.Reader reader = new Kmsg.Reader(source, -1, 1024, LOGD_PID, (l, micros) -> out.add(new Appended(l, micros)));
        reader.run(() -> true);
        assertTrue(text(out.get(0).line()).startsWith("malformed record from the kernel's log (no ';' after the prefix)"), text(out.get(0).line()));
        assertEquals("fine", text(out.get(1).line()));
        assertEquals(1, reader.counters().malformed());
    }
}
