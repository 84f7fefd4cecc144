package dynamod.journal;

import dynamod.journal.codec.Frame;
import dynamod.journal.store.ChronicleStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Binary searches over a stream by seq: the first event at or after a time, the boundaries of boots. Within a
 * cycle file seqs are dense, so a search reads O(log n) events; an unreadable event is stepped over.
 */
final class Search implements AutoCloseable {

    private static final int STEP_OVER = 64;

    private final ChronicleStream stream;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private byte[] scratch = new byte[512];

    Search(ChronicleStream stream) {
        this.stream = stream;
        this.tailer = stream.tailer();
        this.rollCycle = stream.queue().rollCycle();
    }

    /** The first seq whose event satisfies {@code condition}, for a condition that, once true, stays true. */
    static OptionalLong firstAtOrAfter(Journal journal, Stream stream, Predicate<Recorded> condition) {
        try (Search search = new Search(journal.stream(stream))) {
            for (int cycle : search.cycles()) {
                long count = search.count(cycle);
                Optional<Recorded> last = search.readBackFrom(cycle, count - 1);
                if (last.isEmpty() || !condition.test(last.get())) continue;
                return OptionalLong.of(search.firstTrue(cycle, 0, count - 1, condition));
            }
            return OptionalLong.empty();
        }
    }

    List<Integer> cycles() {
        var queue = stream.queue();
        List<Integer> cycles = new ArrayList<>();
        if (queue.firstIndex() == Long.MAX_VALUE) return cycles;
        for (Long cycle : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) cycles.add(cycle.intValue());
        return cycles;
    }

    long count(int cycle) {
        return tailer.excerptsInCycle(cycle);
    }

    long index(int cycle, long k) {
        return rollCycle.toIndex(cycle, k);
    }

    /** The smallest k in [lo, hi] whose event satisfies the condition, given the last readable one up to hi does. */
    long firstTrue(int cycle, long lo, long hi, Predicate<Recorded> condition) {
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            Optional<Recorded> event = readForwardFrom(cycle, mid, hi);
            if (event.isEmpty()) {
                lo = mid + 1;
                continue;
            }
            long at = rollCycle.toSequenceNumber(event.get().seq());
            if (condition.test(event.get())) hi = at;
            else lo = at + 1;
        }
        return index(cycle, lo);
    }

    /** The first readable event from k on (at most up to {@code limit}). */
    Optional<Recorded> readForwardFrom(int cycle, long k, long limit) {
        for (long i = k; i <= limit && i < k + STEP_OVER; i++) {
            Optional<Recorded> event = readAt(index(cycle, i));
            if (event.isPresent()) return event;
        }
        return Optional.empty();
    }

    /** The last readable event at or before k. */
    Optional<Recorded> readBackFrom(int cycle, long k) {
        for (long i = k; i >= 0 && i > k - STEP_OVER; i--) {
            Optional<Recorded> event = readAt(index(cycle, i));
            if (event.isPresent()) return event;
        }
        return Optional.empty();
    }

    Optional<Recorded> readAt(long seq) {
        try {
            if (!tailer.moveToIndex(seq)) return Optional.empty();
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent() || dc.index() != seq) return Optional.empty();
                Bytes<?> bytes = dc.wire().bytes();
                int length = (int) Math.min(bytes.readRemaining(), Integer.MAX_VALUE - 8);
                if (scratch.length < length) scratch = new byte[length];
                bytes.read(scratch, 0, length);
                if (Frame.decode(stream.stream(), scratch, 0, length) instanceof Frame.Decoded.Ok ok && ok.recorded().seq() == seq) {
                    return Optional.of(ok.recorded());
                }
                return Optional.empty();
            }
        } catch (Exception | InternalError | AssertionError e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        tailer.close();
    }
}
