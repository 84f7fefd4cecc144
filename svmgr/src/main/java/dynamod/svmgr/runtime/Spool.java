package dynamod.svmgr.runtime;

import dynamod.journal.Journal;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.conf.spec.LogSettings;
import dynamod.journal.logs.LineFramer;
import dynamod.svmgr.logs.RateLimiter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The capture of one stdout or stderr pipe, lossless across a crash of svmgr. The pipe's bytes are spliced into a
 * spool file inside the kernel — at any moment a byte is in the pipe or in the file, never only in this process —
 * and lines are cut from the file and journaled, each {@link LogLine} carrying the spool offset after it. A new svmgr
 * (which gets the pipe back from init's fd store) resumes at the offset of the last line in the journal: every
 * byte is journaled exactly once. Ingested parts of the file are punched out, so it stays small on disk.
 *
 * <p>Lines are cut by {@link LineFramer} with the service's {@code [logs]} settings (line-max, the rate limit); a
 * partial line is flushed (marked PARTIAL) after {@link #PARTIAL_TIMEOUT_NANOS} and at EOF. Lines the rate limit
 * holds back are counted and reported as {@code LinesSuppressed}.
 */
final class Spool implements AutoCloseable {

    static final long PARTIAL_TIMEOUT_NANOS = 1_000_000_000L;
    private static final long CHECKPOINT_NANOS = 500_000_000L, PUNCH_STEP = 4 << 20;
    private static final int DEFAULT_PRIORITY = 6;

    private final IoPump.Pipe pipe;
    private final Journal journal;
    private final Path file, positionFile;
    private final int fd;
    private final FileChannel channel;
    private final LogStream stream;
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final java.util.function.Supplier<LogSettings> settings;
    private LogSettings current;
    private LineFramer framer;
    private RateLimiter limiter;
    /** The spool offset the framer's position 0 stands for. */
    private long framerBase;
    private long written, framed, ingested, punched, lastSeq = -1, checkpointedAt;

    private Spool(IoPump.Pipe pipe, Journal journal, Path file, java.util.function.Supplier<LogSettings> settings) throws IOException {
        this.pipe = pipe;
        this.journal = journal;
        this.file = file;
        this.positionFile = file.resolveSibling(file.getFileName() + ".pos");
        this.settings = settings;
        this.stream = pipe.kind() == IoPump.Kind.STDOUT ? LogStream.STDOUT : LogStream.STDERR;
        this.fd = Posix.open(file.toString(), Posix.O_RDWR | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.written = channel.size();
    }

    /** Opens the spool of a pipe: a new one, or the one a previous svmgr left, resumed where the journal ends. */
    static Spool open(Path dir, IoPump.Pipe pipe, Journal journal, java.util.function.Supplier<LogSettings> settings) throws IOException {
        Files.createDirectories(dir);
        String name = pipe.service() + "." + pipe.pid() + "." + pipe.kind().name().toLowerCase(java.util.Locale.ROOT);
        Spool s = new Spool(pipe, journal, dir.resolve(name), settings);
        s.resume();
        return s;
    }

    IoPump.Pipe pipe() {
        return pipe;
    }

    /**
     * Moves what the pipe holds into the file and journals the complete lines; false when the pipe is finished (every
     * writer closed it), after the last partial line went out.
     */
    boolean pump() throws IOException {
        boolean open = true;
        while (true) {
            long n = Posix.splice(pipe.fd(), fd, written, 1 << 20);
            if (n < 0) break;
            if (n == 0) {
                open = false;
                break;
            }
            written += n;
        }
        ingest();
        if (!open) flushPartial();
        checkpoint(!open);
        return open;
    }

    /** When something is due without new bytes (monotonic nanoseconds): the partial line, or a suppression report. */
    long due() {
        long due = framer != null && framer.hasPartial() ? framer.partialSince() + PARTIAL_TIMEOUT_NANOS : 0;
        if (limiter != null && limiter.reportDue().isPresent()) {
            long report = limiter.reportDue().getAsLong();
            due = due == 0 ? report : Math.min(due, report);
        }
        return due;
    }

    /** Runs what is due: the partial line after its timeout, a suppression report after its interval. */
    void timeout(long now) throws IOException {
        if (framer != null && framer.hasPartial() && now - (framer.partialSince() + PARTIAL_TIMEOUT_NANOS) >= 0) flushPartial();
        reportSuppressed(now);
    }

    void flushPartial() throws IOException {
        configure();
        framer.flush(this::line);
        checkpoint(false);
    }

    /** Takes up changed log settings (a configuration switch that only touched [logs]) at a line boundary. */
    private void configure() {
        LogSettings wanted = settings.get();
        if (framer == null || (!wanted.equals(current) && !framer.hasPartial())) {
            framer = new LineFramer(wanted.lineMax(), DEFAULT_PRIORITY);
            framerBase = framed;
            if (limiter == null || wanted.rateLimitBurst() != current.rateLimitBurst()
                    || !wanted.rateLimitInterval().equals(current.rateLimitInterval())) {
                limiter = new RateLimiter(wanted.rateLimitBurst(), wanted.rateLimitInterval());
            }
            current = wanted;
        }
    }

    private void ingest() throws IOException {
        configure();
        long now = System.nanoTime(); // the bytes were just spliced in
        while (framed < written) {
            chunk.clear();
            int n = channel.read(chunk, framed);
            if (n <= 0) break;
            framer.feed(chunk.array(), 0, n, this::line, now);
            framed += n;
        }
        punch();
    }

    /** A line from the framer: journaled with the spool offset after it, unless the rate limit holds it back. */
    private void line(byte[] message, int priority, int flags) {
        long end = framerBase + framer.lineEnd();
        long now = System.nanoTime();
        if (!limiter.admit(now)) {
            ingested = end; // counted, reported as suppressed, not journaled
            return;
        }
        reportSuppressed(now);
        lastSeq = journal.append(new LogLine(pipe.service(), stream, priority, pipe.pid(), pipe.service(), message, flags, end));
        ingested = end;
    }

    private void reportSuppressed(long now) {
        if (limiter == null) return;
        long n = limiter.suppressedToReport(now);
        if (n > 0) {
            journal.append(new dynamod.journal.event.LogEvent.LinesSuppressed(pipe.service(), n, current.rateLimitInterval().toMillis()));
        }
    }

    /** Frees what is journaled, in steps, keeping offsets (and so the journal's sourceOffsets) valid. */
    private void punch() {
        long upTo = ingested & ~(PUNCH_STEP - 1);
        if (upTo <= punched) return;
        try {
            Posix.punchHole(fd, punched, upTo - punched);
            punched = upTo;
        } catch (LinuxException e) {
            punched = Long.MAX_VALUE; // the file system cannot: the file grows until the pipe closes
        }
    }

    /** Where a restart starts looking for this spool's last line: written now and then, and at the end. */
    private void checkpoint(boolean now) throws IOException {
        long t = System.nanoTime();
        if (!now && t - checkpointedAt < CHECKPOINT_NANOS) return;
        checkpointedAt = t;
        Path tmp = positionFile.resolveSibling(positionFile.getFileName() + ".tmp");
        Files.writeString(tmp, ingested + " " + lastSeq + "\n");
        Files.move(tmp, positionFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Finds the offset of this spool's last journaled line: from the checkpoint, then forward through the journal. */
    private void resume() throws IOException {
        long from = -1;
        if (Files.exists(positionFile)) {
            String[] f = Files.readString(positionFile).strip().split(" ");
            ingested = Long.parseLong(f[0]);
            from = Long.parseLong(f[1]);
        }
        try (JournalReader reader = journal.reader(Stream.LOGS)) {
            if (from < 0) {
                if (written == 0) {
                    lastSeq = reader.lastSeq(); // a new spool: nothing of it is in the journal
                    checkpoint(true);
                    return;
                }
                reader.toStart();
            } else if (!reader.seek(from)) {
                reader.toStart();
            }
            for (Optional<Recorded> r; (r = reader.next()).isPresent(); ) {
                if (r.get().event() instanceof LogLine l && l.sourceOffset() >= 0 && l.pid() == pipe.pid()
                        && l.stream() == stream && l.service().equals(pipe.service()) && l.sourceOffset() > ingested) {
                    ingested = l.sourceOffset();
                    lastSeq = r.get().seq();
                }
            }
        }
        framed = ingested;
        punched = ingested & ~(PUNCH_STEP - 1);
        checkpoint(true);
    }

    /** Closes the spool; {@code finished}: the pipe is done and everything is journaled, so the files go too. */
    void close(boolean finished) {
        try {
            channel.close();
            Posix.close(fd);
            if (finished) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(positionFile);
            }
        } catch (IOException e) {
            Manager.say("spool " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        close(false);
    }

    @Override
    public String toString() {
        return "spool " + file.getFileName() + " (" + ingested + " of " + written + " bytes journaled)";
    }
}
