package dynamod.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.ByteSource;
import dynamod.journal.codec.DecodeException;
import dynamod.journal.event.Event;
import dynamod.journal.snapshot.Reducer;
import dynamod.journal.snapshot.Replay;
import dynamod.journal.snapshot.SnapshotPolicy;
import dynamod.journal.snapshot.SnapshotStore;
import dynamod.journal.snapshot.StateCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot plus suffix equals a full replay, on random streams with random (and randomly broken) snapshots. */
class SnapshotTest {

    @TempDir
    Path dir;

    /** A state that depends on every event and their order: counts per event type and a running hash. */
    record State(TreeMap<String, Long> counts, long hash) {}

    static final Reducer<State> REDUCER = new Reducer<>() {
        @Override
        public State initial() {
            return new State(new TreeMap<>(), 17);
        }

        @Override
        public State apply(State state, Recorded event) {
            TreeMap<String, Long> counts = new TreeMap<>(state.counts());
            counts.merge(event.event().getClass().getSimpleName(), 1L, Long::sum);
            return new State(counts, state.hash() * 31 + event.event().hashCode() + event.seq());
        }
    };

    static final StateCodec<State> CODEC = new StateCodec<>() {
        @Override
        public int version() {
            return 1;
        }

        @Override
        public byte[] encode(State state) {
            ByteSink out = new ByteSink(64);
            out.i64(state.hash());
            out.varint(state.counts().size());
            state.counts().forEach((k, v) -> {
                out.string(k);
                out.varint(v);
            });
            return out.toByteArray();
        }

        @Override
        public State decode(byte[] bytes) throws DecodeException {
            ByteSource in = new ByteSource(bytes, 0, bytes.length);
            long hash = in.i64();
            int n = in.count(2);
            TreeMap<String, Long> counts = new TreeMap<>();
            for (int i = 0; i < n; i++) counts.put(in.string(), in.varint());
            return new State(counts, hash);
        }
    };

    @Test
    void snapshotAndSuffixReplayEqualsFullReplay() throws Exception {
        Random random = new Random(Long.getLong("dynamod.snapshot.seed", 42L));
        for (int trial = 0; trial < 60; trial++) {
            Path journalDir = dir.resolve("j" + trial);
            try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR).withSyncInterval(Duration.ZERO))) {
                SnapshotStore snapshots = journal.snapshots("state");
                int events = random.nextInt(400);
                for (int i = 0; i < events; i++) journal.append(eventsOnly(random));
                // Snapshots at random points of a replay, as the manager takes them while it runs.
                State state = REDUCER.initial();
                try (JournalReader reader = journal.reader(Stream.EVENTS)) {
                    for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
                        state = REDUCER.apply(state, next.get());
                        if (random.nextInt(40) == 0) snapshots.write(next.get().seq(), CODEC.version(), 0, CODEC.encode(state));
                    }
                }
                for (int i = random.nextInt(100); i > 0; i--) journal.append(eventsOnly(random));
                breakSome(snapshots, random);
                Replay.Result<State> full = Replay.full(journal, Stream.EVENTS, REDUCER);
                Replay.Result<State> fast = Replay.fromSnapshot(journal, Stream.EVENTS, REDUCER, CODEC, snapshots);
                assertEquals(full.state(), fast.state(), "trial " + trial);
                assertEquals(full.lastSeq(), fast.lastSeq(), "trial " + trial);
                if (fast.snapshotSeq().isPresent()) {
                    assertTrue(fast.eventsApplied() <= full.eventsApplied(), "a snapshot saves work");
                }
            }
        }
    }

    @Test
    void snapshotsOfAnotherJournalOrAnotherStateVersionAreNotUsed() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (Journal journalA = Journal.open(JournalOptions.defaults(a, Origin.SVMGR)); Journal journalB = Journal.open(JournalOptions.defaults(b, Origin.SVMGR))) {
            for (int i = 0; i < 10; i++) {
                journalA.append(new dynamod.journal.event.SystemEvent.ManagerStarted(i, 1));
                journalB.append(new dynamod.journal.event.SystemEvent.ManagerStarted(i, 2));
            }
            Replay.Result<State> fullA = Replay.full(journalA, Stream.EVENTS, REDUCER);
            journalA.snapshots("state").write(fullA.lastSeq(), 1, 0, CODEC.encode(fullA.state()));
            assertEquals(OptionalLong.of(fullA.lastSeq()),
                    Replay.fromSnapshot(journalA, Stream.EVENTS, REDUCER, CODEC, journalA.snapshots("state")).snapshotSeq());
            // The same file in journal b: another journal id, so b replays in full.
            Files.createDirectories(b.resolve("snapshots"));
            for (Path file : journalA.snapshots("state").files()) Files.copy(file, b.resolve("snapshots").resolve(file.getFileName()));
            assertEquals(OptionalLong.empty(), Replay.fromSnapshot(journalB, Stream.EVENTS, REDUCER, CODEC, journalB.snapshots("state")).snapshotSeq());
            // A state codec of another version does not read version 1 snapshots.
            StateCodec<State> v2 = new StateCodec<>() {
                public int version() {
                    return 2;
                }

                public byte[] encode(State state) {
                    return CODEC.encode(state);
                }

                public State decode(byte[] bytes) throws DecodeException {
                    return CODEC.decode(bytes);
                }
            };
            assertEquals(OptionalLong.empty(), Replay.fromSnapshot(journalA, Stream.EVENTS, REDUCER, v2, journalA.snapshots("state")).snapshotSeq());
        }
    }

    @Test
    void onlyTheNewestThreeSnapshotsAreKept() throws Exception {
        try (Journal journal = Journal.open(JournalOptions.defaults(dir.resolve("keep"), Origin.SVMGR))) {
            SnapshotStore snapshots = journal.snapshots("state");
            for (long seq = 1; seq <= 5; seq++) snapshots.write(seq, 1, 0, new byte[] {(byte) seq});
            assertEquals(java.util.List.of(5L, 4L, 3L), snapshots.valid(1).stream().map(SnapshotStore.Snapshot::seq).toList());
            assertEquals(3, snapshots.files().size());
        }
    }

    @Test
    void thePolicySaysWhenAnotherSnapshotIsDue() {
        SnapshotPolicy policy = new SnapshotPolicy(1000, Duration.ofMinutes(5));
        assertTrue(policy.due(1000, Duration.ofSeconds(1)));
        assertTrue(policy.due(1, Duration.ofMinutes(5)));
        assertTrue(!policy.due(999, Duration.ofMinutes(4)));
        assertTrue(!policy.due(0, Duration.ofHours(1)), "nothing new, nothing to snapshot");
    }

    private static Event eventsOnly(Random random) {
        Event event;
        do event = SampleEvents.random(random);
        while (Stream.of(event) != Stream.EVENTS);
        return event;
    }

    /** Flips a byte, truncates, or leaves alone each snapshot file; or points one past the journal's end. */
    private static void breakSome(SnapshotStore snapshots, Random random) throws IOException {
        for (Path file : snapshots.files()) {
            switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] bytes = Files.readAllBytes(file);
                    if (bytes.length > 0) bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                    Files.write(file, bytes);
                }
                case 1 -> {
                    byte[] bytes = Files.readAllBytes(file);
                    Files.write(file, java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)));
                }
                default -> {}
            }
        }
        if (random.nextInt(5) == 0) snapshots.write(Long.MAX_VALUE - 1, CODEC.version(), 0, CODEC.encode(REDUCER.initial()));
    }

    static Map<String, Long> countsOf(State state) {
        return state.counts();
    }
}
