package dynamod.journal;

import dynamod.journal.codec.Frame;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.store.ChronicleStream;
import dynamod.journal.store.Salvage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads one stream in seq order, from a position, a time or a boot, and follows it as it grows. Not thread-safe:
 * one reader per consumer.
 *
 * <p>Damage never stops it. Chronicle's tailer reads healthy cycle files. Once a file shows damage — a frame that
 * fails its checksum, an excerpt longer than the file, an exception, a hole before the last index — the rest of
 * that file is read by a scan for good frames ({@link Salvage}), because in a damaged file Chronicle's count of
 * excerpts can slip and its index can point at the wrong place; every frame carries its seq, so nothing is read
 * twice or out of order. If Chronicle cannot open the stream at all, every file is scanned. Each skipped region
 * is reported once to the listener.
 *
 * <p>Following parks between polls, from 100 µs up to 1 ms when nothing comes: it never spins.
 */
public final class JournalReader implements AutoCloseable {

    private static final long MIN_PARK_NANOS = 100_000;
    private static final long MAX_PARK_NANOS = 1_000_000;
    /** At the end of what can be read, look for damage (or, when scanning, for new frames) at most this often. */
    private static final long RECHECK_NANOS = 200_000_000;
    private static final long UNKNOWN = Long.MIN_VALUE;
    /** No frame is larger: a longer excerpt is a damaged header. */
    private static final long MAX_FRAME = 16L << 20;

    private final Journal journal;
    private final ChronicleStream stream;
    private final Optional<String> name;
    private final JournalListener listener;
    /** Null when Chronicle cannot open this stream: then every file is scanned. */
    private final ExcerptTailer tailer;
    private final Set<Long> unknownReported = new HashSet<>();
    private final Set<File> brokenIndexReported = new HashSet<>();
    private final Set<File> quarantinedRead = new HashSet<>();
    /** An event read by Chronicle after a file that must be scanned first; returned once that scan ends. */
    private Recorded pending;
    private File pendingFile;
    private long pendingEnd;
    private byte[] scratch = new byte[512];
    private long lastSeq = -1;
    private File lastFile;
    private long lastEnd;
    private long nextCheck;
    /** The file being scanned and where the scan goes on; null while Chronicle's tailer reads. */
    private Scanning scanning;
    /** The index Chronicle could not read once although a later one exists; damage if it fails again. */
    private long suspect = -1;

    private record Scanning(File file, long offset) {}

    JournalReader(Journal journal, ChronicleStream stream, Optional<String> name, JournalListener listener) {
        this.journal = journal;
        this.stream = stream;
        this.name = name;
        this.listener = listener;
        ExcerptTailer made;
        try {
            made = stream.tailer();
        } catch (Exception | InternalError | AssertionError e) {
            // Exception, not RuntimeException: Chronicle throws checked ones unchecked (a zeroed header gives
            // StreamCorruptedException), so every guard around its calls catches them all.
            made = null;
            report(-1, -1, 0, "Chronicle cannot read this stream (" + e + "); every file is scanned instead");
        }
        this.tailer = made;
        if (tailer == null) scanning = firstFile().map(f -> new Scanning(f, 0)).orElse(null);
        name.ifPresent(n -> resume(journal.positions().load(stream.stream(), n)));
    }

    private void resume(OptionalLong committed) {
        if (committed.isEmpty()) return;
        long seq = committed.getAsLong();
        long first = guarded(() -> stream.queue().firstIndex(), UNKNOWN);
        if (first != UNKNOWN && first != Long.MAX_VALUE && first > seq) {
            listener.damaged(new JournalDamaged(stream.stream().directory(), "", seq, first, 0,
                    "the named position " + name.orElse("") + " is older than the journal's first event (retention)"));
        }
        seek(seq + 1);
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
            Step step = scanning != null ? scanOne() : readOne();
            switch (step) {
                case Step.Event event -> {
                    return Optional.of(event.recorded());
                }
                case Step.Again again -> {}
                case Step.End end -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private sealed interface Step {
        record Event(Recorded recorded) implements Step {}

        /** Something was skipped or the reader moved: look again. */
        record Again() implements Step {}

        record End() implements Step {}
    }

    private static final Step AGAIN = new Step.Again();
    private static final Step END = new Step.End();

    // ------------------------------------------------------------------ Chronicle's tailer

    private Step readOne() {
        long index;
        int length;
        long offset;
        File file;
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) return atEnd();
            index = dc.index();
            Bytes<?> bytes = dc.wire().bytes();
            offset = bytes.readPosition();
            long remaining = bytes.readRemaining();
            file = tailer.currentFile();
            if (remaining > MAX_FRAME || (file != null && offset + remaining > file.length())) {
                return scanFrom(file, offset, "the excerpt at index " + index + " claims " + remaining + " bytes");
            }
            length = (int) remaining;
            if (scratch.length < length) scratch = new byte[Math.max(length, scratch.length * 2)];
            bytes.read(scratch, 0, length);
        } catch (Exception | InternalError | AssertionError e) {
            // InternalError: a fault in an unsafe memory access (a truncated mapped file); AssertionError: one of
            // Chronicle's own checks, when assertions are on.
            File file2 = guarded(tailer::currentFile, null);
            return scanFrom(file2 != null ? file2 : lastFile, file2 != null && file2.equals(lastFile) ? lastEnd : 0, e.toString());
        }
        return switch (Frame.decode(stream.stream(), scratch, 0, length)) {
            case Frame.Decoded.Ok ok -> accept(ok.recorded(), file, offset + length);
            case Frame.Decoded.Unknown unknown -> skipUnknown(unknown, file, offset + length);
            case Frame.Decoded.Damaged damaged -> scanFrom(file, offset, "the excerpt at index " + index + ": " + damaged.reason());
        };
    }

    private Step accept(Recorded recorded, File file, long end) {
        suspect = -1;
        if (scanning == null && file != null && !file.equals(lastFile) && !isQuarantined(file)) {
            Optional<File> aside = quarantinedBetween(lastFile, file);
            if (aside.isPresent()) {
                pending = recorded;
                pendingFile = file;
                pendingEnd = end;
                return scanQuarantined(aside.get());
            }
        }
        lastFile = file;
        lastEnd = end;
        // The frame's own seq is the truth; an older one (a repeat in a damaged file) is not returned again.
        if (recorded.seq() <= lastSeq) return AGAIN;
        lastSeq = recorded.seq();
        return new Step.Event(recorded);
    }

    private Step skipUnknown(Frame.Decoded.Unknown unknown, File file, long end) {
        lastFile = file;
        lastEnd = end;
        lastSeq = Math.max(lastSeq, unknown.seq());
        if (unknownReported.add((long) unknown.typeId() << 8 | unknown.version())) {
            listener.unknownType(stream.stream(), unknown.seq(), unknown.typeId(), unknown.version());
        }
        return AGAIN;
    }

    /**
     * Chronicle read nothing. That is the end of the stream, unless a later event exists (Chronicle's last index is
     * beyond this one — only the very last append can be in progress — or its index is itself unreadable): then
     * the rest of this file is scanned, or the next cycle file is read.
     */
    private Step atEnd() {
        long now = System.nanoTime();
        if (now < nextCheck) return END;
        nextCheck = now + RECHECK_NANOS;
        Optional<File> aside = quarantinedBetween(lastFile, null);
        if (aside.isPresent()) return scanQuarantined(aside.get());
        long last = lastIndex();
        if (last == -1) return END;
        int tailerCycle = guarded(tailer::cycle, Integer.MIN_VALUE);
        // A tailer that could read nothing at all has no cycle yet: it is stuck at the start of the first one.
        int cycle = tailerCycle != Integer.MIN_VALUE ? tailerCycle : guarded(() -> stream.queue().firstCycle(), Integer.MIN_VALUE);
        if (cycle == Integer.MIN_VALUE || cycle == Integer.MAX_VALUE) return END;
        long index = tailerCycle != Integer.MIN_VALUE ? guarded(tailer::index, -1L) : stream.queue().rollCycle().toIndex(cycle, 0);
        if (index < 0 || (last != UNKNOWN && index >= last)) return END;
        // A later event exists, so this one was complete before that one began (appends are one at a time): read it
        // once more before calling it damage; it may have been finished just after the first look.
        if (suspect != index) {
            suspect = index;
            nextCheck = 0;
            return AGAIN;
        }
        File file = tailerCycle != Integer.MIN_VALUE ? guarded(tailer::currentFile, null) : stream.fileOf(cycle).toFile();
        if (file == null) file = lastFile;
        if (file == null || !file.exists()) return nextCycle(cycle, "the reader could not go on at event " + index);
        long from = file.equals(lastFile) ? lastEnd : 0;
        Optional<Salvage.Found> found = scan(file, from);
        if (found.isPresent() && found.get().seq() > lastSeq) {
            return scanFrom(file, from, "the reader could not go on at event " + index);
        }
        if (last == UNKNOWN && brokenIndexReported.add(file)) {
            report(lastSeq, -1, 0, "the index of " + file.getName() + " is damaged; events after " + lastSeq + " in it may be lost");
        }
        return nextCycle(cycle, "the reader could not go on at event " + index);
    }

    /**
     * Chronicle's last index: -1 if the stream has no events, UNKNOWN if Chronicle cannot tell. Its own lastIndex()
     * also says -1 when damage to the newest file's index makes its toEnd() fail: it then winds to the start
     * ("Unable to find toEnd()") and, reading backward from there, finds nothing. Taken for an empty stream, that hid
     * every event past the damage: after a truncation into the index, a new writer appends at the header's write
     * position behind a hole of zeros, which the tailer stops at. So a -1 while the newest cycle counts excerpts (its
     * header's count, which the writer goes on from) is "cannot tell", and {@link #atEnd} scans for what follows.
     */
    private long lastIndex() {
        long last = guarded(() -> stream.queue().lastIndex(), UNKNOWN);
        if (last != -1) return last;
        long counted = guarded(() -> {
            int cycle = stream.queue().lastCycle();
            if (cycle == Integer.MIN_VALUE) return 0L;
            try (ExcerptTailer counter = stream.tailer()) { // a tailer of its own: counting moves it
                return counter.excerptsInCycle(cycle);
            }
        }, 1L);
        return counted > 0 ? UNKNOWN : -1;
    }

    /** Moves the tailer to the cycle after {@code cycle}, reporting what of this one was not read. */
    private Step nextCycle(int cycle, String reason) {
        int next = guarded(() -> {
            try {
                return stream.queue().nextCycle(cycle, TailerDirection.FORWARD);
            } catch (java.text.ParseException e) {
                return Integer.MIN_VALUE;
            }
        }, Integer.MIN_VALUE);
        if (next == Integer.MIN_VALUE || next <= cycle) return END;
        long count = guarded(() -> tailer.excerptsInCycle(cycle), 0L);
        long readInCycle = lastSeq >= 0 && stream.queue().rollCycle().toCycle(lastSeq) == cycle
                ? stream.queue().rollCycle().toSequenceNumber(lastSeq) + 1 : 0;
        if (!guarded(() -> tailer.moveToCycle(next), false)) return END;
        if (count > readInCycle) report(lastSeq, -1, 0, reason + "; " + (count - readInCycle) + " events of cycle " + cycle + " are unreadable");
        nextCheck = 0;
        return AGAIN;
    }

    // ------------------------------------------------------------------ scanning a damaged file

    /** Damage in {@code file}: report it once and read the rest of the file by scanning from {@code from}. */
    private Step scanFrom(File file, long from, String reason) {
        if (file == null) return END;
        Optional<Salvage.Found> found = scan(file, from);
        long resumed = found.map(Salvage.Found::seq).orElse(-1L);
        long skipped = found.map(f -> f.offset() - from).orElse(Math.max(0, file.length() - from));
        report(lastSeq, resumed, skipped, reason);
        scanning = new Scanning(file, from);
        nextCheck = 0;
        return AGAIN;
    }

    private Step scanQuarantined(File file) {
        quarantinedRead.add(file);
        scanning = new Scanning(file, 0);
        nextCheck = 0;
        return AGAIN;
    }

    private Step scanOne() {
        Optional<Salvage.Found> found = scan(scanning.file(), scanning.offset());
        if (found.isPresent()) {
            Salvage.Found f = found.get();
            scanning = new Scanning(scanning.file(), f.end());
            return switch (Frame.decode(stream.stream(), f.frame(), 0, f.length())) {
                case Frame.Decoded.Ok ok -> accept(ok.recorded(), scanning.file(), f.end());
                case Frame.Decoded.Unknown unknown -> skipUnknown(unknown, scanning.file(), f.end());
                case Frame.Decoded.Damaged damaged -> AGAIN; // its checksum held, but it does not decode: skip
            };
        }
        if (pending != null) {
            // A set-aside file read in its place: now the event Chronicle read after it, and Chronicle again.
            Recorded event = pending;
            pending = null;
            scanning = null;
            return accept(event, pendingFile, pendingEnd);
        }
        // The end of this file, for now: go on with the next file once there is one, else wait here for more.
        long now = System.nanoTime();
        if (now < nextCheck) return END;
        nextCheck = now + RECHECK_NANOS;
        Optional<File> next = fileAfter(scanning.file());
        if (next.isEmpty()) return END;
        if (tailer != null) {
            int cycle = cycleOf(next.get());
            if (cycle != Integer.MIN_VALUE && guarded(() -> tailer.moveToCycle(cycle), false)) {
                scanning = null;
                return AGAIN;
            }
        }
        scanning = new Scanning(next.get(), 0);
        return AGAIN;
    }

    private Optional<Salvage.Found> scan(File file, long from) {
        try {
            return Salvage.next(file.toPath(), from);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // deleted by retention meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + file, e);
        }
    }

    /** The stream's cycle files in time order, set-aside damaged ones included: names start with the cycle's time. */
    private List<File> files() {
        try (var entries = Files.list(stream.directory())) {
            return entries.filter(p -> isCycleFile(p.toFile()) || isQuarantined(p.toFile()))
                    .sorted(java.util.Comparator.comparing((Path p) -> key(p.toFile()))).map(Path::toFile).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isCycleFile(File file) {
        return file.getName().endsWith(".cq4");
    }

    private static boolean isQuarantined(File file) {
        return file.getName().endsWith(".cq4" + ChronicleStream.QUARANTINED);
    }

    /** Orders files by the time their name starts with. */
    private static String key(File file) {
        String name = file.getName();
        return name.substring(0, Math.max(0, name.indexOf(".cq4")));
    }

    /**
     * A file set aside as damaged (out of Chronicle's sight) that comes after {@code after} and before {@code before}
     * in time, and was not read yet: the reader scans it in its place.
     */
    private Optional<File> quarantinedBetween(File after, File before) {
        return files().stream().filter(JournalReader::isQuarantined).filter(f -> !quarantinedRead.contains(f))
                .filter(f -> after == null || key(f).compareTo(key(after)) > 0)
                .filter(f -> before == null || key(f).compareTo(key(before)) < 0).findFirst();
    }

    private Optional<File> firstFile() {
        return files().stream().findFirst();
    }

    private Optional<File> fileAfter(File file) {
        return files().stream().filter(f -> f.getName().compareTo(file.getName()) > 0).findFirst();
    }

    private int cycleOf(File file) {
        return stream.cycleOf(file.toPath());
    }

    private void report(long afterSeq, long resumedSeq, long bytes, String reason) {
        listener.damaged(new JournalDamaged(stream.stream().directory(), lastFile == null ? "" : lastFile.getName(),
                afterSeq, resumedSeq, Math.max(0, bytes), reason));
    }

    /** A call into Chronicle that damage can make throw; the fallback stands for "cannot tell". */
    private static <T> T guarded(Supplier<T> call, T fallback) {
        try {
            return call.get();
        } catch (Exception | InternalError | AssertionError e) {
            return fallback;
        }
    }

    // ------------------------------------------------------------------ waiting and positioning

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
        if (tailer == null || !seekTailer(seq)) {
            // Scanning (or Chronicle cannot find it): read from the start and let the seq filter skip the rest.
            toStart();
            lastSeq = seq - 1;
            return true;
        }
        lastSeq = seq - 1;
        return true;
    }

    private boolean seekTailer(long seq) {
        scanning = null;
        if (guarded(() -> tailer.moveToIndex(seq), false)) return true;
        var queue = stream.queue();
        long last = lastIndex();
        if (last == UNKNOWN) return false;
        if (last < 0 || seq > last) {
            guarded(tailer::toEnd, tailer);
            return true;
        }
        long first = guarded(queue::firstIndex, UNKNOWN);
        if (first == UNKNOWN) return false;
        if (seq < first) {
            guarded(tailer::toStart, tailer);
            return true;
        }
        // Past the end of its cycle, or on damage: the next cycle, if the gap is the end of one.
        int cycle = queue.rollCycle().toCycle(seq);
        if (queue.rollCycle().toSequenceNumber(seq) >= guarded(() -> tailer.excerptsInCycle(cycle), Long.MAX_VALUE)) {
            int next = guarded(() -> {
                try {
                    return queue.nextCycle(cycle, TailerDirection.FORWARD);
                } catch (java.text.ParseException e) {
                    return Integer.MIN_VALUE;
                }
            }, Integer.MIN_VALUE);
            if (next != Integer.MIN_VALUE && guarded(() -> tailer.moveToCycle(next), false)) return true;
        }
        return false;
    }

    public void toStart() {
        lastSeq = -1;
        lastFile = null;
        lastEnd = 0;
        if (tailer == null) scanning = firstFile().map(f -> new Scanning(f, 0)).orElse(null);
        else {
            scanning = null;
            guarded(tailer::toStart, tailer);
        }
    }

    public void toEnd() {
        if (tailer != null && guarded(() -> tailer.toEnd() != null, false)) {
            scanning = null;
            lastSeq = guarded(tailer::index, 0L) - 1;
            return;
        }
        while (next().isPresent()) {
            // scanning: the end is where the frames stop
        }
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
        if (tailer != null) tailer.close();
    }
}
