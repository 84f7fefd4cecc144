package dynamod.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.JournalEvent.JournalPruned;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention deletes whole old cycle files, by size and by age, never the newest nor what the newest snapshot needs. */
class RetentionTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));

    /** Ten one-second cycle files of 50 events each; returns the first seq of each cycle. */
    private long[] fill(Journal journal) {
        long[] firsts = new long[10];
        for (int cycle = 0; cycle < 10; cycle++) {
            for (int i = 0; i < 50; i++) {
                long seq = journal.append(new ManagerStarted(cycle, i));
                if (i == 0) firsts[cycle] = seq;
            }
            clock.advance(Duration.ofSeconds(1));
        }
        return firsts;
    }

    private JournalOptions options(Retention events) {
        return JournalOptions.defaults(dir.resolve("journal"), Origin.SVMGR).withClock(clock).withCycle(CyclePeriod.SECONDLY)
                .withRetention(events, Retention.LOGS_DEFAULT);
    }

    private List<Path> cycleFiles() throws Exception {
        try (var files = Files.list(dir.resolve("journal/events"))) {
            return files.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    @Test
    void oldestFilesGoFirstUntilTheStreamFitsItsSize() throws Exception {
        try (Journal journal = Journal.open(options(new Retention(Long.MAX_VALUE, Optional.empty())))) {
            fill(journal);
            List<Path> before = cycleFiles();
            assertEquals(10, before.size());
            long oneFile = Files.size(before.getFirst());
            // Room for four files: the six oldest go.
            try (Journal limited = Journal.open(options(new Retention(4 * oneFile, Optional.empty())))) {
                List<RetentionSweep.Deleted> deleted = limited.enforceRetention(-1);
                assertEquals(before.subList(0, 6), deleted.stream().filter(d -> d.stream() == Stream.EVENTS).map(RetentionSweep.Deleted::file).toList());
                // Kept: the four newest, and the file of now, where the deletions were recorded.
                List<Path> after = cycleFiles();
                assertEquals(before.subList(6, 10), after.subList(0, 4));
                assertEquals(5, after.size());
                // What is left is read from its start, and the deletions are events.
                List<Recorded> left = JournalTest.readAll(limited.reader(Stream.EVENTS));
                assertEquals(new ManagerStarted(6, 0), left.getFirst().event());
                assertEquals(6, left.stream().filter(r -> r.event() instanceof JournalPruned).count());
            }
        }
    }

    @Test
    void filesOlderThanTheAgeLimitGoButNeverTheNewest() throws Exception {
        try (Journal journal = Journal.open(options(new Retention(Long.MAX_VALUE, Optional.of(Duration.ofSeconds(3)))))) {
            fill(journal);
            // Now is 10:00:10; cycles ending before 10:00:07 are older than 3 s: 10:00:00 to 10:00:05.
            List<RetentionSweep.Deleted> deleted = journal.enforceRetention(-1);
            assertEquals(6, deleted.size());
            assertEquals(4 + 1, cycleFiles().size(), "four young files, and the file the deletions were recorded in");
            Path newest = cycleFiles().getLast();
            clock.advance(Duration.ofHours(1));
            journal.enforceRetention(-1);
            List<Path> left = cycleFiles();
            assertEquals(2, left.size());
            assertEquals(newest, left.getFirst(), "the newest file stays, however old");
        }
    }

    @Test
    void theFilesTheNewestSnapshotNeedsAreKept() throws Exception {
        try (Journal journal = Journal.open(options(new Retention(1, Optional.empty())))) {
            long[] firsts = fill(journal);
            // A snapshot taken in the fourth cycle: its file and all after it stay, over any limit.
            List<RetentionSweep.Deleted> deleted = journal.enforceRetention(firsts[3] + 10);
            assertEquals(3, deleted.size());
            assertEquals(7 + 1, cycleFiles().size(), "the needed seven, and the file the deletions were recorded in");
            assertFalse(deleted.stream().anyMatch(d -> d.cycle() >= journal.stream(Stream.EVENTS).queue().rollCycle().toCycle(firsts[3])));
            JournalReader reader = journal.reader(Stream.EVENTS);
            assertTrue(reader.seek(firsts[3] + 10));
            assertEquals(new ManagerStarted(3, 10), reader.next().orElseThrow().event());
        }
    }

    @Test
    void aNamedReaderBehindRetentionIsToldWhatItMissed() throws Exception {
        try (Journal journal = Journal.open(options(new Retention(1, Optional.empty())))) {
            fill(journal);
            JournalReader early = journal.reader(Stream.EVENTS, "slow");
            early.next();
            early.commit();
            early.close();
            journal.enforceRetention(-1);
            List<String> told = new java.util.ArrayList<>();
            JournalReader resumed = new JournalReader(journal, journal.stream(Stream.EVENTS), Optional.of("slow"), new JournalListener() {
                @Override
                public void damaged(dynamod.journal.event.JournalEvent.JournalDamaged damage) {
                    told.add(damage.reason());
                }

                @Override
                public void unknownType(Stream stream, long seq, int typeId, int version) {}
            });
            assertEquals(new ManagerStarted(9, 0), resumed.next().orElseThrow().event());
            assertEquals(1, told.size());
            assertTrue(told.getFirst().contains("retention"), told.toString());
        }
    }
}
