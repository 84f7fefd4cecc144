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
                .timeProvider(() -> Math.floorDiv(options.clock().realtimeNanos(), 1_000_000L))
                .storeFileListener(listener)
                .readOnly(options.readOnly())
                .build();
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

    /** Appends one frame; the envelope is filled in under the lock so that seq order and time order agree. */
    public long append(EventTypes.Type type, ByteSink payload, Envelope envelope, boolean durable) {
        lock.lock();
        try {
            if (appender == null) {
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
            dirty = true;
            if (durable) syncLocked();
            return seq;
        } finally {
            lock.unlock();
        }
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
            throw new UncheckedIOException("cannot sync " + syncedFile, e);
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
            if (appender != null) appender.close();
            queue.close();
            lock.unlock();
        }
    }
}
