package dynamod.logd.index;

import dynamod.journal.Recorded;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.logd.query.Cursor;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogMatcher;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * logd's persistent indexes over the journal's log stream, under {@code STATE/logd/index/}:
 *
 * <pre>
 * index/journal-id                 the journal the index is of (another journal's index is dropped)
 * index/BOOT/all                   every entry's seq
 * index/BOOT/u-SERVICE             seqs of a service's entries (its own lines and the manager's about it)
 * index/BOOT/p-N                   seqs of priority N (0–7)
 * index/BOOT/pid-N                 seqs of _PID N
 * index/BOOT/t-IDENTIFIER          seqs of SYSLOG_IDENTIFIER
 * index/BOOT/tr-TRANSPORT          seqs of _TRANSPORT
 * index/BOOT/time                  (max realtime µs so far in the boot, seq) every {@value #TIME_EVERY} entries
 *                                  and at the end of every batch
 * index/BOOT/clock-went-back       present if a realtime in the boot was below an earlier one
 * index/BOOT/msg                   the message store: every entry's MESSAGE bytes, raw, one after the other
 * index/BOOT/msg-at                (end offset in msg, seq) per record of msg, in the same order
 * </pre>
 *
 * The message store lets {@code --grep} scan messages instead of decoding the journal. Its records are delimited by
 * {@code msg-at} (no escaping: a message may hold any byte, newlines included). It covers the boot's entries from
 * its first record's seq on (an index written before it existed has none for the earlier ones); {@code msg-at} is
 * cut back like the posting files, then {@code msg} to the end offset of the last record kept.
 *
 * BOOT is the boot id (32 hex digits); names are percent-encoded ({@code %XX} for bytes outside
 * {@code [A-Za-z0-9._-]}, {@code %} alone for the empty string). Every posting file is an append-only array of
 * little-endian longs in ascending order. Entries are buffered by {@link #add} and written by {@link #write} (page
 * cache); {@link #sync} forces every file written since the last sync to disk. The caller commits its journal
 * position only after a sync, and calls {@link #truncateAfter} with that position on start: a file is never ahead of
 * the position after that, and a torn last long is cut. Readers ({@link #postings}) may run while the index grows.
 */
public final class LogIndex implements AutoCloseable {

    public static final int TIME_EVERY = 256;
    private static final int MAX_OPEN = 1024;

    private final Path directory;
    private boolean fresh;
    /** Posting files with entries added since the last write, in the order first added. */
    private final List<Posting> pending = new ArrayList<>();
    private final java.util.Set<Path> dirty = new java.util.HashSet<>();
    private final LinkedHashMap<Path, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<UUID, BootState> boots = new ConcurrentHashMap<>();
    private long buffered;

    /** One posting file's entries not yet written. */
    private static final class Posting {
        final Path file;
        long[] values = new long[16];
        int n;

        Posting(Path file) {
            this.file = file;
        }
    }

    /** What the writer keeps per boot: its posting buffers, the count for the time index, the running maximum. */
    private static final class BootState {
        final Path dir;
        final Posting all, time, msgAt;
        final Path msg;
        /** Message bytes not yet written, and the size of msg with them. */
        byte[] messages = new byte[1 << 12];
        int pendingBytes;
        long msgSize;
        final Posting[] priorities = new Posting[8];
        final Map<String, Posting> services = new HashMap<>(), identifiers = new HashMap<>(), transports = new HashMap<>();
        final Map<Integer, Posting> pids = new HashMap<>();
        long count;
        long maxRealtime = Long.MIN_VALUE;
        long lastSeq = -1, sampledSeq = -1;
        boolean wentBack;

        BootState(Path dir) {
            this.dir = dir;
            this.all = new Posting(dir.resolve("all"));
            this.time = new Posting(dir.resolve("time"));
            this.msgAt = new Posting(dir.resolve("msg-at"));
            this.msg = dir.resolve("msg");
            for (int p = 0; p < 8; p++) priorities[p] = new Posting(dir.resolve("p-" + p));
        }
    }

    private LogIndex(Path directory) {
        this.directory = directory;
    }

    /** Opens (creating) the index of the journal {@code journalId} in {@code directory}; another journal's is removed. */
    public static LogIndex open(Path directory, UUID journalId) throws IOException {
        Files.createDirectories(directory);
        Path id = directory.resolve("journal-id");
        String want = Cursor.Ids.hex(journalId);
        String have = Files.exists(id) ? Files.readString(id, StandardCharsets.UTF_8).strip() : null;
        if (!want.equals(have)) {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path p : files.toList()) deleteTree(p);
            }
            Files.writeString(id, want + "\n", StandardCharsets.UTF_8);
        }
        LogIndex index = new LogIndex(directory);
        index.fresh = !want.equals(have);
        return index;
    }

    public Path directory() {
        return directory;
    }

    /** Whether {@link #open} created the index (none was there, or another journal's): it must be built from the start. */
    public boolean fresh() {
        return fresh;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> files = Files.list(p)) {
                for (Path c : files.toList()) deleteTree(c);
            }
        }
        Files.deleteIfExists(p);
    }

    /**
     * Cuts every file back to the entries at or before {@code seq} (the committed position; -1: none), and a
     * length that is not a whole number of longs to one that is. Restores the per-boot writer state from the files.
     */
    public void truncateAfter(long seq) throws IOException {
        closeAll();
        boots.clear();
        for (Path boot : bootDirectories()) {
            try (Stream<Path> files = Files.list(boot)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.equals("clock-went-back") || name.equals("msg")) continue;
                    truncate(f, seq, name.equals("time") || name.equals("msg-at") ? 2 : 1);
                }
            }
            long msgSize = truncateMessages(boot);
            Path all = boot.resolve("all");
            long count = Files.exists(all) ? Files.size(all) / 8 : 0;
            if (count == 0) {
                deleteTree(boot);
                continue;
            }
            BootState state = new BootState(boot);
            state.count = count;
            state.wentBack = Files.exists(boot.resolve("clock-went-back"));
            state.msgSize = msgSize;
            long[] time = readAll(boot.resolve("time"));
            if (time.length >= 2) {
                state.maxRealtime = time[time.length - 2];
                state.lastSeq = state.sampledSeq = time[time.length - 1];
            }
            boots.put(parseBoot(boot.getFileName().toString()), state);
        }
    }

    /**
     * Cuts a boot's msg to the end of the last record msg-at has (after msg-at was cut); returns its size. If msg is
     * shorter than that (it was not synced with msg-at) the store is dropped: it then covers what is added from now.
     */
    private static long truncateMessages(Path boot) throws IOException {
        Path at = boot.resolve("msg-at"), msg = boot.resolve("msg");
        long end = 0;
        if (Files.exists(at)) {
            try (FileChannel ch = FileChannel.open(at, StandardOpenOption.READ)) {
                if (ch.size() >= 16) {
                    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(b, ch.size() - 16);
                    end = b.getLong(0);
                }
            }
        }
        long size = Files.exists(msg) ? Files.size(msg) : 0;
        if (size < end) {
            Files.deleteIfExists(at);
            Files.deleteIfExists(msg);
            return 0;
        }
        if (size > end) {
            try (FileChannel ch = FileChannel.open(msg, StandardOpenOption.WRITE)) {
                ch.truncate(end);
                ch.force(true);
            }
        }
        if (end == 0) Files.deleteIfExists(msg);
        return end;
    }

    /** Cuts {@code file} (records of {@code width} longs, the seq the last one) after {@code seq}. */
    private static void truncate(Path file, long seq, int width) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long records = ch.size() / (8L * width);
            long lo = 0, hi = records; // first record whose seq > seq
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                b.clear();
                ch.read(b, mid * 8L * width + 8L * (width - 1));
                if (b.getLong(0) > seq) hi = mid;
                else lo = mid + 1;
            }
            long keep = lo * 8L * width;
            if (keep != ch.size()) {
                ch.truncate(keep);
                ch.force(true);
            }
        }
        if (Files.size(file) == 0) Files.delete(file);
    }

    /** Adds a log stream event (others are ignored); written by the next {@link #write}. */
    public void add(Recorded r) {
        String service, identifier;
        int priority, pid;
        LogStream stream;
        byte[] message;
        switch (r.event()) {
            case LogLine l -> {
                message = l.message();
                service = l.service();
                identifier = l.identifier();
                priority = l.priority();
                pid = l.pid();
                stream = l.stream();
            }
            case LinesSuppressed s -> {
                service = s.service();
                identifier = r.origin() == null ? "dynamod" : r.origin().displayName();
                priority = 4;
                pid = r.originPid();
                stream = LogStream.MANAGER;
                message = LogEntry.suppressedMessage(s);
            }
            default -> {
                return;
            }
        }
        long seq = r.seq();
        BootState boot = boots.computeIfAbsent(r.bootId(), id -> new BootState(directory.resolve(Cursor.Ids.hex(id))));
        long realtime = Math.floorDiv(r.realtimeNanos(), 1000L);
        if (realtime < boot.maxRealtime && !boot.wentBack) {
            boot.wentBack = true;
            try {
                Files.createDirectories(boot.dir);
                Files.write(boot.dir.resolve("clock-went-back"), new byte[0]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        boot.maxRealtime = Math.max(boot.maxRealtime, realtime);
        Path d = boot.dir;
        put(boot.all, seq);
        if (!service.isEmpty()) put(boot.services.computeIfAbsent(service, k -> new Posting(d.resolve("u-" + encode(k)))), seq);
        if (priority >= 0 && priority <= 7) put(boot.priorities[priority], seq);
        if (pid > 0) put(boot.pids.computeIfAbsent(pid, k -> new Posting(d.resolve("pid-" + k))), seq);
        put(boot.identifiers.computeIfAbsent(identifier, k -> new Posting(d.resolve("t-" + encode(k)))), seq);
        put(boot.transports.computeIfAbsent(LogEntry.transport(stream), k -> new Posting(d.resolve("tr-" + k))), seq);
        if (boot.count % TIME_EVERY == 0) {
            put(boot.time, boot.maxRealtime, seq);
            boot.sampledSeq = seq;
        }
        if (boot.pendingBytes + message.length > boot.messages.length) {
            boot.messages = java.util.Arrays.copyOf(boot.messages, Math.max(boot.messages.length * 2, boot.pendingBytes + message.length));
        }
        System.arraycopy(message, 0, boot.messages, boot.pendingBytes, message.length);
        boot.pendingBytes += message.length;
        boot.msgSize += message.length;
        put(boot.msgAt, boot.msgSize, seq);
        boot.lastSeq = seq;
        boot.count++;
        buffered++;
    }

    /** Entries added and not yet written. */
    public long buffered() {
        return buffered;
    }

    private void put(Posting p, long value) {
        if (p.n == 0) pending.add(p);
        if (p.n == p.values.length) p.values = java.util.Arrays.copyOf(p.values, p.n * 2);
        p.values[p.n++] = value;
    }

    private void put(Posting p, long a, long b) {
        put(p, a);
        put(p, b);
    }

    /** Appends what was added to the files (into the page cache). */
    public void write() throws IOException {
        // Each batch ends with a time sample per boot it touched, so that the running maximum is in the files up to
        // the last entry written (a restart resumes it from there).
        for (BootState b : boots.values()) {
            if (b.lastSeq >= 0 && b.sampledSeq != b.lastSeq) {
                put(b.time, b.maxRealtime, b.lastSeq);
                b.sampledSeq = b.lastSeq;
            }
        }
        // The message bytes first: a msg-at record is never ahead of its bytes in the page cache either.
        for (BootState b : boots.values()) {
            if (b.pendingBytes == 0) continue;
            FileChannel ch = channel(b.msg);
            ByteBuffer bytes = ByteBuffer.wrap(b.messages, 0, b.pendingBytes);
            while (bytes.hasRemaining()) ch.write(bytes);
            dirty.add(b.msg);
            b.pendingBytes = 0;
            if (b.messages.length > 1 << 22) b.messages = new byte[1 << 12];
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Posting p : pending) {
            FileChannel ch = channel(p.file);
            for (int i = 0; i < p.n; i++) {
                if (!buf.hasRemaining()) drain(ch, buf);
                buf.putLong(p.values[i]);
            }
            drain(ch, buf);
            dirty.add(p.file);
            p.n = 0;
            if (p.values.length > 4096) p.values = new long[16];
        }
        pending.clear();
        buffered = 0;
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

    private FileChannel channel(Path file) throws IOException {
        FileChannel ch = open.get(file);
        if (ch != null) return ch;
        Files.createDirectories(file.getParent());
        ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        open.put(file, ch);
        if (open.size() > MAX_OPEN) {
            var eldest = open.entrySet().iterator().next();
            Path p = eldest.getKey();
            FileChannel old = eldest.getValue();
            open.remove(p);
            old.close(); // still dirty: sync opens it again to force it
        }
        return ch;
    }

    /** Forces every file written since the last sync to disk (and the directories of new files). */
    public void sync() throws IOException {
        for (Path p : dirty) {
            FileChannel ch = open.get(p);
            if (ch != null) {
                ch.force(false);
            } else {
                try (FileChannel again = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    again.force(false);
                }
            }
        }
        dirty.clear();
    }

    private void closeAll() throws IOException {
        sync();
        for (FileChannel ch : open.values()) ch.close();
        open.clear();
    }

    @Override
    public void close() throws IOException {
        closeAll();
    }

    // ------------------------------------------------------------------ reading

    /** A boot's part of the index: its id and the first seq it has. */
    public record BootIndex(UUID id, Path directory, long firstSeq) {}

    /** The boots the index has, by first seq. */
    public List<BootIndex> boots() throws IOException {
        List<BootIndex> out = new ArrayList<>();
        for (Path d : bootDirectories()) {
            long[] first = read(d.resolve("all"), Long.MIN_VALUE, Long.MAX_VALUE, 1);
            if (first.length == 0) continue;
            out.add(new BootIndex(parseBoot(d.getFileName().toString()), d, first[0]));
        }
        out.sort(Comparator.comparingLong(BootIndex::firstSeq));
        return out;
    }

    private List<Path> bootDirectories() throws IOException {
        if (!Files.isDirectory(directory)) return List.of();
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isDirectory).filter(p -> p.getFileName().toString().length() == 32).sorted().toList();
        }
    }

    private static UUID parseBoot(String hex) {
        return Cursor.Ids.parse(hex);
    }

    /** The names of a boot's posting files with a prefix ({@code u-}), decoded. */
    public static List<String> keys(BootIndex boot, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(boot.directory())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).map(n -> decode(n.substring(prefix.length())))
                    .toList();
        }
    }

    /** The file of a key ({@code u-}, {@code web}). */
    public static Path file(BootIndex boot, String prefix, String key) {
        return boot.directory().resolve(prefix + encode(key));
    }

    /** The seqs in [from, to] of a posting file (none if it does not exist), ascending. */
    public static long[] postings(Path file, long from, long to) throws IOException {
        return read(file, from, to, Integer.MAX_VALUE);
    }

    /** At most {@code limit} seqs in [from, to] of a posting file, from the low end. */
    public static long[] read(Path file, long from, long to, int limit) throws IOException {
        return slice(file, from, to, limit, false);
    }

    /** At most {@code limit} seqs in [from, to] of a posting file, from the high end; ascending. */
    public static long[] readLast(Path file, long from, long to, int limit) throws IOException {
        return slice(file, from, to, limit, true);
    }

    /** The seqs in [from, to] of a posting file, at most {@code limit} of them, taken from its low or high end. */
    private static long[] slice(Path file, long from, long to, int limit, boolean highEnd) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long n = ch.size() / 8;
            long lo = lowerBound(ch, n, from);
            long hi = lowerBound(ch, n, to == Long.MAX_VALUE ? Long.MAX_VALUE : to + 1);
            long start = highEnd ? Math.max(lo, hi - limit) : lo;
            long count = Math.min(hi - start, limit);
            if (count <= 0) return new long[0];
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * 8)).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, start * 8 + b.position()) < 0) break;
            }
            b.flip();
            long[] out = new long[b.remaining() / 8];
            b.asLongBuffer().get(out);
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            return new long[0];
        }
    }

    private static long[] readAll(Path file) throws IOException {
        if (!Files.exists(file)) return new long[0];
        byte[] bytes = Files.readAllBytes(file);
        long[] out = new long[bytes.length / 8];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** The first index whose value is ≥ {@code value}. */
    private static long lowerBound(FileChannel ch, long n, long value) throws IOException {
        long lo = 0, hi = n;
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            b.clear();
            ch.read(b, mid * 8);
            if (b.getLong(0) < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /**
     * The lowest seq of a boot that can be at or after {@code sinceMicros}: after the last time sample whose running
     * maximum is below it (every entry up to that sample is earlier).
     */
    public static long firstAtOrAfter(BootIndex boot, long sinceMicros) throws IOException {
        long[] time = readAll(boot.directory().resolve("time"));
        long start = Long.MIN_VALUE;
        for (int i = 0; i + 1 < time.length; i += 2) {
            if (time[i] < sinceMicros) start = time[i + 1] + 1;
            else break;
        }
        return start;
    }

    /**
     * The seq from which on every entry of a boot is after {@code untilMicros} (Long.MAX_VALUE if that cannot be
     * told): the first time sample past it, if the boot's clock never went back.
     */
    public static long firstAfter(BootIndex boot, long untilMicros) throws IOException {
        if (Files.exists(boot.directory().resolve("clock-went-back"))) return Long.MAX_VALUE;
        long[] time = readAll(boot.directory().resolve("time"));
        for (int i = 0; i + 1 < time.length; i += 2) {
            if (time[i] > untilMicros) return time[i + 1];
        }
        return Long.MAX_VALUE;
    }

    /**
     * A boot's message store, mapped for reading (as far as it was written when opened; unmapped when unreachable).
     * Record {@code i} is the message of {@link #seq}{@code (i)}.
     */
    public static final class Messages {
        private final MemorySegment at, msg;
        private final long records;
        private byte[] scratch = new byte[256];

        private Messages(MemorySegment at, MemorySegment msg, long records) {
            this.at = at;
            this.msg = msg;
            this.records = records;
        }

        /** Opens a boot's store (empty if it has none). */
        public static Messages open(BootIndex boot) throws IOException {
            Path atFile = boot.directory().resolve("msg-at"), msgFile = boot.directory().resolve("msg");
            if (!Files.exists(atFile) || !Files.exists(msgFile)) return new Messages(MemorySegment.NULL, MemorySegment.NULL, 0);
            Arena arena = Arena.ofAuto();
            try (FileChannel a = FileChannel.open(atFile, StandardOpenOption.READ); FileChannel m = FileChannel.open(msgFile, StandardOpenOption.READ)) {
                long records = a.size() / 16;
                long msgSize = m.size();
                if (records == 0) return new Messages(MemorySegment.NULL, MemorySegment.NULL, 0);
                MemorySegment at = a.map(FileChannel.MapMode.READ_ONLY, 0, records * 16, arena);
                // msg is written before msg-at, but be safe with a writer in between: only whole records.
                while (records > 0 && at.get(LONG, (records - 1) * 16) > msgSize) records--;
                long end = records == 0 ? 0 : at.get(LONG, (records - 1) * 16);
                MemorySegment msg = end == 0 ? MemorySegment.NULL : m.map(FileChannel.MapMode.READ_ONLY, 0, end, arena);
                return new Messages(at, msg, records);
            }
        }

        public long records() {
            return records;
        }

        public long seq(long i) {
            return at.get(LONG, i * 16 + 8);
        }

        /** The first seq the store has (every later entry of the boot is in it); Long.MAX_VALUE if none. */
        public long firstSeq() {
            return records == 0 ? Long.MAX_VALUE : seq(0);
        }

        /** The first record whose seq is ≥ {@code seq}. */
        public long lowerBound(long seq) {
            long lo = 0, hi = records;
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (seq(mid) < seq) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        /** Where record {@code i}'s bytes start in msg. */
        long start(long i) {
            return i == 0 ? 0 : at.get(LONG, (i - 1) * 16);
        }

        /** Where record {@code i}'s bytes end in msg. */
        long end(long i) {
            return at.get(LONG, i * 16);
        }

        /** The first record in [from, to) that ends after {@code offset} in msg ({@code to} if none). */
        long recordAt(long offset, long from, long to) {
            long lo = from, hi = to;
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (end(mid) <= offset) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        /** Whether record {@code i}'s message has the pattern (the search's prefilter, then {@link LogMatcher#found}). */
        boolean matches(long i, MessageSearch search) {
            long start = start(i);
            int length = Math.toIntExact(end(i) - start);
            if (length > scratch.length) scratch = new byte[Math.max(length, scratch.length * 2)];
            MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, start, scratch, 0, length);
            return search.matches(scratch, 0, length);
        }

        private static final ThreadLocal<byte[]> BLOCK = ThreadLocal.withInitial(() -> new byte[1 << 16]);

        /**
         * The seqs of the records in [from, to) whose message the pattern matches, ascending: their bytes are copied
         * out in one piece and searched for the pattern's literal; only the records it occurs in go to the regex.
         * Safe to call from several threads at once.
         */
        long[] grep(long from, long to, MessageSearch search) {
            if (from >= to) return new long[0];
            long base = start(from);
            int length = Math.toIntExact(end(to - 1) - base);
            byte[] buf = BLOCK.get();
            if (buf.length < length) BLOCK.set(buf = new byte[Math.max(length, buf.length * 2)]);
            MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, base, buf, 0, length);
            long[] out = new long[16];
            int n = 0;
            if (!search.hasLiteral()) {
                for (long r = from; r < to; r++) {
                    int rs = (int) (start(r) - base), re = (int) (end(r) - base);
                    if (search.matches(buf, rs, re - rs)) {
                        if (n == out.length) out = java.util.Arrays.copyOf(out, n * 2);
                        out[n++] = seq(r);
                    }
                }
                return java.util.Arrays.copyOf(out, n);
            }
            // A record without the literal cannot match (an empty one neither): only hits are looked at.
            long r = from;
            int p = 0;
            MessageSearch.Hits hits = search.new Hits(buf, length);
            while (p < length) {
                int hit = hits.from(p);
                if (hit < 0) break;
                r = recordAt(base + hit, r, to);
                int rs = (int) (start(r) - base), re = (int) (end(r) - base);
                if (search.matches(buf, rs, re - rs)) {
                    if (n == out.length) out = java.util.Arrays.copyOf(out, n * 2);
                    out[n++] = seq(r);
                }
                p = re;
                r++;
            }
            return java.util.Arrays.copyOf(out, n);
        }

        /** The first record after {@code from} whose end is at least {@code bytes} past {@code from}'s start (≤ to). */
        long blockEnd(long from, long to, long bytes) {
            long lo = from + 1, hi = to, target = start(from) + bytes;
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (end(mid - 1) < target) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ------------------------------------------------------------------ names

    static String encode(String key) {
        if (key.isEmpty()) return "%";
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') b.append((char) c);
            else b.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
        }
        if (b.length() > 200) {
            // Too long for a file name: a hash (a collision only widens the candidates; the matcher decides).
            return "%h" + Integer.toHexString(key.hashCode()) + "-" + b.substring(0, 100);
        }
        return b.toString();
    }

    static String decode(String name) {
        if (name.equals("%")) return "";
        if (name.startsWith("%h")) return null;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' && i + 3 <= name.length()) {
                out.write(Integer.parseInt(name.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
