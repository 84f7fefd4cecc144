package dynamod.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.Event;
import dynamod.journal.event.EventTypes;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path dir;

    private JournalOptions options() {
        return JournalOptions.defaults(dir.resolve("journal"), Origin.SVMGR);
    }

    static List<Recorded> readAll(JournalReader reader) {
        List<Recorded> all = new ArrayList<>();
        for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) all.add(next.get());
        return all;
    }

    @Test
    void aReadOnlyJournalWithOnlyLogsListsItsBoots() throws Exception {
        try (Journal journal = Journal.open(options())) {
            journal.append(new dynamod.journal.event.LogEvent.LogLine("web", dynamod.journal.event.LogStream.STDOUT, 6, 1, "web",
                    "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0));
        }
        try (Journal reading = Journal.open(options().readingOnly())) {
            List<Boot> boots = reading.boots();
            assertEquals(1, boots.size(), "the logs stream's boot, without an events stream to open");
            assertTrue(boots.getFirst().firstSeq(Stream.LOGS).isPresent());
        }
    }

    @Test
    void anEventCanCarryTheMonotonicTimeItWasDecidedAt() throws Exception {
        Event event = new dynamod.journal.event.ServiceEvent.ServiceTargetSet("web", true, "loaded");
        try (Journal journal = Journal.open(options())) {
            journal.append(event, 123_456_789L);
            Recorded recorded = readAll(journal.reader(Stream.EVENTS)).getFirst();
            assertEquals(123_456_789L, recorded.monotonicNanos());
            assertEquals(event, recorded.event());
            assertEquals(Origin.SVMGR, recorded.origin());
        }
    }

    @Test
    void appendedEventsAreReadBackInOrderWithTheirEnvelope() throws Exception {
        Random random = new Random(5);
        List<Event> written = new ArrayList<>();
        try (Journal journal = Journal.open(options())) {
            for (int i = 0; i < 500; i++) {
                Event event = SampleEvents.random(random);
                written.add(event);
                if (i % 7 == 0) journal.appendDurable(event);
                else journal.append(event);
            }
        }
        try (Journal journal = Journal.open(options())) {
            List<Recorded> events = readAll(journal.reader(Stream.EVENTS));
            List<Recorded> logs = readAll(journal.reader(Stream.LOGS));
            assertEquals(written.stream().filter(e -> Stream.of(e) == Stream.EVENTS).toList(), events.stream().map(Recorded::event).toList());
            assertEquals(written.stream().filter(e -> Stream.of(e) == Stream.LOGS).toList(), logs.stream().map(Recorded::event).toList());
            List<Recorded> all = new ArrayList<>(events);
            all.addAll(logs);
            all.sort(java.util.Comparator.comparingLong(Recorded::monotonicNanos));
            for (Recorded r : all) {
                assertEquals(JournalOptions.currentBootId(), r.bootId());
                assertEquals(Origin.SVMGR, r.origin());
                assertEquals(ProcessHandle.current().pid(), r.originPid());
            }
            for (int i = 1; i < events.size(); i++) {
                assertTrue(events.get(i).seq() > events.get(i - 1).seq(), "seq increases");
                assertTrue(events.get(i).monotonicNanos() >= events.get(i - 1).monotonicNanos(), "time follows seq");
            }
            // Each stream numbers its own events.
            assertEquals(events.size(), events.stream().map(Recorded::seq).distinct().count());
            assertEquals(logs.size(), logs.stream().map(Recorded::seq).distinct().count());
        }
    }

    @Test
    void appendsFromManyThreadsAreAllThereOnceEach() throws Exception {
        try (Journal journal = Journal.open(options())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 2_000; i++) journal.append(new ManagerStarted(thread, i));
                }));
            }
            for (Thread t : threads) t.join();
            List<Recorded> all = readAll(journal.reader(Stream.EVENTS));
            assertEquals(8_000, all.size());
            for (int t = 0; t < 4; t++) {
                int thread = t;
                List<Integer> order = all.stream().map(r -> (ManagerStarted) r.event()).filter(m -> m.generation() == thread)
                        .map(ManagerStarted::pid).toList();
                assertEquals(java.util.stream.IntStream.range(0, 2_000).boxed().toList(), order, "per-thread order is kept");
            }
        }
    }

    @Test
    void aNamedReaderResumesAfterWhatItCommitted() throws Exception {
        try (Journal journal = Journal.open(options())) {
            for (int i = 0; i < 10; i++) journal.append(new ManagerStarted(i, 1));
            JournalReader reader = journal.reader(Stream.EVENTS, "indexer");
            for (int i = 0; i < 4; i++) reader.next();
            reader.commit();
            reader.next(); // read, not committed: seen again after a restart
            reader.close();
        }
        try (Journal journal = Journal.open(options())) {
            JournalReader reader = journal.reader(Stream.EVENTS, "indexer");
            assertEquals(List.of(4, 5, 6, 7, 8, 9), readAll(reader).stream().map(r -> ((ManagerStarted) r.event()).generation()).toList());
            JournalReader other = journal.reader(Stream.EVENTS, "other");
            assertEquals(10, readAll(other).size(), "each name has its own position");
            assertThrows(IllegalArgumentException.class, () -> journal.reader(Stream.EVENTS, "../x"));
        }
    }

    @Test
    void followingSeesEventsAsTheyAreAppended() throws Exception {
        try (Journal journal = Journal.open(options())) {
            List<Recorded> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread follower = Thread.ofPlatform().start(() -> journal.reader(Stream.LOGS).follow(seen::add, running::get));
            for (int i = 0; i < 100; i++) {
                journal.append(new LogLine("web", LogStream.STDOUT, 6, 1, "web", ("line " + i).getBytes(), 0));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 100);
            running.set(false);
            follower.join();
            assertEquals("line 99", new String(((LogLine) seen.get(99).event()).message()));
        }
    }

    @Test
    void seekBySeqAndByTime() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
        List<Long> seqs = new ArrayList<>();
        try (Journal journal = Journal.open(options().withClock(clock))) {
            for (int i = 0; i < 100; i++) {
                seqs.add(journal.append(new ManagerStarted(i, 1)));
                clock.advance(Duration.ofSeconds(1));
            }
            JournalReader reader = journal.reader(Stream.EVENTS);
            assertTrue(reader.seek(seqs.get(40)));
            assertEquals(40, ((ManagerStarted) reader.next().orElseThrow().event()).generation());
            reader.seek(Instant.parse("2026-12-01T10:01:10.5Z"));
            assertEquals(71, ((ManagerStarted) reader.next().orElseThrow().event()).generation());
            reader.seek(Instant.parse("2026-12-01T09:00:00Z"));
            assertEquals(0, ((ManagerStarted) reader.next().orElseThrow().event()).generation());
            reader.seek(Instant.parse("2026-12-02T00:00:00Z"));
            assertEquals(Optional.empty(), reader.next());
        }
    }

    @Test
    void seqsKeepGrowingWhenTheWallClockJumpsBack() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T10:00:00Z"));
        try (Journal journal = Journal.open(options().withClock(clock))) {
            long before = journal.append(new ManagerStarted(1, 1));
            clock.advance(Duration.ofDays(-2)); // a wrong RTC corrected, or the other way round
            long after = journal.append(new ManagerStarted(2, 1));
            assertTrue(after > before, "seq " + after + " after " + before);
            List<Recorded> all = readAll(journal.reader(Stream.EVENTS));
            assertEquals(List.of(new ManagerStarted(1, 1), new ManagerStarted(2, 1)), all.stream().map(Recorded::event).toList());
            assertEquals(Instant.parse("2026-12-01T10:00:00Z"), all.get(1).realtime(), "the event keeps the time it was recorded at");
        }
    }

    @Test
    void bootsAreListedWithTheirRangesAndCanBeRead() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
        List<UUID> boots = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        int[] counts = {30, 1, 200};
        for (int b = 0; b < boots.size(); b++) {
            try (Journal journal = Journal.open(options().withClock(clock).withBootId(boots.get(b)))) {
                for (int i = 0; i < counts[b]; i++) {
                    journal.append(new ManagerStarted(b, i));
                    if (i % 3 == 0) journal.append(new LogLine("x", LogStream.STDOUT, 6, i, "x", new byte[0], 0));
                    clock.advance(Duration.ofMillis(10));
                }
            }
            clock.advance(Duration.ofMinutes(5));
        }
        try (Journal journal = Journal.open(options().readingOnly())) {
            List<Boot> listed = journal.boots();
            assertEquals(boots, listed.stream().map(Boot::id).toList());
            JournalReader reader = journal.reader(Stream.EVENTS);
            assertTrue(reader.seek(listed.get(2)));
            Recorded first = reader.next().orElseThrow();
            assertEquals(boots.get(2), first.bootId());
            assertEquals(new ManagerStarted(2, 0), first.event());
            long inBoot1 = listed.get(1).lastSeq(Stream.EVENTS).getAsLong() - listed.get(1).firstSeq(Stream.EVENTS).getAsLong() + 1;
            assertEquals(1, inBoot1);
            assertTrue(listed.get(0).last().isBefore(listed.get(1).first()));
        }
    }

    @Test
    void onlyTheOwnerCanReadTheJournal() throws Exception {
        try (Journal journal = Journal.open(options())) {
            journal.appendDurable(new ManagerStarted(1, 1));
            journal.append(new LogLine("x", LogStream.STDOUT, 6, 1, "x", new byte[0], 0));
            journal.snapshots("svmgr").write(0, 1, 0, new byte[] {1});
            JournalReader reader = journal.reader(Stream.EVENTS, "p");
            reader.next();
            reader.commit();
        }
        try (var paths = Files.walk(dir.resolve("journal"))) {
            for (Path path : paths.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
                assertEquals(Files.isDirectory(path) ? "rwx------" : "rw-------", mode, path.toString());
            }
        }
    }

    @Test
    void aConfiguredGroupMayReadTheJournal() throws Exception {
        // A group this process belongs to: the group of a file it creates.
        Path probe = Files.createFile(dir.resolve("probe"));
        String group = Files.readAttributes(probe, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        try (Journal journal = Journal.open(options().withGroup(group))) {
            journal.appendDurable(new ManagerStarted(1, 1));
        }
        try (var paths = Files.walk(dir.resolve("journal"))) {
            for (Path path : paths.toList()) {
                var attributes = Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class);
                assertEquals(Files.isDirectory(path) ? "rwxr-x---" : "rw-r-----", PosixFilePermissions.toString(attributes.permissions()), path.toString());
                assertEquals(group, attributes.group().getName(), path.toString());
            }
        }
    }

    @Test
    void aReadOnlyJournalCannotAppendOrCreate() throws Exception {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Journal.open(options().readingOnly()));
        try (Journal journal = Journal.open(options())) {
            journal.append(new ManagerStarted(1, 1));
        }
        try (Journal journal = Journal.open(options().readingOnly())) {
            assertEquals(1, readAll(journal.reader(Stream.EVENTS)).size());
            assertThrows(IllegalStateException.class, () -> journal.append(new ManagerStarted(2, 2)));
        }
    }

    @Test
    void eventsOfAnUnknownTypeAreSkippedAndReportedOnce() throws Exception {
        try (Journal journal = Journal.open(options())) {
            journal.append(new ManagerStarted(1, 1));
            // What a newer dynamod writes: a type this one does not know, three times.
            var stream = journal.stream(Stream.EVENTS);
            var payload = new dynamod.journal.codec.ByteSink(16);
            dynamod.journal.codec.Frame.payload(new ManagerStarted(9, 9), payload);
            for (int i = 0; i < 3; i++) {
                stream.append(new EventTypes.Type(4000, 1, ManagerStarted.class), payload, envelope(), false);
            }
            journal.append(new ManagerStarted(2, 2));
            List<String> unknown = new ArrayList<>();
            JournalReader reader = journal.reader(Stream.EVENTS, new JournalListener() {
                @Override
                public void damaged(JournalDamaged damage) {
                    throw new AssertionError("not damage: " + damage);
                }

                @Override
                public void unknownType(Stream s, long seq, int typeId, int version) {
                    unknown.add(typeId + "/" + version);
                }
            });
            assertEquals(List.of(new ManagerStarted(1, 1), new ManagerStarted(2, 2)), readAll(reader).stream().map(Recorded::event).toList());
            assertEquals(List.of("4000/1"), unknown);
        }
    }

    static dynamod.journal.store.ChronicleStream.Envelope envelope() {
        return new dynamod.journal.store.ChronicleStream.Envelope() {
            public long realtimeNanos() {
                return 1;
            }

            public long monotonicNanos() {
                return 1;
            }

            public UUID bootId() {
                return UUID.randomUUID();
            }

            public Origin origin() {
                return Origin.TOOL;
            }

            public int pid() {
                return 1;
            }
        };
    }

    @Test
    void spawnedEventsRoundTripThroughTheQueue() throws Exception {
        try (Journal journal = Journal.open(options())) {
            long seq = journal.append(new ServiceSpawned("web", 4242, "/usr/sbin/nginx"));
            Recorded r = journal.reader(Stream.EVENTS).next().orElseThrow();
            assertEquals(seq, r.seq());
            assertEquals(new ServiceSpawned("web", 4242, "/usr/sbin/nginx"), r.event());
        }
    }
}
