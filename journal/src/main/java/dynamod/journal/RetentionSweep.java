package dynamod.journal;

import dynamod.journal.store.ChronicleStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * Retention for one stream (Chronicle has none built in): deletes whole cycle files, oldest first, while the
 * stream is over its size or a file's cycle ended longer ago than the age limit. Never the newest file, never one
 * at or after the protected cycle.
 */
public final class RetentionSweep {

    private RetentionSweep() {}

    public record Deleted(Stream stream, Path file, int cycle, long bytes, String reason) {}

    static List<Deleted> sweep(ChronicleStream stream, Retention retention, JournalClock clock, long keepFromSeq) {
        SingleChronicleQueue queue = stream.queue();
        List<Deleted> deleted = new ArrayList<>();
        if (queue.firstIndex() == Long.MAX_VALUE) return deleted;
        RollCycle rollCycle = queue.rollCycle();
        int last = queue.lastCycle();
        int protectedCycle = keepFromSeq >= 0 ? rollCycle.toCycle(keepFromSeq) : Integer.MAX_VALUE;
        List<Path> files = new ArrayList<>();
        List<Integer> cycles = new ArrayList<>();
        long total = 0;
        for (Long c : queue.listCyclesBetween(queue.firstCycle(), last)) {
            Path file = stream.fileOf(c.intValue());
            if (!Files.exists(file)) continue;
            files.add(file);
            cycles.add(c.intValue());
            total += size(file);
        }
        long nowMillis = Math.floorDiv(clock.realtimeNanos(), 1_000_000L);
        for (int i = 0; i < files.size(); i++) {
            int cycle = cycles.get(i);
            if (cycle >= last || cycle >= protectedCycle) break;
            long endMillis = queue.epoch() + (cycle + 1L) * rollCycle.lengthInMillis();
            String reason = null;
            if (total > retention.maxBytes()) reason = "the stream is over its limit of " + retention.maxBytes() + " bytes";
            else if (retention.maxAge().isPresent() && endMillis < nowMillis - retention.maxAge().get().toMillis()) {
                reason = "older than " + retention.maxAge().get();
            }
            if (reason == null) break;
            long bytes = size(files.get(i));
            try {
                Files.delete(files.get(i));
            } catch (IOException e) {
                break;
            }
            total -= bytes;
            deleted.add(new Deleted(stream.stream(), files.get(i), cycle, bytes, reason));
        }
        if (!deleted.isEmpty()) stream.refresh();
        return deleted;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
