package dynamod.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dynamod.journal.event.Event;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 damaged journals: a cycle file truncated, a region zeroed, or bits flipped, at random places. Reading never
 * throws, never hangs, never returns an event that was not written (or at another seq), and reports damage when
 * events were lost; afterwards a new writer appends normally and its events are read.
 */
class DamageTest {

    private static final int CASES = 1_000;
    private static final int EVENTS = 200;

    @TempDir
    Path dir;

    record Outcome(String kind, int read, int reports, int lostReported) {}

    @Test
    void damagedJournalsAreReadToTheEndAndStayWritable() throws Exception {
        long seed = Long.getLong("dynamod.damage.seed", 1201L);
        Random random = new Random(seed);
        Path pristine = dir.resolve("pristine");
        Map<Long, Event> written = write(pristine);
        Path cycleFile = cycleFile(pristine);
        long dataEnd = dataEnd(cycleFile);
        Map<String, Integer> outcomes = new TreeMap<>();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        try {
            for (int round = 0; round < CASES; round++) {
                Path copy = dir.resolve("case");
                deleteTree(copy);
                copyTree(pristine, copy);
                String damage = damage(cycleFile(copy), dataEnd, random);
                Future<Outcome> future = executor.submit(() -> check(copy, written, damage));
                Outcome outcome;
                try {
                    outcome = future.get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    future.cancel(true);
                    fail("seed " + seed + " round " + round + ": reading hung after " + damage);
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (Boolean.getBoolean("dynamod.damage.survey")) {
                        String where = java.util.Arrays.stream(e.getCause().getStackTrace()).filter(f -> f.getClassName().startsWith("dynamod"))
                                .findFirst().map(f -> f.getMethodName() + ":" + f.getLineNumber()).orElse("?");
                        outcomes.merge("FAIL " + e.getCause().getClass().getSimpleName() + " at " + where + " round " + round + " " + damage, 1, Integer::sum);
                        continue;
                    }
                    fail("seed " + seed + " round " + round + " (" + damage + "): " + e.getCause(), e.getCause());
                    return;
                }
                String key = outcome.kind() + (outcome.read() == EVENTS ? " intact" : outcome.reports() > 0 ? " lost some, reported" : " lost some");
                outcomes.merge(key, 1, Integer::sum);
            }
        } finally {
            executor.shutdownNow();
        }
        System.out.println("damage outcomes: " + outcomes);
    }

    @Test
    void damageIsRecordedOnceAsAnEventHoweverManyReadersFindIt() throws Exception {
        Path journalDir = dir.resolve("once");
        long lastWritten = java.util.Collections.max(write(journalDir).keySet());
        Path file = cycleFile(journalDir);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long dataStart = dynamod.journal.store.Salvage.next(file, 0).orElseThrow().offset();
            channel.write(ByteBuffer.allocate(200), (dataStart + dataEnd(file)) / 2); // in the middle of the events
        }
        for (int opening = 0; opening < 3; opening++) {
            try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR))) {
                for (int reader = 0; reader < 2; reader++) JournalTest.readAll(journal.reader(Stream.EVENTS));
            }
        }
        try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR).readingOnly())) {
            List<Recorded> all = JournalTest.readAll(journal.reader(Stream.EVENTS, new JournalListener() {
                public void damaged(JournalDamaged damage) {}

                public void unknownType(Stream stream, long seq, int typeId, int version) {}
            }));
            // The sample events include JournalDamaged ones of their own: count what came after them.
            List<Recorded> reports = all.stream().filter(r -> r.seq() > lastWritten && r.event() instanceof JournalDamaged).toList();
            assertEquals(1, reports.size(), "one region, one event: " + reports);
            JournalDamaged damage = (JournalDamaged) reports.getFirst().event();
            assertEquals("events", damage.queue());
            assertTrue(damage.afterSeq() >= 0 && damage.resumedSeq() > damage.afterSeq(), damage.toString());
        }
    }

    /**
     * Seed 1201, round 979 ("truncate at 33030"), made deterministic: the file cut inside its index, before the first
     * event. Chronicle's lastIndex() then says -1, as for an empty stream (its toEnd() fails on the index and winds to
     * the start), while a new writer appends at the header's write position behind the hole. The reader must report
     * the loss and scan past the hole to what was appended.
     */
    @Test
    void eventsAppendedAfterATruncationIntoTheIndexAreRead() throws Exception {
        Path journalDir = dir.resolve("index-truncated");
        JournalOptions options = JournalOptions.defaults(journalDir, Origin.SVMGR).withSyncInterval(java.time.Duration.ZERO);
        try (Journal journal = Journal.open(options)) {
            for (int i = 0; i < EVENTS; i++) journal.append(new ManagerStarted(i, 1));
        }
        Path file = cycleFile(journalDir);
        // Cut the file at the index entry that holds the first event's offset (33040 in the sampled case): what
        // is left ends inside Chronicle's first index, its entries lost, and no event survives.
        long firstEvent = dynamod.journal.store.Salvage.next(file, 0).orElseThrow().offset();
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file), 0, (int) firstEvent).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long entry = -1;
        for (int at = 0; at + 8 <= firstEvent && entry < 0; at += 8) if (head.getLong(at) == firstEvent) entry = at;
        assertTrue(entry > 0, "the index entry of the first event, at " + firstEvent);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(entry);
        }
        List<JournalDamaged> reports = new ArrayList<>();
        JournalListener listener = new JournalListener() {
            @Override
            public void damaged(JournalDamaged d) {
                reports.add(d);
            }

            @Override
            public void unknownType(Stream stream, long seq, int typeId, int version) {
                throw new AssertionError("unknown type at " + seq + ": " + typeId);
            }
        };
        try (Journal journal = Journal.open(options)) {
            assertEquals(List.of(), JournalTest.readAll(journal.reader(Stream.EVENTS, listener)), "every event was cut off");
            assertTrue(!reports.isEmpty(), "the loss of " + EVENTS + " events is reported");
            List<Long> appended = new ArrayList<>();
            for (int i = 0; i < 5; i++) appended.add(journal.append(new ManagerStarted(10_000 + i, 1)));
            List<Recorded> read = JournalTest.readAll(journal.reader(Stream.EVENTS, listener));
            assertEquals(appended, read.stream().map(Recorded::seq).toList(), "events appended after the damage are readable");
            for (int i = 0; i < 5; i++) assertEquals(new ManagerStarted(10_000 + i, 1), read.get(i).event());
        }
    }

    static Map<Long, Event> write(Path directory) throws IOException {
        Map<Long, Event> written = new HashMap<>();
        Random random = new Random(3);
        try (Journal journal = Journal.open(JournalOptions.defaults(directory, Origin.SVMGR).withSyncInterval(java.time.Duration.ZERO))) {
            for (int i = 0; i < EVENTS; i++) {
                Event event = SampleEvents.random(random);
                while (Stream.of(event) != Stream.EVENTS) event = SampleEvents.random(random);
                written.put(journal.append(event), event);
            }
        }
        return written;
    }

    private static Outcome check(Path directory, Map<Long, Event> written, String damage) throws IOException {
        List<JournalDamaged> reports = new ArrayList<>();
        JournalListener listener = new JournalListener() {
            @Override
            public void damaged(JournalDamaged d) {
                reports.add(d);
            }

            @Override
            public void unknownType(Stream stream, long seq, int typeId, int version) {
                throw new AssertionError("a damaged frame was taken for a good one of an unknown type: " + seq + " " + typeId);
            }
        };
        int read = 0;
        try (Journal journal = Journal.open(JournalOptions.defaults(directory, Origin.SVMGR).withSyncInterval(java.time.Duration.ZERO))) {
            JournalReader reader = journal.reader(Stream.EVENTS, listener);
            for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
                Recorded r = next.get();
                assertEquals(written.get(r.seq()), r.event(), damage + ": a returned event must be the one written at its seq");
                read++;
            }
            assertTrue(read <= EVENTS, damage);
            // The next writer opens normally, and what it appends is read, damage or not.
            List<Long> appended = new ArrayList<>();
            for (int i = 0; i < 5; i++) appended.add(journal.append(new ManagerStarted(10_000 + i, 1)));
            JournalReader after = journal.reader(Stream.EVENTS, listener);
            List<Long> seen = new ArrayList<>();
            for (Optional<Recorded> next = after.next(); next.isPresent(); next = after.next()) {
                // By seq: the random sample events written before may include a ManagerStarted that looks the same.
                if (appended.contains(next.get().seq())) {
                    assertEquals(new ManagerStarted(10_000 + seen.size(), 1), next.get().event(), damage);
                    seen.add(next.get().seq());
                }
            }
            assertEquals(appended, seen, damage + ": events appended after the damage are readable");
        }
        return new Outcome(damage.split(" ")[0], read, reports.size(), 0);
    }

    static String damage(Path file, long dataEnd, Random random) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            switch (random.nextInt(3)) {
                case 0 -> {
                    long at = random.nextLong(dataEnd);
                    channel.truncate(at);
                    return "truncate at " + at;
                }
                case 1 -> {
                    long at = random.nextLong(dataEnd);
                    int length = 1 + random.nextInt(random.nextBoolean() ? 64 : 8192);
                    channel.write(ByteBuffer.allocate(length), at);
                    return "zero " + length + " bytes at " + at;
                }
                default -> {
                    int flips = 1 + random.nextInt(8);
                    StringBuilder where = new StringBuilder("flip " + flips + " bits at");
                    for (int i = 0; i < flips; i++) {
                        long at = random.nextLong(dataEnd);
                        ByteBuffer b = ByteBuffer.allocate(1);
                        channel.read(b, at);
                        b.put(0, (byte) (b.get(0) ^ (1 << random.nextInt(8))));
                        b.rewind();
                        channel.write(b, at);
                        where.append(' ').append(at);
                    }
                    return where.toString();
                }
            }
        }
    }

    static Path cycleFile(Path journal) throws IOException {
        try (var files = Files.list(journal.resolve("events"))) {
            return files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
    }

    /** Where the written bytes end: damage beyond that only hits preallocated zeros. */
    static long dataEnd(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) end--;
        return end;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) Files.createDirectories(target);
                else Files.copy(path, target);
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }
}
