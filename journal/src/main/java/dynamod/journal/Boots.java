package dynamod.journal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The boots of a journal, found by binary search for the seqs where the boot id changes (a boot's events are
 * contiguous: a machine is never in two boots at once), so listing them reads O(boots × log events).
 */
final class Boots {

    private Boots() {}

    private record Run(UUID boot, long firstSeq, long lastSeq, long firstNanos, long lastNanos) {}

    static List<Boot> list(Journal journal) {
        Map<UUID, Map<Stream, long[]>> ranges = new LinkedHashMap<>();
        Map<UUID, long[]> times = new LinkedHashMap<>();
        for (Stream stream : Stream.values()) {
            // A read-only journal cannot create a stream no one wrote yet: it has no boots in it.
            if (journal.options().readOnly() && !java.nio.file.Files.isDirectory(journal.directory().resolve(stream.directory()))) continue;
            for (Run run : runs(journal, stream)) {
                ranges.computeIfAbsent(run.boot(), b -> new EnumMap<>(Stream.class))
                        .merge(stream, new long[] {run.firstSeq(), run.lastSeq()},
                                (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                times.merge(run.boot(), new long[] {run.firstNanos(), run.lastNanos()},
                        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        List<Boot> boots = new ArrayList<>();
        ranges.forEach((id, byStream) -> {
            long[] t = times.get(id);
            boots.add(new Boot(id, instant(t[0]), instant(t[1]), byStream));
        });
        boots.sort(java.util.Comparator.comparing(Boot::first));
        return boots;
    }

    private static java.time.Instant instant(long nanos) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private static List<Run> runs(Journal journal, Stream stream) {
        List<Run> runs = new ArrayList<>();
        try (Search search = new Search(journal.stream(stream))) {
            for (int cycle : search.cycles()) {
                long count = search.count(cycle);
                long k = 0;
                while (k < count) {
                    Optional<Recorded> first = search.readForwardFrom(cycle, k, count - 1);
                    if (first.isEmpty()) break;
                    UUID boot = first.get().bootId();
                    Optional<Recorded> last = search.readBackFrom(cycle, count - 1);
                    long end;
                    if (last.isPresent() && last.get().bootId().equals(boot)) {
                        end = count;
                    } else {
                        long startK = journal.stream(stream).queue().rollCycle().toSequenceNumber(first.get().seq());
                        long boundary = search.firstTrue(cycle, startK, count - 1, r -> !r.bootId().equals(boot));
                        end = journal.stream(stream).queue().rollCycle().toSequenceNumber(boundary);
                    }
                    Optional<Recorded> lastOfRun = search.readBackFrom(cycle, end - 1);
                    Recorded tail = lastOfRun.orElse(first.get());
                    runs.add(new Run(boot, first.get().seq(), tail.seq(), first.get().realtimeNanos(), tail.realtimeNanos()));
                    k = end;
                }
            }
        }
        // Runs of one boot in consecutive cycles belong together.
        List<Run> merged = new ArrayList<>();
        for (Run run : runs) {
            if (!merged.isEmpty() && merged.getLast().boot().equals(run.boot())) {
                Run previous = merged.removeLast();
                merged.add(new Run(run.boot(), previous.firstSeq(), run.lastSeq(), previous.firstNanos(), run.lastNanos()));
            } else {
                merged.add(run);
            }
        }
        return merged;
    }
}
