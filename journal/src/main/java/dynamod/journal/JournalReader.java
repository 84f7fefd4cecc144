package dynamod.journal;

import dynamod.journal.codec.Frame;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.store.ChronicleStream;
import dynamod.journal.store.Salvage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads one stream in seq order, from a position, a time or a boot, and follows it as it grows. Not thread-safe:
 * one reader per consumer. Damage never stops it: a frame that fails its checksum is skipped, and where
 * Chronicle's tailer cannot go on (a zeroed or broken header, an exception) the reader scans the file for the
 * next good frame and continues from there; each skipped region is reported once to the listener.
 *
 * <p>Following parks between polls, from 100 µs up to 1 ms when nothing comes: it never spins.
 */
public final class JournalReader implements AutoCloseable {

    private static final long MIN_PARK_NANOS = 100_000;
    private static final long MAX_PARK_NANOS = 1_000_000;
    /** At the end of what Chronicle can read, look for damage at most this often. */
    private static final long DAMAGE_CHECK_NANOS = 200_000_000;

    private final Journal journal;
    private final ChronicleStream stream;
    private final Optional<String> name;
    private final JournalListener listener;
    private final ExcerptTailer tailer;
    private final Set<Long> unknownReported = new HashSet<>();
    private byte[] scratch = new byte[512];
    private long lastSeq = -1;
    private File lastFile;
    private long lastEnd;
    private long nextDamageCheck;
    private Salvaging salvaging;

    /** Reading a file with the salvage scan, because Chronicle cannot (its index is broken there). */
    private record Salvaging(File file, long offset) {}

    JournalReader(Journal journal, ChronicleStream stream, Optional<String> name, JournalListener listener) {
        this.journal = journal;
        this.stream = stream;
        this.name = name;
        this.listener = listener;
        this.tailer = stream.tailer();
        name.ifPresent(n -> resume(journal.positions().load(stream.stream(), n)));
    }

    private void resume(OptionalLong committed) {
        if (committed.isEmpty()) return;
        long seq = committed.getAsLong();
        if (tailer.moveToIndex(seq)) {
            next(); // the committed event itself was processed already
            return;
        }
        // Deleted by retention, or damaged: start from what is there, and say what is missing.
        tailer.toStart();
        long first = stream.queue().firstIndex();
        if (first != Long.MAX_VALUE && first > seq) {
            listener.damaged(new JournalDamaged(stream.stream().directory(), "", seq, first, 0,
                    "the named position " + name.orElse("") + " is older than the journal's first event (retention)"));
        }
    }

    public Stream stream() {
        return stream.stream();
    }

    /** The seq of the last event returned, or -1 before the first. */
    public long lastSeq() {
        return lastSeq;
    }

    /** The next event, or empty at the current end of the stream. */
    public Optional<Recorded> next() {
        for (int guard = 0; guard < 1_000_000; guard++) {
            if (salvaging != null) {
                Optional<Recorded> salvaged = nextSalvaged();
                if (salvaged != null) return salvaged;
                continue;
            }
            Read read = readOne();
            switch (read) {
                case Read.Event event -> {
                    return Optional.of(event.recorded());
                }
                case Read.Skipped skipped -> {}
                case Read.End end -> {
                    if (!lookForDamage("the reader could not go on at event " + tailer.index())) return Optional.empty();
                }
                case Read.Failed failed -> {
                    if (!lookForDamage(failed.reason())) return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private sealed interface Read {
        record Event(Recorded recorded) implements Read {}

        record Skipped() implements Read {}

        record End() implements Read {}

        record Failed(String reason) implements Read {}
    }

    private Read readOne() {
        long index;
        int length;
        long offset;
        File file;
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) return new Read.End();
            index = dc.index();
            Bytes<?> bytes = dc.wire().bytes();
            offset = bytes.readPosition();
            long remaining = bytes.readRemaining();
            if (remaining > Integer.MAX_VALUE - 8) return new Read.Failed("an excerpt of " + remaining + " bytes");
            length = (int) remaining;
            if (scratch.length < length) scratch = new byte[Math.max(length, scratch.length * 2)];
            bytes.read(scratch, 0, length);
            file = tailer.currentFile();
        } catch (RuntimeException | InternalError e) {
            // InternalError: a fault in an unsafe memory access, i.e. a truncated mapped file.
            return new Read.Failed(e.toString());
        }
        Frame.Decoded decoded = Frame.decode(stream.stream(), scratch, 0, length);
        lastFile = file;
        lastEnd = offset + length;
        return switch (decoded) {
            case Frame.Decoded.Ok ok when ok.recorded().seq() == index -> {
                lastSeq = index;
                yield new Read.Event(ok.recorded());
            }
            case Frame.Decoded.Ok ok -> {
                report(index - 1, index + 1, length, "event " + index + " holds the frame of event " + ok.recorded().seq());
                yield new Read.Skipped();
            }
            case Frame.Decoded.Unknown unknown -> {
                lastSeq = index;
                if (unknownReported.add((long) unknown.typeId() << 8 | unknown.version())) {
                    listener.unknownType(stream.stream(), index, unknown.typeId(), unknown.version());
                }
                yield new Read.Skipped();
            }
            case Frame.Decoded.Damaged damaged -> {
                report(index - 1, index + 1, length, "event " + index + ": " + damaged.reason());
                lastSeq = index;
                yield new Read.Skipped();
            }
        };
    }

    /**
     * Chronicle read nothing at the tailer's index. That is the end of the stream, unless a later event exists
     * (Chronicle's own last index is beyond this one: only the very last append can be in progress). Then this
     * index is a hole or damage: scan the file for the next good frame and go on from there, or with the next
     * cycle file. True if the reader moved on.
     */
    private boolean lookForDamage(String reason) {
        if (tailer.cycle() == Integer.MIN_VALUE) return false; // nothing read yet, nothing to be stuck at
        long now = System.nanoTime();
        if (now < nextDamageCheck) return false;
        nextDamageCheck = now + DAMAGE_CHECK_NANOS;
        long index = tailer.index();
        long last = stream.queue().lastIndex();
        if (last < 0 || index >= last) return false;
        File file = tailer.currentFile();
        if (file == null) file = lastFile;
        long from = file != null && file.equals(lastFile) ? lastEnd : 0;
        try {
            if (file != null) {
                Optional<Salvage.Found> found = Salvage.next(file.toPath(), from);
                if (found.isPresent() && found.get().seq() >= index) {
                    Salvage.Found f = found.get();
                    if (f.seq() > index || f.offset() > ((from + 3) & ~3L)) report(lastSeq, f.seq(), f.offset() - from, reason);
                    nextDamageCheck = 0;
                    // The event Chronicle could not read but the scan can: deliver it from the scan.
                    if (f.seq() == index || !tailer.moveToIndex(f.seq())) salvaging = new Salvaging(file, f.offset());
                    return true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + file, e);
        }
        // Nothing good left in this file: go on with the next cycle, if there is one.
        int cycle = tailer.cycle();
        try {
            int next = stream.queue().nextCycle(cycle, TailerDirection.FORWARD);
            if (next == Integer.MIN_VALUE || next <= cycle) return false;
            long unread = tailer.excerptsInCycle(cycle) - stream.queue().rollCycle().toSequenceNumber(index);
            if (!tailer.moveToCycle(next)) return false;
            if (unread > 0) report(lastSeq, tailer.index(), 0, reason + "; the last " + unread + " events of its cycle file are unreadable");
            nextDamageCheck = 0;
            return true;
        } catch (java.text.ParseException | RuntimeException e) {
            return false; // no next cycle we can move to
        }
    }

    /** Null: carry on (salvage ended, or the tailer took over); else the result. */
    private Optional<Recorded> nextSalvaged() {
        try {
            Optional<Salvage.Found> found = Salvage.next(salvaging.file().toPath(), salvaging.offset());
            if (found.isEmpty()) {
                File file = salvaging.file();
                salvaging = null;
                lastFile = file;
                lastEnd = Long.MAX_VALUE; // nothing more in this file, as far as a scan can tell
                return lookForDamage("the rest of " + file.getName() + " is unreadable") ? null : Optional.empty();
            }
            Salvage.Found f = found.get();
            salvaging = new Salvaging(salvaging.file(), f.end());
            if (f.seq() <= lastSeq) return null;
            if (tailer.moveToIndex(f.seq() + 1)) salvaging = null; // Chronicle's index works again after this one
            Frame.Decoded decoded = Frame.decode(stream.stream(), f.frame(), 0, f.length());
            lastSeq = f.seq();
            return switch (decoded) {
                case Frame.Decoded.Ok ok -> Optional.of(ok.recorded());
                default -> null;
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + salvaging.file(), e);
        }
    }

    private void report(long afterSeq, long resumedSeq, long bytes, String reason) {
        listener.damaged(new JournalDamaged(stream.stream().directory(), lastFile == null ? "" : lastFile.getName(),
                afterSeq, resumedSeq, Math.max(0, bytes), reason));
    }

    /** Waits up to {@code timeout} for the next event, parking 100 µs to 1 ms between looks. */
    public Optional<Recorded> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long park = MIN_PARK_NANOS;
        while (true) {
            Optional<Recorded> next = next();
            if (next.isPresent()) return next;
            long left = deadline - System.nanoTime();
            if (left <= 0) return Optional.empty();
            LockSupport.parkNanos(Math.min(park, left));
            park = Math.min(park * 2, MAX_PARK_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** Hands every event to {@code consumer} as it arrives, while {@code running} says so. */
    public void follow(Consumer<Recorded> consumer, BooleanSupplier running) {
        while (running.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            poll(Duration.ofMillis(100)).ifPresent(consumer);
        }
    }

    /** Positions the reader so that the next event is {@code seq}, or the first after it; false if past the end. */
    public boolean seek(long seq) {
        salvaging = null;
        lastSeq = seq - 1;
        if (tailer.moveToIndex(seq)) return true;
        var queue = stream.queue();
        long last = queue.lastIndex();
        if (last < 0 || seq > last) {
            toEnd();
            return false;
        }
        if (seq < queue.firstIndex()) {
            toStart();
            return true;
        }
        // Past the end of its cycle, or on damage: the first index after it that exists.
        for (long candidate = seq + 1; candidate <= Math.min(last, seq + 4096); candidate++) {
            if (queue.rollCycle().toCycle(candidate) != queue.rollCycle().toCycle(seq)) break;
            if (tailer.moveToIndex(candidate)) return true;
        }
        try {
            int next = queue.nextCycle(queue.rollCycle().toCycle(seq), TailerDirection.FORWARD);
            if (next != Integer.MIN_VALUE && tailer.moveToCycle(next)) return true;
        } catch (java.text.ParseException e) {
            // no later cycle
        }
        toEnd();
        return false;
    }

    public void toStart() {
        salvaging = null;
        tailer.toStart();
        lastSeq = -1;
    }

    public void toEnd() {
        salvaging = null;
        tailer.toEnd();
        lastSeq = tailer.index() - 1;
    }

    /** Positions the reader at the first event recorded at or after {@code time} (wall clock). */
    public void seek(Instant time) {
        long target = time.getEpochSecond() * 1_000_000_000L + time.getNano();
        OptionalLong seq = Search.firstAtOrAfter(journal, stream.stream(), r -> r.realtimeNanos() >= target);
        if (seq.isPresent()) seek(seq.getAsLong());
        else toEnd();
    }

    /** Positions the reader at the first event of a boot; false if the journal has none of it. */
    public boolean seek(Boot boot) {
        OptionalLong first = boot.firstSeq(stream.stream());
        if (first.isEmpty()) return false;
        return seek(first.getAsLong());
    }

    /** Remembers, for a named reader, that everything up to the last event returned was processed. */
    public void commit() {
        if (name.isEmpty()) throw new IllegalStateException("only a named reader has a position to commit");
        if (lastSeq < 0) return;
        try {
            journal.positions().store(stream.stream(), name.get(), lastSeq);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the position of " + name.get(), e);
        }
    }

    @Override
    public void close() {
        tailer.close();
    }
}
