package dynamod.svmgr.runtime;

import dynamod.journal.Journal;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import java.io.ByteArrayOutputStream;
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
 * <p>Framing: a line ends at {@code \n}; a line longer than {@code maxLine} is cut and every piece is marked SPLIT; a
 * partial line is flushed (marked PARTIAL) after {@link #PARTIAL_TIMEOUT_NANOS} and at EOF; a leading {@code <N>}
 * (0–7, sd-daemon's SD_ERR etc.) sets the priority of the line; bytes are kept as they are, UTF-8 or not.
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
    private final int maxLine;
    private final LogStream stream;
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long written, framed, ingested, punched, lastSeq = -1, checkpointedAt;
    private long partialSince;
    private boolean continuing;
    private int linePriority = DEFAULT_PRIORITY;

    private Spool(IoPump.Pipe pipe, Journal journal, Path file, int maxLine) throws IOException {
        this.pipe = pipe;
        this.journal = journal;
        this.file = file;
        this.positionFile = file.resolveSibling(file.getFileName() + ".pos");
        this.maxLine = maxLine;
        this.stream = pipe.kind() == IoPump.Kind.STDOUT ? LogStream.STDOUT : LogStream.STDERR;
        this.fd = Posix.open(file.toString(), Posix.O_RDWR | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.written = channel.size();
    }

    /** Opens the spool of a pipe: a new one, or the one a previous svmgr left, resumed where the journal ends. */
    static Spool open(Path dir, IoPump.Pipe pipe, Journal journal, int maxLine) throws IOException {
        Files.createDirectories(dir);
        String name = pipe.service() + "." + pipe.pid() + "." + pipe.kind().name().toLowerCase(java.util.Locale.ROOT);
        Spool s = new Spool(pipe, journal, dir.resolve(name), maxLine);
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

    /** When the partial line is due (monotonic nanoseconds), or 0 when there is none. */
    long partialDue() {
        return line.size() > 0 || continuing ? partialSince + PARTIAL_TIMEOUT_NANOS : 0;
    }

    void flushPartial() throws IOException {
        if (line.size() == 0) {
            continuing = false;
            return;
        }
        emit(LogLine.PARTIAL | (continuing ? LogLine.SPLIT : 0), framed);
        continuing = false;
        checkpoint(false);
    }

    private void ingest() throws IOException {
        while (framed < written) {
            chunk.clear();
            int n = channel.read(chunk, framed);
            if (n <= 0) break;
            byte[] bytes = chunk.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    line.write(bytes, start, i - start);
                    emit(continuing ? LogLine.SPLIT : 0, framed + i + 1);
                    continuing = false;
                    start = i + 1;
                } else if (line.size() + (i - start) + 1 >= maxLine) {
                    line.write(bytes, start, i - start + 1);
                    emit(LogLine.SPLIT, framed + i + 1);
                    continuing = true;
                    start = i + 1;
                }
            }
            if (n > start) {
                if (line.size() == 0 && !continuing) partialSince = System.nanoTime();
                line.write(bytes, start, n - start);
            }
            framed += n;
        }
        punch();
    }

    /** Journals the line held, which ends at spool offset {@code end}. */
    private void emit(int flags, long end) {
        byte[] message = line.toByteArray();
        line.reset();
        int priority = linePriority;
        boolean first = (flags & LogLine.SPLIT) == 0 || !continuing;
        if (first) {
            priority = DEFAULT_PRIORITY;
            if (message.length >= 3 && message[0] == '<' && message[2] == '>' && message[1] >= '0' && message[1] <= '7') {
                priority = message[1] - '0';
                message = java.util.Arrays.copyOfRange(message, 3, message.length);
            }
            linePriority = priority;
        }
        lastSeq = journal.append(new LogLine(pipe.service(), stream, priority, pipe.pid(), pipe.service(), message, flags, end));
        ingested = end;
        if (line.size() == 0) partialSince = System.nanoTime();
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
