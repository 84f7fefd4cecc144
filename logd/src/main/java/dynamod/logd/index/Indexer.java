package dynamod.logd.index;

import dynamod.journal.Journal;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows the journal's log stream with the named position {@value #POSITION} into a {@link LogIndex}. Batches of up
 * to {@code batch} entries are written to the index files; at most every {@code syncInterval} (and when it catches
 * up) the files are forced to disk and then the position is committed, so the index is never behind the committed
 * position, and on start everything after the position is cut from the index and read again: no rescan.
 */
public final class Indexer implements AutoCloseable {

    public static final String POSITION = "logd-index";

    private final Journal journal;
    private final LogIndex index;
    private final int batch;
    private final Duration syncInterval;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong indexed = new AtomicLong();
    private volatile long through;
    private volatile boolean closed;
    private JournalReader reader;
    private Thread thread;
    private final Object caughtUp = new Object();

    private Indexer(Journal journal, LogIndex index, int batch, Duration syncInterval) {
        this.journal = journal;
        this.index = index;
        this.batch = batch;
        this.syncInterval = syncInterval;
    }

    /** The index directory of a state directory. */
    public static Path directory(Path state) {
        return state.resolve("logd").resolve("index");
    }

    /** Opens the index and positions the reader after the committed position (cutting the index back to it). */
    public static Indexer open(Journal journal, Path indexDirectory) throws IOException {
        return open(journal, indexDirectory, 16_384, Duration.ofSeconds(1));
    }

    public static Indexer open(Journal journal, Path indexDirectory, int batch, Duration syncInterval) throws IOException {
        LogIndex index = LogIndex.open(indexDirectory, journal.journalId());
        Indexer indexer = new Indexer(journal, index, batch, syncInterval);
        if (Files.isDirectory(journal.directory().resolve(Stream.LOGS.directory()))) indexer.openReader();
        if (indexer.reader == null) index.truncateAfter(-1);
        return indexer;
    }

    private void openReader() throws IOException {
        reader = journal.reader(Stream.LOGS, POSITION);
        if (index.fresh()) {
            // A new index (none, removed, or another journal's): from the start, whatever the position says.
            reader.toStart();
        }
        long committed = reader.lastSeq();
        index.truncateAfter(committed);
        through = committed;
    }

    public LogIndex index() {
        return index;
    }

    /** Events read from the journal since this indexer started (a restart that rescanned would show here). */
    public long read() {
        return read.get();
    }

    /** Entries added to the index since this indexer started. */
    public long indexed() {
        return indexed.get();
    }

    /** Every log entry up to this seq is in the index files (they may not be synced yet); -1: none. */
    public long through() {
        return through;
    }

    /**
     * Reads what there is now into the index, syncs and commits; returns the entries indexed. A caller that runs
     * the indexer itself (a test, the benchmark) uses this instead of {@link #start}.
     */
    public synchronized long catchUp() throws IOException {
        if (reader == null) {
            if (!Files.isDirectory(journal.directory().resolve(Stream.LOGS.directory()))) return 0;
            openReader();
        }
        long total = 0, lastSync = System.nanoTime();
        while (true) {
            int n = 0;
            for (Optional<Recorded> r = reader.next(); r.isPresent(); r = n < batch ? reader.next() : Optional.empty()) {
                read.incrementAndGet();
                index.add(r.get());
                n++;
            }
            if (n == 0) break;
            long last = reader.lastSeq();
            index.write();
            through = last;
            total += n;
            indexed.addAndGet(n);
            if (System.nanoTime() - lastSync >= syncInterval.toNanos()) {
                commit();
                lastSync = System.nanoTime();
            }
        }
        commit();
        return total;
    }

    private void commit() throws IOException {
        index.sync();
        try {
            reader.commit();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Follows the journal on a thread of its own until {@link #close}. */
    public void start() {
        thread = Thread.ofPlatform().daemon().name("logd-indexer").start(() -> {
            while (!closed) {
                try {
                    long n = catchUp();
                    synchronized (caughtUp) {
                        caughtUp.notifyAll();
                    }
                    if (n == 0) Thread.sleep(Duration.ofMillis(50));
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    if (closed) return;
                    System.err.println("dynamod-logd: indexing failed, retrying in 1 s: " + e);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    /** Waits until everything up to {@code seq} is indexed, or the timeout. */
    public boolean awaitThrough(long seq, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (caughtUp) {
            while (through < seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                caughtUp.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (thread != null) {
            // Not interrupted: an interrupt would close the index's file channels under it.
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (reader != null) {
                commit();
                reader.close();
            }
            index.close();
        }
    }
}
