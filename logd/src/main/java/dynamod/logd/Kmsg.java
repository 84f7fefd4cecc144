package dynamod.logd;

import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.KmsgRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The kernel's log buffer as {@code /dev/kmsg} gives it, journaled. Pure: {@link KmsgRecord} parses one record, a
 * {@link Reader} turns what a {@link Source} gives into {@code LogLine}s (stream KERNEL, {@code sourceOffset} = the
 * record's SEQ) and applies the resume rule: records with a SEQ at or below the last one journaled this boot are
 * skipped, a gap in the SEQs (the kernel overwrote records before they were read) is journaled as a notice.
 */
public final class Kmsg {

    /** The identifier of the kernel's own records (facility 0), as journald's. */
    public static final String KERNEL_IDENTIFIER = "kernel";

    private Kmsg() {}

    /** Where records come from: {@code /dev/kmsg}, or a test's list. */
    public interface Source {
        /**
         * Reads one record into {@code buf}; returns its length, 0 when there is none now (the caller asks again),
         * -1 at the end (stopping).
         *
         * @throws Overwritten the kernel overwrote records since the last read (EPIPE); the next read gives the oldest left
         */
        int read(byte[] buf) throws Overwritten;
    }

    /** /dev/kmsg's EPIPE. */
    public static final class Overwritten extends Exception {
        public Overwritten() {
            super("records were overwritten before they were read", null, false, false);
        }
    }

    /** Where the lines go: the journal, stamped with the record's monotonic time (-1: the journal's own clock). */
    public interface Sink {
        void append(LogLine line, long monotonicMicros);
    }

    /** What a reader has done. */
    public record Counters(long records, long journaled, long skipped, long lost, long malformed) {}

    /**
     * The read loop. {@code resumeAfter}: the SEQ of the last kernel record journaled this boot (-1: none), so that a
     * restarted logd journals every record once. Records longer than {@code lineMax} are journaled in pieces, each
     * marked SPLIT and carrying the record's SEQ.
     */
    public static final class Reader {
        private final Source source;
        private final Sink sink;
        private final int lineMax;
        private final int noticePid;
        private long last;
        private boolean overwritten;
        private volatile long records, journaled, skipped, lost, malformed; // one writer; read by the stop message

        public Reader(Source source, long resumeAfter, int lineMax, int noticePid, Sink sink) {
            if (lineMax < 1) throw new IllegalArgumentException("lineMax must be at least 1: " + lineMax);
            this.source = source;
            this.sink = sink;
            this.lineMax = lineMax;
            this.noticePid = noticePid;
            this.last = resumeAfter;
        }

        /** Reads until the source ends or {@code running} says stop. */
        public void run(BooleanSupplier running) {
            byte[] buf = new byte[KmsgRecord.READ_BUFFER];
            while (running.getAsBoolean()) {
                int n;
                try {
                    n = source.read(buf);
                } catch (Overwritten e) {
                    overwritten = true; // the gap in SEQs at the next record says how many
                    continue;
                }
                if (n < 0) return;
                if (n > 0) handle(buf, n);
            }
        }

        /** One record as read. */
        void handle(byte[] buf, int len) {
            KmsgRecord r;
            try {
                r = KmsgRecord.parse(buf, len);
            } catch (KmsgRecord.Malformed e) {
                malformed++;
                notice(4, "malformed record from the kernel's log (" + e.getMessage() + "): "
                        + new String(buf, 0, Math.min(len, 200), StandardCharsets.UTF_8));
                return;
            }
            records++;
            if (r.seq() <= last) { // journaled before a restart
                skipped++;
                return;
            }
            long gap = last < 0 ? r.seq() : r.seq() - last - 1;
            if (gap > 0) {
                lost += gap;
                notice(4, gap + " kernel log record" + (gap == 1 ? "" : "s") + " (seq " + (r.seq() - gap) + (gap == 1 ? "" : "–" + (r.seq() - 1))
                        + ") lost: overwritten in the kernel's buffer before they were read"
                        + (overwritten ? "" : last < 0 ? " (before logd first read it this boot)" : " (while logd was not reading)"));
            }
            overwritten = false;
            last = r.seq();
            String identifier = KERNEL_IDENTIFIER;
            int pid = 0;
            byte[] message = r.message();
            if (r.facility() != 0) {
                // A userspace write ("<PRI>tag[pid]: text", systemd's and others'): its tag and pid, as journald reads them.
                byte[] pri = ("<" + (r.facility() << 3 | r.priority()) + ">").getBytes(StandardCharsets.US_ASCII);
                byte[] datagram = Arrays.copyOf(pri, pri.length + message.length);
                System.arraycopy(message, 0, datagram, pri.length, message.length);
                SyslogMessage m = SyslogMessage.parse(datagram);
                identifier = m.identifier();
                pid = Math.max(m.pid(), 0);
                message = m.message();
            }
            if (message.length <= lineMax) {
                sink.append(new LogLine("", LogStream.KERNEL, r.priority(), pid, identifier, message, 0, r.seq()), r.monotonicMicros());
            } else {
                for (int off = 0; off < message.length; off += lineMax) {
                    byte[] piece = Arrays.copyOfRange(message, off, Math.min(message.length, off + lineMax));
                    sink.append(new LogLine("", LogStream.KERNEL, r.priority(), pid, identifier, piece, LogLine.SPLIT, r.seq()),
                            r.monotonicMicros());
                }
            }
            journaled++;
        }

        private void notice(int priority, String text) {
            sink.append(new LogLine("", LogStream.KERNEL, priority, noticePid, LogSockets.IDENTIFIER, text.getBytes(StandardCharsets.UTF_8), 0),
                    -1);
        }

        /** The SEQ of the last record journaled or skipped (-1: none yet). */
        public long last() {
            return last;
        }

        public Counters counters() {
            return new Counters(records, journaled, skipped, lost, malformed);
        }
    }
}
