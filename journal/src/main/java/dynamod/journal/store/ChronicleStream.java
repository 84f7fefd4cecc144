package dynamod.journal.store;

import dynamod.journal.CyclePeriod;
import dynamod.journal.JournalOptions;
import dynamod.journal.Stream;
import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.Frame;
import dynamod.journal.event.EventTypes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * One stream of a journal on a Chronicle Queue: the only class that appends to it. Appends are serialised by a
 * lock within the process and by Chronicle's write lock between processes; the excerpt's index is the event's
 * seq and is written into the frame, so a salvage scan of a damaged file still knows every event's place.
 */
public final class ChronicleStream implements AutoCloseable {

    static {
        ChronicleRuntime.prepare();
    }

    private final Stream stream;
    private final Path directory;
    private final SingleChronicleQueue queue;
    private final FileSecurity security;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteSink frame = new ByteSink(512);
    private ExcerptAppender appender;
    private File syncedFile;
    private FileChannel syncChannel;
    private volatile boolean dirty;
    /**
     * The earliest time Chronicle may see: the start of the newest cycle file. Its current cycle never goes back, so
     * seqs only grow even when the wall clock jumps back (a wrong RTC at boot, then NTP); and to leave a cycle file
     * it cannot append to, the journal moves this to the next cycle.
     */
    private volatile long floorMillis;

    public ChronicleStream(Path journalDirectory, Stream stream, JournalOptions options, FileSecurity security) throws IOException {
        this.stream = stream;
        this.directory = journalDirectory.resolve(stream.directory());
        this.security = security;
        security.directory(directory);
        StoreFileListener listener = new StoreFileListener() {
            @Override
            public void onAcquired(int cycle, File file) {
                security.file(file.toPath());
            }

            @Override
            public void onReleased(int cycle, File file) {}
        };
        this.queue = SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(rollCycle(options.cycle()))
                .blockSize(stream == Stream.LOGS ? 4L << 20 : 1L << 20)
                .timeProvider(() -> Math.max(Math.floorDiv(options.clock().realtimeNanos(), 1_000_000L), floorMillis))
                .storeFileListener(listener)
                .readOnly(options.readOnly())
                .build();
        raiseFloorTo(lastCycleOrNone());
        try (var files = Files.list(directory)) {
            files.forEach(security::file);
        }
    }

    static RollCycle rollCycle(CyclePeriod period) {
        return switch (period) {
            case DAILY -> RollCycles.FAST_DAILY;
            case HOURLY -> RollCycles.FAST_HOURLY;
            case SECONDLY -> TestRollCycles.TEST_SECONDLY;
        };
    }

    public Stream stream() {
        return stream;
    }

    public Path directory() {
        return directory;
    }

    public SingleChronicleQueue queue() {
        return queue;
    }

    /**
     * Appends one frame; the envelope is filled in under the lock so that seq order and time order agree. If the
     * file of the current cycle is too damaged for Chronicle to append to, the stream moves on to the next cycle's
     * file (as journald rotates a damaged file) and the append is retried there; readers still read the damaged
     * one by scanning it.
     */
    public long append(EventTypes.Type type, ByteSink payload, Envelope envelope, boolean durable) {
        lock.lock();
        try {
            long seq;
            try {
                seq = appendLocked(type, payload, envelope);
            } catch (Exception | InternalError | AssertionError e) {
                int cycle = lastCycleFromFiles();
                if (cycle == Integer.MIN_VALUE) throw e;
                Path damaged = quarantine(cycle);
                System.err.println("journal: cannot append to " + directory + " (" + e + "); its newest file is set aside as "
                        + damaged.getFileName() + " (still read by scanning) and writing goes on in a new file");
                closeAppender();
                raiseFloorTo(cycle + 1);
                seq = appendLocked(type, payload, envelope);
            }
            dirty = true;
            if (durable) syncLocked();
            return seq;
        } finally {
            lock.unlock();
        }
    }

    private long appendLocked(EventTypes.Type type, ByteSink payload, Envelope envelope) {
        if (appender == null) {
            checkNewestFile();
            appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true);
        }
        long seq;
        try (DocumentContext dc = appender.writingDocument()) {
            try {
                seq = dc.index();
                Frame.frame(type, seq, envelope.realtimeNanos(), envelope.monotonicNanos(), envelope.bootId(),
                        envelope.origin(), envelope.pid(), payload, frame);
                Bytes<?> bytes = dc.wire().bytes();
                bytes.write(frame.array(), 0, frame.size());
            } catch (RuntimeException | Error e) {
                dc.rollbackOnClose();
                throw e;
            }
        }
        raiseFloorTo(queue.rollCycle().toCycle(seq));
        return seq;
    }

    /**
     * Before appending to the newest file, make sure Chronicle can find its end: with a damaged header it would write
     * every new event at the same place, each overwriting the last. Such a file is set aside before anything is lost.
     */
    private void checkNewestFile() {
        if (queue.firstIndex() == Long.MAX_VALUE) return;
        try {
            queue.lastIndex();
        } catch (Exception | InternalError | AssertionError e) {
            int cycle = lastCycleFromFiles();
            if (cycle == Integer.MIN_VALUE) return;
            Path damaged = quarantine(cycle);
            System.err.println("journal: the newest file of " + directory + " is damaged (" + e + "); it is set aside as "
                    + damaged.getFileName() + " (still read by scanning) and writing goes on in a new file");
            raiseFloorTo(cycle + 1);
        }
    }

    /** Suffix of a cycle file Chronicle could not append to: out of Chronicle's sight, still scanned by readers. */
    public static final String QUARANTINED = ".damaged";

    /**
     * Renames the file of {@code cycle} so that Chronicle, which opens the newest file to create an appender, no
     * longer sees it; the next append makes the file of the next cycle, so seqs keep growing.
     */
    private Path quarantine(int cycle) {
        Path file = fileOf(cycle);
        Path aside = file.resolveSibling(file.getFileName() + QUARANTINED);
        try {
            Files.move(file, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            security.syncDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set aside the damaged " + file, e);
        }
        queue.refreshDirectoryListing();
        return aside;
    }

    /** The newest cycle with a file, read from the file names (Chronicle's own listing may be what is broken). */
    private int lastCycleFromFiles() {
        int last = Integer.MIN_VALUE;
        try (var files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".cq4")).toList()) {
                last = Math.max(last, cycleOf(file));
            }
        } catch (IOException e) {
            return Integer.MIN_VALUE;
        }
        return last;
    }

    /** The file Chronicle keeps a cycle in: its start time in UTC, in the roll cycle's format. */
    public Path fileOf(int cycle) {
        java.time.Instant start = java.time.Instant.ofEpochMilli(queue.epoch() + (long) cycle * queue.rollCycle().lengthInMillis());
        return directory.resolve(java.time.format.DateTimeFormatter.ofPattern(queue.rollCycle().format())
                .withZone(java.time.ZoneOffset.UTC).format(start) + ".cq4");
    }

    /** The cycle a file name stands for, or MIN_VALUE. */
    public int cycleOf(Path file) {
        String name = file.getFileName().toString();
        int end = name.indexOf(".cq4");
        if (end < 0) return Integer.MIN_VALUE;
        try {
            var parsed = java.time.format.DateTimeFormatter.ofPattern(queue.rollCycle().format())
                    .parseBest(name.substring(0, end), java.time.LocalDateTime::from, java.time.LocalDate::from);
            java.time.LocalDateTime start = parsed instanceof java.time.LocalDate day ? day.atStartOfDay() : (java.time.LocalDateTime) parsed;
            long millis = start.toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
            return (int) Math.floorDiv(millis - queue.epoch(), queue.rollCycle().lengthInMillis());
        } catch (RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }

    private int lastCycleOrNone() {
        try {
            return queue.firstIndex() == Long.MAX_VALUE ? Integer.MIN_VALUE : queue.lastCycle();
        } catch (Exception | InternalError | AssertionError e) {
            return Integer.MIN_VALUE;
        }
    }

    private void raiseFloorTo(int cycle) {
        if (cycle == Integer.MIN_VALUE) return;
        long start = queue.epoch() + (long) cycle * queue.rollCycle().lengthInMillis();
        if (start > floorMillis) floorMillis = start;
    }

    private void closeAppender() {
        if (appender == null) return;
        try {
            appender.close();
        } catch (Exception | InternalError | AssertionError e) {
            // a damaged store may not close cleanly; it is dropped either way
        }
        appender = null;
    }

    /** What the writer knows of the event's context; the clock is read inside the lock. */
    public interface Envelope {
        long realtimeNanos();

        long monotonicNanos();

        java.util.UUID bootId();

        dynamod.journal.Origin origin();

        int pid();
    }

    /** Forces what was appended to disk (fdatasync of the file being written), if anything was. */
    public void sync() {
        if (!dirty) return;
        lock.lock();
        try {
            syncLocked();
        } finally {
            lock.unlock();
        }
    }

    private void syncLocked() {
        if (appender == null) return;
        try {
            File file = appender.currentFile();
            if (file == null) return;
            if (!file.equals(syncedFile)) {
                if (syncChannel != null) syncChannel.close();
                syncChannel = FileChannel.open(file.toPath(), StandardOpenOption.READ);
                syncedFile = file;
                security.syncDirectory(directory); // a new file's directory entry must reach the disk too
            }
            syncChannel.force(false);
            dirty = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync " + (syncedFile != null ? syncedFile : appender.currentFile()) + ": " + e, e);
        }
    }

    public ExcerptTailer tailer() {
        ExcerptTailer tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true);
        return tailer;
    }

    /** Chronicle caches which cycle files exist; after retention deleted some, it must look again. */
    public void refresh() {
        queue.refreshDirectoryListing();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (dirty) syncLocked();
            if (syncChannel != null) syncChannel.close();
        } catch (IOException | UncheckedIOException e) {
            // Closing: the data is in the page cache, the next sync or the kernel writes it.
        } finally {
            closeAppender();
            queue.close();
            lock.unlock();
        }
    }
}
