package dynamod.logd.query;

import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.LogQuery.Lines;
import dynamod.journal.Boot;
import dynamod.journal.Journal;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Answers {@link LogQuery}s by reading a journal directory's log stream directly: a seek to the latest of the
 * boot's first line, the cursor and {@code --since} (binary search on time), then a scan that filters with a
 * {@link LogMatcher}. Without logd's indexes a query costs a scan from there to the end; {@code -n N} keeps only
 * the last N in memory, {@code -r} keeps all that match.
 */
public final class JournalLogs implements AutoCloseable {

    /** Where entries go, in output order. */
    public interface Sink {
        void entry(LogEntry entry) throws IOException;

        /** Everything there was has been passed; a follower waits for more now. */
        default void caughtUp() throws IOException {}
    }

    private final Path directory;
    private final Journal journal;
    private final boolean owned;

    private JournalLogs(Path directory, Journal journal, boolean owned) {
        this.directory = directory;
        this.journal = journal;
        this.owned = owned;
    }

    /** Over a journal this process has open already (logd's); {@link #close} leaves it open. */
    public static JournalLogs over(Journal journal) {
        return new JournalLogs(journal.directory(), journal, false);
    }

    public Journal journal() {
        return journal;
    }

    /** Opens a journal directory read-only; a directory that is not one is a {@link QueryException}. */
    public static JournalLogs open(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) throw new QueryException(directory + ": no such journal directory");
        if (!Files.exists(directory.resolve("journal-id"))) {
            throw new QueryException(directory + " is not a journal directory (no journal-id)");
        }
        return new JournalLogs(directory, Journal.open(JournalOptions.defaults(directory, Origin.CTL).readingOnly()), true);
    }

    public UUID journalId() {
        return journal.journalId();
    }

    public Path directory() {
        return directory;
    }

    public boolean hasLogs() {
        return Files.isDirectory(directory.resolve(Stream.LOGS.directory()));
    }

    /**
     * The journal's boots, oldest first. {@code Journal.boots()} needs both streams; a journal with only one (no
     * manager event yet, or a copy of logs/ alone) is scanned instead.
     */
    public List<Boot> boots() {
        boolean events = Files.isDirectory(directory.resolve(Stream.EVENTS.directory()));
        if (events && hasLogs()) return journal.boots();
        if (!hasLogs()) return events ? scanBoots(Stream.EVENTS) : List.of();
        return scanBoots(Stream.LOGS);
    }

    private List<Boot> scanBoots(Stream stream) {
        List<Boot> boots = new ArrayList<>();
        try (JournalReader reader = journal.reader(stream, JournalListener.STDERR)) {
            UUID id = null;
            Recorded first = null, last = null;
            for (Optional<Recorded> r = reader.next(); r.isPresent(); r = reader.next()) {
                if (!r.get().bootId().equals(id)) {
                    if (first != null) boots.add(boot(stream, first, last));
                    id = r.get().bootId();
                    first = r.get();
                }
                last = r.get();
            }
            if (first != null) boots.add(boot(stream, first, last));
        }
        boots.sort(java.util.Comparator.comparing(Boot::first));
        return boots;
    }

    private static Boot boot(Stream stream, Recorded first, Recorded last) {
        return new Boot(first.bootId(), first.realtime(), last.realtime(), java.util.Map.of(stream, new long[] {first.seq(), last.seq()}));
    }

    /** The boot {@code spec} means in this journal. */
    public Boot resolve(BootSpec spec) {
        List<Boot> boots = boots();
        int index;
        if (spec.id().isPresent()) {
            UUID id = Cursor.Ids.parse(spec.id().get());
            int at = -1;
            for (int i = 0; i < boots.size(); i++) if (boots.get(i).id().equals(id)) at = i;
            if (at < 0) throw new QueryException("no boot " + spec.id().get() + " in the journal (see --list-boots)");
            index = at + spec.offset();
        } else {
            index = spec.offset() > 0 ? spec.offset() - 1 : boots.size() - 1 + spec.offset();
        }
        if (index < 0 || index >= boots.size()) {
            throw new QueryException("no boot " + describe(spec) + " in the journal: it has " + boots.size() + " (see --list-boots)");
        }
        return boots.get(index);
    }

    private static String describe(BootSpec spec) {
        String offset = spec.offset() > 0 ? "+" + spec.offset() : Integer.toString(spec.offset());
        return spec.id().map(id -> id + (spec.offset() != 0 ? offset : "")).orElse(offset);
    }

    /** Refuses what cannot be combined and a foreign cursor; the boot the query is about, if any (-k: the current). */
    public Optional<Boot> check(LogQuery query) {
        if (query.follow() && query.reverse()) throw new QueryException("--follow and --reverse cannot be combined");
        if (query.follow() && query.lines().kind() == Lines.Kind.HEAD) throw new QueryException("--follow cannot be combined with -n +N");
        query.cursor().ifPresent(c -> {
            if (!c.journalId().equals(journalId())) {
                throw new QueryException("the cursor is from another journal (s=" + Cursor.Ids.hex(c.journalId()) + "; this one is "
                        + Cursor.Ids.hex(journalId()) + ")");
            }
        });
        Optional<BootSpec> bootSpec = query.kernelOnly() && query.boot().isEmpty() ? Optional.of(BootSpec.CURRENT) : query.boot();
        return bootSpec.map(this::resolve);
    }

    /**
     * Passes the query's entries to {@code sink} in output order; with {@code follow}, then every matching line
     * appended later, until {@code running} turns false.
     */
    public void run(LogQuery query, Sink sink, BooleanSupplier running) throws IOException {
        Optional<Boot> boot = check(query);
        LogMatcher matcher = new LogMatcher(query, boot.map(Boot::id));
        while (!hasLogs()) {
            if (!query.follow() || !running.getAsBoolean()) {
                sink.caughtUp();
                return;
            }
            sink.caughtUp();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        try (JournalReader reader = journal.reader(Stream.LOGS, JournalListener.STDERR)) {
            long bootLast = Long.MAX_VALUE;
            long start = 0;
            boolean positioned = false;
            if (boot.isPresent()) {
                OptionalLong first = boot.get().firstSeq(Stream.LOGS);
                if (first.isEmpty()) {
                    if (!query.follow()) {
                        sink.caughtUp();
                        return;
                    }
                    reader.toEnd();
                    positioned = true;
                } else {
                    start = first.getAsLong();
                    bootLast = boot.get().lastSeq(Stream.LOGS).orElse(Long.MAX_VALUE);
                }
            }
            if (query.cursor().isPresent()) start = Math.max(start, query.cursor().get().seq() + (query.afterCursor() ? 1 : 0));
            if (!positioned) {
                if (query.since().isPresent()) {
                    reader.seek(query.since().get());
                    if (reader.lastSeq() + 1 < start) reader.seek(start);
                } else if (start > 0) {
                    reader.seek(start);
                }
            }
            catchUp(reader, query, matcher, sink, bootLast);
            sink.caughtUp();
            if (!query.follow()) return;
            while (running.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                Optional<Recorded> next = reader.poll(Duration.ofMillis(100));
                if (next.isEmpty()) continue;
                for (Optional<Recorded> r = next; r.isPresent(); r = reader.next()) {
                    LogEntry e = LogEntry.of(r.get(), journalId());
                    if (e != null && matcher.test(e)) sink.entry(e);
                }
                sink.caughtUp();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void catchUp(JournalReader reader, LogQuery query, LogMatcher matcher, Sink sink, long bootLast) throws IOException {
        Lines lines = query.lines();
        if (lines.kind() == Lines.Kind.HEAD && lines.count() == 0) return;
        boolean collect = query.reverse() || lines.kind() == Lines.Kind.TAIL;
        ArrayDeque<LogEntry> kept = new ArrayDeque<>();
        long matched = 0;
        for (Optional<Recorded> r = reader.next(); r.isPresent(); r = reader.next()) {
            if (r.get().seq() > bootLast && !query.follow()) break;
            LogEntry e = LogEntry.of(r.get(), journalId());
            if (e == null || !matcher.test(e)) continue;
            matched++;
            if (lines.kind() == Lines.Kind.TAIL) {
                if (lines.count() == 0) continue;
                if (kept.size() == lines.count()) kept.removeFirst();
                kept.addLast(e);
            } else if (collect) {
                kept.addLast(e);
            } else {
                sink.entry(e);
            }
            if (lines.kind() == Lines.Kind.HEAD && matched >= lines.count()) break;
        }
        List<LogEntry> out = new ArrayList<>(kept);
        if (query.reverse()) Collections.reverse(out);
        for (LogEntry e : out) sink.entry(e);
    }

    /** {@code -F}: the distinct values of a field among the query's entries, in order of first appearance. */
    public List<byte[]> fieldValues(LogQuery query, String field) throws IOException {
        return fieldValues(this::run, query, field);
    }

    /** Something that answers queries: this scan, or logd's index ({@code IndexedLogs}). */
    public interface Runner {
        void run(LogQuery query, Sink sink, BooleanSupplier running) throws IOException;
    }

    /** {@code -F} over any runner: the distinct values of {@code field} among the entries, in order of first appearance. */
    public static List<byte[]> fieldValues(Runner runner, LogQuery query, String field) throws IOException {
        Set<ByteBuffer> seen = new LinkedHashSet<>();
        runner.run(query, e -> {
            byte[] v = e.field(field);
            if (v != null) seen.add(ByteBuffer.wrap(v));
        }, () -> false);
        return seen.stream().map(ByteBuffer::array).toList();
    }

    /** {@code --disk-usage}: the bytes of every file under the journal directory. */
    public static long diskUsage(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) throw new QueryException(directory + ": no such journal directory");
        try (var files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile (retention)
                }
            }).sum();
        }
    }

    @Override
    public void close() {
        if (owned) journal.close();
    }
}
