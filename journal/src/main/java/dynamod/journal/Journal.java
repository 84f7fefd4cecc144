package dynamod.journal;

import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.Frame;
import dynamod.journal.event.Event;
import dynamod.journal.event.EventTypes;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.snapshot.SnapshotStore;
import dynamod.journal.store.ChronicleStream;
import dynamod.journal.store.FileSecurity;
import dynamod.journal.store.NamedPositions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * A journal directory: two streams of events ({@link Stream}), named read positions, snapshots. One instance per
 * process; thread-safe. Several processes may open the same directory and append at once.
 *
 * <pre>
 * DIR/events/      Chronicle Queue of transitions, decisions, commands
 * DIR/logs/        Chronicle Queue of log lines
 * DIR/positions/   where each named reader got to
 * DIR/snapshots/   reduced state, for fast replay
 * DIR/damage/      one marker per damaged region already reported
 * DIR/journal-id   this journal's identity (snapshots of another journal are never used)
 * </pre>
 *
 * {@link #append} returns once the event is in the page cache: a crash of this process loses nothing; a power cut
 * loses at most the last {@code syncInterval} of appends. {@link #appendDurable} returns once the event is on disk:
 * use it for events the next action depends on (boot, shutdown, failures, configuration, commands).
 */
public final class Journal implements AutoCloseable {

    private final JournalOptions options;
    private final FileSecurity security;
    private final NamedPositions positions;
    private final UUID journalId;
    private final Map<Stream, ChronicleStream> streams = new EnumMap<>(Stream.class);
    private final ThreadLocal<ByteSink> payloads = ThreadLocal.withInitial(() -> new ByteSink(256));
    private final Thread syncer;
    private volatile boolean closed;

    private Journal(JournalOptions options) throws IOException {
        this.options = options;
        this.security = new FileSecurity(options.directory().toAbsolutePath().getRoot(), options.group(), options.readOnly());
        security.directory(options.directory());
        this.positions = new NamedPositions(options.directory(), security);
        this.journalId = identity();
        if (options.readOnly() || options.syncInterval().isZero()) {
            syncer = null;
        } else {
            syncer = Thread.ofPlatform().daemon().name("journal-sync").unstarted(this::syncLoop);
            syncer.start();
        }
    }

    public static Journal open(JournalOptions options) throws IOException {
        return new Journal(options);
    }

    public JournalOptions options() {
        return options;
    }

    public Path directory() {
        return options.directory();
    }

    public UUID journalId() {
        return journalId;
    }

    private UUID identity() throws IOException {
        Path file = options.directory().resolve("journal-id");
        if (!options.readOnly()) {
            try {
                Files.writeString(file, UUID.randomUUID() + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                security.file(file);
            } catch (FileAlreadyExistsException e) {
                // another process created it first: use theirs
            }
        }
        try {
            return UUID.fromString(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": not a dynamod journal (" + e.getMessage() + ")", e);
        }
    }

    /** The stream's queue, opened on first use (opening costs a few hundred milliseconds). */
    synchronized ChronicleStream stream(Stream stream) {
        if (closed) throw new IllegalStateException("journal closed");
        return streams.computeIfAbsent(stream, s -> {
            try {
                return new ChronicleStream(options.directory(), s, options, security);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the " + s.directory() + " stream of " + options.directory(), e);
            }
        });
    }

    /** Appends an event and returns its seq; it is in the page cache (safe from a crash of this process). */
    public long append(Event event) {
        return append(event, false);
    }

    /** Appends an event and returns its seq once it is on disk (safe from a power cut). */
    public long appendDurable(Event event) {
        return append(event, true);
    }

    /**
     * Appends an event stamped with the given monotonic time (the time the manager decided it at, so that replay
     * applies it at exactly that time); the wall-clock time is the journal clock's.
     */
    public long append(Event event, long monotonicNanos) {
        return append(event, false, new DecidedAt(envelope, monotonicNanos));
    }

    /** The journal's envelope with the caller's monotonic time. */
    private record DecidedAt(ChronicleStream.Envelope journal, long monotonicNanos) implements ChronicleStream.Envelope {
        @Override
        public long realtimeNanos() {
            return journal.realtimeNanos();
        }

        @Override
        public UUID bootId() {
            return journal.bootId();
        }

        @Override
        public Origin origin() {
            return journal.origin();
        }

        @Override
        public int pid() {
            return journal.pid();
        }
    }

    private long append(Event event, boolean durable) {
        return append(event, durable, envelope);
    }

    private long append(Event event, boolean durable, ChronicleStream.Envelope stamp) {
        if (options.readOnly()) throw new IllegalStateException("journal opened read-only");
        EventTypes.Type type = EventTypes.of(event.getClass());
        ByteSink payload = payloads.get();
        payload.clear();
        Frame.payload(event, payload);
        return stream(Stream.of(event)).append(type, payload, stamp, durable);
    }

    private final ChronicleStream.Envelope envelope = new ChronicleStream.Envelope() {
        @Override
        public long realtimeNanos() {
            return options.clock().realtimeNanos();
        }

        @Override
        public long monotonicNanos() {
            return options.clock().monotonicNanos();
        }

        @Override
        public UUID bootId() {
            return options.bootId();
        }

        @Override
        public Origin origin() {
            return options.origin();
        }

        @Override
        public int pid() {
            return options.pid();
        }
    };

    /** Forces everything appended so far to disk. */
    public void sync() {
        for (ChronicleStream stream : openStreams()) stream.sync();
    }

    private synchronized List<ChronicleStream> openStreams() {
        return List.copyOf(streams.values());
    }

    private void syncLoop() {
        long interval = options.syncInterval().toNanos();
        while (!closed) {
            LockSupport.parkNanos(interval);
            try {
                sync();
            } catch (RuntimeException e) {
                if (!closed) System.err.println("journal: background sync failed: " + e);
            }
        }
    }

    /** A reader of a stream from its start, reporting damage as this journal does. */
    public JournalReader reader(Stream stream) {
        return new JournalReader(this, stream(stream), Optional.empty(), defaultListener());
    }

    /** A reader that resumes after the last event it {@linkplain JournalReader#commit() committed}. */
    public JournalReader reader(Stream stream, String name) {
        NamedPositions.checkName(name);
        return new JournalReader(this, stream(stream), Optional.of(name), defaultListener());
    }

    public JournalReader reader(Stream stream, JournalListener listener) {
        return new JournalReader(this, stream(stream), Optional.empty(), listener);
    }

    NamedPositions positions() {
        return positions;
    }

    /**
     * Writable journals record each damaged region once, as a {@link JournalDamaged} event, however many readers
     * (in however many processes) find it: a marker file created with CREATE_NEW decides who records it.
     */
    private JournalListener defaultListener() {
        if (options.readOnly()) return JournalListener.STDERR;
        return new JournalListener() {
            @Override
            public void damaged(JournalDamaged damage) {
                Path markers = options.directory().resolve("damage");
                try {
                    security.directory(markers);
                    Path marker = markers.resolve(damage.queue() + "-" + Long.toHexString(damage.afterSeq()) + "-"
                            + Long.toHexString(damage.resumedSeq()));
                    Files.createFile(marker);
                    security.file(marker);
                } catch (FileAlreadyExistsException e) {
                    return;
                } catch (IOException e) {
                    // Cannot mark it: record it anyway, a duplicate is better than silence.
                }
                JournalListener.STDERR.damaged(damage);
                appendDurable(damage);
            }

            @Override
            public void unknownType(Stream stream, long seq, int typeId, int version) {
                JournalListener.STDERR.unknownType(stream, seq, typeId, version);
            }
        };
    }

    /** The boots this journal has events of, oldest first. */
    public List<Boot> boots() {
        return Boots.list(this);
    }

    /** Snapshots of reduced state, kept under {@code name} (e.g. the manager's). */
    public SnapshotStore snapshots(String name) {
        NamedPositions.checkName(name);
        return new SnapshotStore(options.directory().resolve("snapshots"), name, journalId, security);
    }

    /**
     * Deletes whole old cycle files beyond the streams' retention; never the files of {@code keepFromEventsSeq}
     * and after (what the newest snapshot needs: -1 protects nothing extra), never the file being written. Each
     * deletion is recorded as an event.
     */
    public List<RetentionSweep.Deleted> enforceRetention(long keepFromEventsSeq) {
        if (options.readOnly()) throw new IllegalStateException("journal opened read-only");
        List<RetentionSweep.Deleted> deleted = new java.util.ArrayList<>();
        for (Stream stream : Stream.values()) {
            deleted.addAll(RetentionSweep.sweep(stream(stream), options.retention(stream), options.clock(),
                    stream == Stream.EVENTS ? keepFromEventsSeq : -1));
        }
        for (RetentionSweep.Deleted d : deleted) {
            append(new dynamod.journal.event.JournalEvent.JournalPruned(d.stream().directory(), d.file().getFileName().toString(),
                    d.bytes(), d.reason()));
        }
        return deleted;
    }

    @Override
    public void close() {
        List<ChronicleStream> open;
        synchronized (this) {
            if (closed) return;
            closed = true;
            open = List.copyOf(streams.values());
            streams.clear();
        }
        if (syncer != null) LockSupport.unpark(syncer);
        for (ChronicleStream stream : open) stream.close();
    }
}
