package dynamod.logd;

import dynamod.journal.Journal;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.Errno;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.logd.index.LogIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * The kernel-log source ({@code --kmsg PATH}, {@code /dev/kmsg} in PID-1 mode): one platform thread reads the
 * device with a {@link Kmsg.Reader} and journals each record as a KERNEL {@code LogLine} stamped with the kernel's
 * timestamp as its monotonic time. It resumes after the last kernel record this boot's journal has
 * ({@link #lastJournaledSeq}), so that a restarted logd journals every record once.
 */
public final class KernelLog implements AutoCloseable {

    private final int fd;
    private final int[] wake;
    private final Path path;
    private final Kmsg.Reader reader;
    private final Thread thread;
    private volatile boolean stopping;

    private KernelLog(Journal journal, Path path, long resumeAfter) throws LinuxException {
        this.path = path;
        this.fd = Posix.open(path.toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        try {
            this.wake = Posix.pipe();
        } catch (LinuxException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        this.reader = new Kmsg.Reader(this::read, resumeAfter, LogSockets.MAX_LINE, Posix.getpid(), (line, micros) -> {
            try {
                if (micros >= 0) journal.append(line, micros * 1000);
                else journal.append(line);
            } catch (RuntimeException e) {
                System.err.println("dynamod-logd: " + path + ": cannot journal: " + e);
            }
        });
        this.thread = Thread.ofPlatform().daemon().name("logd-kmsg").unstarted(() -> {
            try {
                reader.run(() -> !stopping);
            } catch (Throwable t) {
                System.err.println("dynamod-logd: " + path + ": the reader failed: " + t);
                t.printStackTrace();
            }
        });
    }

    /** Opens {@code path}, finds where this boot's journal stops and starts reading after it. */
    public static KernelLog start(Journal journal, Path path, LogIndex index, long indexedThrough) throws IOException {
        long resumeAfter = lastJournaledSeq(journal, index, indexedThrough);
        KernelLog log = new KernelLog(journal, path, resumeAfter);
        log.thread.start();
        System.err.println("dynamod-logd: reading the kernel's log from " + path
                + (resumeAfter >= 0 ? " after record " + resumeAfter + " (journaled before)" : ""));
        return log;
    }

    /**
     * The kmsg SEQ of the last kernel record of the current boot in the journal, -1 if none (SEQs restart each boot).
     * The index says where the last one is up to {@code indexedThrough}; the journal after that is read.
     */
    public static long lastJournaledSeq(Journal journal, LogIndex index, long indexedThrough) throws IOException {
        UUID boot = journal.options().bootId();
        long last = -1;
        if (!java.nio.file.Files.isDirectory(journal.directory().resolve(Stream.LOGS.directory()))) return last; // nothing logged yet
        try (JournalReader r = journal.reader(Stream.LOGS)) {
            if (indexedThrough >= 0) {
                for (LogIndex.BootIndex b : index.boots()) {
                    if (!b.id().equals(boot)) continue;
                    long[] kernel = LogIndex.readLast(LogIndex.file(b, "tr-", "kernel"), Long.MIN_VALUE, indexedThrough, 64);
                    for (int i = kernel.length - 1; i >= 0 && last < 0; i--) { // the last one with a SEQ (notices have none)
                        r.seek(kernel[i]);
                        last = kmsgSeq(r.next(), boot);
                    }
                    // 64 notices in a row without a record: read the rest of the boot to be sure
                    if (last < 0 && kernel.length == 64) indexedThrough = -1;
                }
            }
            if (indexedThrough >= 0) r.seek(indexedThrough + 1);
            else r.toStart();
            for (Optional<Recorded> e; (e = r.next()).isPresent(); ) last = Math.max(last, kmsgSeq(e, boot));
        }
        return last;
    }

    private static long kmsgSeq(Optional<Recorded> r, UUID boot) {
        if (r.isEmpty() || !r.get().bootId().equals(boot)) return -1;
        return r.get().event() instanceof LogLine l && l.stream() == LogStream.KERNEL && l.sourceOffset() >= 0 ? l.sourceOffset() : -1;
    }

    /** One record, waiting for it (or for close) in poll. */
    private int read(byte[] buf) throws Kmsg.Overwritten {
        while (!stopping) {
            try {
                int n = Posix.read(fd, buf, 0, buf.length);
                if (n > 0) return n;
                if (n == 0) return -1; // not a kmsg device: its end
                short[] revents = new short[2];
                Posix.poll(new int[] {fd, wake[0]}, new short[] {Posix.POLLIN, Posix.POLLIN}, revents, -1);
            } catch (LinuxException e) {
                if (e.errno() == Errno.EPIPE) throw new Kmsg.Overwritten();
                if (stopping) return -1;
                System.err.println("dynamod-logd: " + path + ": " + e.getMessage() + "; the kernel's log is no longer read");
                return -1;
            }
        }
        return -1;
    }

    public Kmsg.Counters counters() {
        return reader.counters();
    }

    @Override
    public void close() {
        stopping = true;
        try {
            Posix.write(wake[1], new byte[1], 0, 1);
        } catch (LinuxException ignored) {
            // the join is bounded
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Posix.closeQuietly(fd);
        Posix.closeQuietly(wake[0]);
        Posix.closeQuietly(wake[1]);
    }

}
