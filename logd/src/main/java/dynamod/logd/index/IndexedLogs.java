package dynamod.logd.index;

import dynamod.journal.Boot;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.logd.index.LogIndex.BootIndex;
import dynamod.logd.query.Glob;
import dynamod.logd.query.JournalLogs;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogMatcher;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogQuery.Lines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Answers {@link LogQuery}s from logd's {@link LogIndex}: the posting lists of the query's indexed filters
 * ({@code -u}, {@code -t}, {@code -p}, {@code -k}) are intersected within the seq range that the boot, the cursor and
 * the time bounds (the sparse time index) leave, and only those entries are read from the journal and checked with the
 * query's {@link LogMatcher} (which also applies {@code -g}, {@code FIELD=VALUE} and the exact time bounds). What the
 * index does not have yet (after {@code through}) is scanned. {@code -n N} reads candidates newest first from the end.
 * {@code -g} takes its candidates from the message store ({@link LogIndex.Messages}): scanned alone, looked up for the
 * other filters' candidates. A query without an indexed filter or grep is a plain scan ({@link JournalLogs}). The entries are those {@link JournalLogs}
 * gives, in the same order.
 */
public final class IndexedLogs {

    private final JournalLogs direct;
    private final LogIndex index;
    private final LongSupplier through;

    /**
     * @param through every log entry up to this seq is in the index files
     */
    public IndexedLogs(JournalLogs direct, LogIndex index, LongSupplier through) {
        this.direct = direct;
        this.index = index;
        this.through = through;
    }

    public JournalLogs direct() {
        return direct;
    }

    /** Whether the query has a filter the index can answer; otherwise it is a plain scan. */
    public static boolean indexable(LogQuery q) {
        return !q.units().isEmpty() || !q.identifiers().isEmpty() || q.priorities() != LogQuery.ALL_PRIORITIES || q.kernelOnly()
                || q.grep().isPresent();
    }

    public void run(LogQuery query, JournalLogs.Sink sink, BooleanSupplier running) throws IOException {
        if (!indexable(query) || !direct.hasLogs()) {
            direct.run(query, sink, running);
            return;
        }
        Optional<Boot> boot = direct.check(query);
        LogMatcher matcher = new LogMatcher(query, boot.map(Boot::id));
        long lo = 0, hi = Long.MAX_VALUE;
        if (boot.isPresent()) {
            OptionalLong first = boot.get().firstSeq(Stream.LOGS);
            if (first.isEmpty()) {
                direct.run(query, sink, running); // nothing of that boot: the scan says so (or follows from the end)
                return;
            }
            lo = first.getAsLong();
            if (!query.follow()) hi = boot.get().lastSeq(Stream.LOGS).orElse(Long.MAX_VALUE);
        }
        if (query.cursor().isPresent()) lo = Math.max(lo, query.cursor().get().seq() + (query.afterCursor() ? 1 : 0));
        long indexed = through.getAsLong();
        Candidates candidates = new Candidates(query, boot.map(Boot::id), lo, Math.min(hi, indexed));
        UUID journalId = direct.journalId();
        try (JournalReader fetchReader = direct.journal().reader(Stream.LOGS, JournalListener.STDERR);
                JournalReader tail = direct.journal().reader(Stream.LOGS, JournalListener.STDERR)) {
            Fetch fetch = new Fetch(fetchReader, journalId);
            long tailFrom = Math.max(lo, indexed + 1);
            if (query.since().isPresent()) {
                tail.seek(query.since().get());
                if (tail.lastSeq() + 1 < tailFrom) tail.seek(tailFrom);
            } else {
                tail.seek(tailFrom);
            }
            Lines lines = query.lines();
            boolean skip = lines.kind() == Lines.Kind.HEAD && lines.count() == 0;
            if (!skip && lines.kind() == Lines.Kind.TAIL) {
                ArrayDeque<LogEntry> kept = new ArrayDeque<>();
                scanTail(tail, journalId, matcher, hi, query.follow(), e -> {
                    if (lines.count() == 0) return true;
                    if (kept.size() == lines.count()) kept.removeFirst();
                    kept.addLast(e);
                    return true;
                });
                if (kept.size() < lines.count()) {
                    candidates.descending(seq -> {
                        LogEntry e = fetch.at(seq);
                        if (e != null && matcher.test(e)) kept.addFirst(e);
                        return kept.size() < lines.count();
                    });
                }
                List<LogEntry> out = new ArrayList<>(kept);
                if (query.reverse()) Collections.reverse(out);
                for (LogEntry e : out) sink.entry(e);
            } else if (!skip) {
                long limit = lines.kind() == Lines.Kind.HEAD ? lines.count() : Long.MAX_VALUE;
                List<LogEntry> collected = query.reverse() ? new ArrayList<>() : null;
                long[] matched = {0};
                EntryConsumer emit = e -> {
                    if (collected != null) collected.add(e);
                    else sink.entry(e);
                    return ++matched[0] < limit;
                };
                boolean more = candidates.ascending(seq -> {
                    LogEntry e = fetch.at(seq);
                    return e == null || !matcher.test(e) || emit.accept(e);
                });
                if (more) scanTail(tail, journalId, matcher, hi, query.follow(), emit);
                if (collected != null) {
                    Collections.reverse(collected);
                    for (LogEntry e : collected) sink.entry(e);
                }
            }
            sink.caughtUp();
            if (!query.follow()) return;
            while (running.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                Optional<Recorded> next = tail.poll(Duration.ofMillis(100));
                if (next.isEmpty()) continue;
                for (Optional<Recorded> r = next; r.isPresent(); r = tail.next()) {
                    LogEntry e = LogEntry.of(r.get(), journalId);
                    if (e != null && matcher.test(e)) sink.entry(e);
                }
                sink.caughtUp();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** {@code -F}: the distinct values of a field among the query's entries (found as {@link #run} finds them). */
    public List<byte[]> fieldValues(LogQuery query, String field) throws IOException {
        return JournalLogs.fieldValues(this::run, query, field);
    }

    private interface EntryConsumer {
        /** False: stop. */
        boolean accept(LogEntry e) throws IOException;
    }

    /** What the index does not have yet: read from the journal, up to {@code hi} (unless following), to the end. */
    private static void scanTail(JournalReader tail, UUID journalId, LogMatcher matcher, long hi, boolean follow, EntryConsumer consumer) throws IOException {
        for (Optional<Recorded> r = tail.next(); r.isPresent(); r = tail.next()) {
            if (r.get().seq() > hi && !follow) break;
            LogEntry e = LogEntry.of(r.get(), journalId);
            if (e != null && matcher.test(e) && !consumer.accept(e)) return;
        }
    }

    /** Reads entries by seq: forward when the next is near, else a seek. */
    private static final class Fetch {
        final JournalReader reader;
        final UUID journalId;

        Fetch(JournalReader reader, UUID journalId) {
            this.reader = reader;
            this.journalId = journalId;
        }

        LogEntry at(long seq) {
            long last = reader.lastSeq();
            if (seq <= last || seq - last > 16) reader.seek(seq); // a seek costs about as much as reading 10-20 entries
            for (Optional<Recorded> r = reader.next(); r.isPresent(); r = reader.next()) {
                long s = r.get().seq();
                if (s == seq) return LogEntry.of(r.get(), journalId);
                if (s > seq) return null; // gone (retention, damage)
            }
            return null;
        }
    }

    private interface SeqConsumer {
        /** False: stop. */
        boolean accept(long seq) throws IOException;
    }

    /** Candidates are read in chunks of at most this many seqs per posting list, so memory stays bounded. */
    static int chunk = 65_536; // small in tests, to cross chunk boundaries

    /** The message store is searched in blocks of about this many bytes, one per core at a time. */
    static int grepBlock = 1 << 20; // small in tests, to cross block boundaries

    private static final int PARALLELISM = Math.max(1, Runtime.getRuntime().availableProcessors());

    /**
     * The seqs in [lo, hi] that the indexed filters allow, boot by boot (a boot's seqs are contiguous), in chunks:
     * each posting list is read at most {@link #chunk} at a time, and a chunk's candidates are complete up to the
     * nearest end of a list that was cut.
     */
    final class Candidates {
        final LogQuery q;
        final Optional<UUID> bootId;
        final long lo, hi;
        final List<Pattern> units;
        final long since, until;
        final MessageSearch search;
        private final java.util.Map<java.nio.file.Path, LogIndex.Messages> messages = new java.util.HashMap<>();

        Candidates(LogQuery q, Optional<UUID> bootId, long lo, long hi) {
            this.q = q;
            this.bootId = bootId;
            this.lo = lo;
            this.hi = hi;
            this.units = q.units().stream().map(Glob::compile).toList();
            this.since = q.since().map(IndexedLogs::micros).orElse(Long.MIN_VALUE);
            this.until = q.until().map(IndexedLogs::micros).orElse(Long.MAX_VALUE);
            this.search = q.grep().map(LogMatcher::compile).map(MessageSearch::of).orElse(null);
        }

        private LogIndex.Messages messages(BootIndex b) throws IOException {
            LogIndex.Messages m = messages.get(b.directory());
            if (m == null) messages.put(b.directory(), m = LogIndex.Messages.open(b));
            return m;
        }

        /**
         * The seqs in [from, to] whose message the store has and the grep finds, from the low end (up) or the high
         * end: blocks of about {@link #grepBlock} message bytes, as many at once as there are cores, until
         * {@link #chunk} are found; then {@code bound[0]} moves to the last block searched, like a cut posting list.
         */
        private long[] scan(LogIndex.Messages m, long from, long to, boolean up, long[] bound) {
            long first = m.lowerBound(from), last = to == Long.MAX_VALUE ? m.records() : m.lowerBound(to + 1); // [first, last)
            List<long[]> found = new ArrayList<>();
            int total = 0;
            long next = up ? first : last; // the next block starts (up) or ends (down) here
            while (up ? next < last : next > first) {
                List<long[]> blocks = new ArrayList<>(); // [start, end) of each block, in search order
                for (int k = 0; k < PARALLELISM && (up ? next < last : next > first); k++) {
                    long bs, be;
                    if (up) {
                        bs = next;
                        be = m.blockEnd(bs, last, grepBlock);
                        next = be;
                    } else {
                        be = next;
                        bs = blockStart(m, first, be);
                        next = bs;
                    }
                    blocks.add(new long[] {bs, be});
                }
                List<java.util.concurrent.CompletableFuture<long[]>> rest = new ArrayList<>();
                for (int k = 1; k < blocks.size(); k++) {
                    long[] b = blocks.get(k);
                    rest.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> m.grep(b[0], b[1], search)));
                }
                found.add(m.grep(blocks.get(0)[0], blocks.get(0)[1], search));
                for (var f : rest) found.add(f.join());
                for (int k = found.size() - blocks.size(); k < found.size(); k++) total += found.get(k).length;
                if (total >= chunk && (up ? next < last : next > first)) {
                    long edge = m.seq(up ? next - 1 : next);
                    bound[0] = up ? Math.min(bound[0], edge) : Math.max(bound[0], edge);
                    break;
                }
            }
            if (!up) Collections.reverse(found);
            long[] out = new long[total];
            int n = 0;
            for (long[] f : found) {
                System.arraycopy(f, 0, out, n, f.length);
                n += f.length;
            }
            return out;
        }

        /** The start of the block of about {@link #grepBlock} bytes that ends (exclusive) at record {@code end}. */
        private static long blockStart(LogIndex.Messages m, long first, long end) {
            long lo = first, hi = end - 1, target = m.end(end - 1) - grepBlock; // the last start at or before target
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (m.start(mid) <= target) lo = mid;
                else hi = mid - 1;
            }
            return lo;
        }

        /** The boots and their [from, to] ranges, in seq order. */
        private List<Object[]> ranges() throws IOException {
            List<Object[]> out = new ArrayList<>();
            if (lo > hi) return out;
            for (BootIndex b : index.boots()) {
                if (bootId.isPresent() && !b.id().equals(bootId.get())) continue;
                long blo = lo, bhi = hi;
                if (since != Long.MIN_VALUE) blo = Math.max(blo, LogIndex.firstAtOrAfter(b, since));
                if (until != Long.MAX_VALUE) {
                    long after = LogIndex.firstAfter(b, until);
                    if (after != Long.MAX_VALUE) bhi = Math.min(bhi, after - 1);
                }
                if (blo <= bhi) out.add(new Object[] {b, blo, bhi});
            }
            return out;
        }

        /** False if the consumer stopped. */
        boolean ascending(SeqConsumer consumer) throws IOException {
            for (Object[] r : ranges()) {
                BootIndex b = (BootIndex) r[0];
                long from = (long) r[1], to = (long) r[2];
                while (from <= to) {
                    long[] bound = {to};
                    long[] seqs = chunk(b, from, to, true, bound);
                    for (long seq : seqs) if (!consumer.accept(seq)) return false;
                    if (bound[0] >= to) break;
                    from = bound[0] + 1;
                }
            }
            return true;
        }

        boolean descending(SeqConsumer consumer) throws IOException {
            List<Object[]> ranges = ranges();
            for (int i = ranges.size() - 1; i >= 0; i--) {
                BootIndex b = (BootIndex) ranges.get(i)[0];
                long from = (long) ranges.get(i)[1], to = (long) ranges.get(i)[2];
                while (from <= to) {
                    long[] bound = {from};
                    long[] seqs = chunk(b, from, to, false, bound);
                    for (int k = seqs.length - 1; k >= 0; k--) if (!consumer.accept(seqs[k])) return false;
                    if (bound[0] <= from) break;
                    to = bound[0] - 1;
                }
            }
            return true;
        }

        /**
         * The candidates of one chunk, ascending: from the low end (up to {@code bound[0]}, which it lowers to where
         * the first cut list ends) or from the high end (down to {@code bound[0]}, raised likewise).
         */
        private long[] chunk(BootIndex b, long from, long to, boolean up, long[] bound) throws IOException {
            List<List<long[]>> dims = new ArrayList<>();
            if (!units.isEmpty()) {
                List<long[]> lists = new ArrayList<>();
                for (String name : LogIndex.keys(b, "u-")) {
                    if (name != null && unitMatches(units, name)) lists.add(read(LogIndex.file(b, "u-", name), from, to, up, bound));
                }
                for (java.nio.file.Path f : hashed(b, "u-")) lists.add(read(f, from, to, up, bound));
                dims.add(lists);
            }
            if (!q.identifiers().isEmpty()) {
                List<long[]> lists = new ArrayList<>();
                for (String id : q.identifiers()) lists.add(read(LogIndex.file(b, "t-", id), from, to, up, bound));
                dims.add(lists);
            }
            if (q.priorities() != LogQuery.ALL_PRIORITIES) {
                List<long[]> lists = new ArrayList<>();
                for (int p = 0; p <= 7; p++) {
                    if ((q.priorities() & (1 << p)) != 0) lists.add(read(LogIndex.file(b, "p-", Integer.toString(p)), from, to, up, bound));
                }
                dims.add(lists);
            }
            if (q.kernelOnly()) dims.add(List.of(read(LogIndex.file(b, "tr-", "kernel"), from, to, up, bound)));
            long[] acc = null;
            for (List<long[]> lists : dims) acc = intersect(acc, union(lists));
            if (search != null) {
                // The message store: its records that match, or (with other filters) those candidates whose message
                // does; what it does not cover (an index older than the store) stays a candidate.
                LogIndex.Messages m = messages(b);
                long covered = m.firstSeq();
                if (acc == null) {
                    List<long[]> parts = new ArrayList<>();
                    if (from < covered) parts.add(read(b.directory().resolve("all"), from, Math.min(to, covered - 1), up, bound));
                    if (to >= covered) parts.add(scan(m, from, to, up, bound));
                    acc = union(parts);
                } else {
                    long[] kept = new long[acc.length];
                    int n = 0;
                    long i = 0;
                    for (long seq : acc) {
                        if (seq >= covered) {
                            i = m.lowerBound(seq);
                            if (i < m.records() && m.seq(i) == seq && !m.matches(i, search)) continue;
                        }
                        kept[n++] = seq;
                    }
                    acc = Arrays.copyOf(kept, n);
                }
            }
            if (acc == null) return new long[0];
            long limit = bound[0];
            int start = 0, end = acc.length;
            if (up) {
                while (end > 0 && acc[end - 1] > limit) end--;
            } else {
                while (start < end && acc[start] < limit) start++;
            }
            return start == 0 && end == acc.length ? acc : Arrays.copyOfRange(acc, start, end);
        }

        private long[] read(java.nio.file.Path file, long from, long to, boolean up, long[] bound) throws IOException {
            long[] v = up ? LogIndex.read(file, from, to, chunk) : LogIndex.readLast(file, from, to, chunk);
            if (v.length == chunk) bound[0] = up ? Math.min(bound[0], v[v.length - 1]) : Math.max(bound[0], v[0]);
            return v;
        }
    }

    /** Every candidate in [lo, hi], ascending (tests). */
    long[] candidates(LogQuery q, Optional<UUID> bootId, long lo, long hi) throws IOException {
        List<Long> out = new ArrayList<>();
        new Candidates(q, bootId, lo, hi).ascending(seq -> out.add(seq));
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Names too long for a file are hashed: their lists are all candidates. */
    private static List<java.nio.file.Path> hashed(BootIndex b, String prefix) throws IOException {
        try (var files = java.nio.file.Files.list(b.directory())) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix + "%h")).toList();
        }
    }

    private static boolean unitMatches(List<Pattern> units, String service) {
        if (service.isEmpty()) return false;
        String unit = LogEntry.unit(service);
        for (Pattern p : units) {
            if (p.matcher(service).matches() || p.matcher(unit).matches()) return true;
        }
        return false;
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    /** The intersection of two ascending lists; null stands for "everything". */
    static long[] intersect(long[] a, long[] b) {
        if (a == null) return b;
        if (b == null) return a;
        if (a.length > b.length) {
            long[] t = a;
            a = b;
            b = t;
        }
        long[] out = new long[a.length];
        int n = 0, j = 0;
        for (long v : a) {
            // galloping would help for very uneven sizes; a binary search from j does the same here
            int k = Arrays.binarySearch(b, j, b.length, v);
            if (k >= 0) {
                out[n++] = v;
                j = k + 1;
            } else {
                j = -k - 1;
            }
            if (j >= b.length) break;
        }
        return Arrays.copyOf(out, n);
    }

    /** The union of ascending lists (duplicates kept once), ascending. */
    static long[] union(List<long[]> lists) {
        List<long[]> nonEmpty = lists.stream().filter(l -> l.length > 0).toList();
        if (nonEmpty.isEmpty()) return new long[0];
        if (nonEmpty.size() == 1) return nonEmpty.get(0);
        long[] acc = nonEmpty.get(0);
        for (int i = 1; i < nonEmpty.size(); i++) acc = merge(acc, nonEmpty.get(i));
        return acc;
    }

    private static long[] merge(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0, j = 0, n = 0;
        while (i < a.length && j < b.length) {
            if (a[i] < b[j]) out[n++] = a[i++];
            else if (a[i] > b[j]) out[n++] = b[j++];
            else {
                out[n++] = a[i++];
                j++;
            }
        }
        while (i < a.length) out[n++] = a[i++];
        while (j < b.length) out[n++] = b[j++];
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
