package dynamod.journal.snapshot;

import dynamod.journal.Journal;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.codec.DecodeException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rebuilds state from the journal: the newest valid snapshot, then every event after it. Falls back to older
 * snapshots, and finally to a full replay, whenever a snapshot cannot be used, so it always equals a full replay.
 */
public final class Replay {

    private Replay() {}

    /**
     * @param snapshotSeq the seq of the snapshot used, or empty for a full replay
     * @param lastSeq the seq of the last event applied (or of the snapshot), -1 if none
     */
    public record Result<S>(S state, long lastSeq, long eventsApplied, OptionalLong snapshotSeq, long nanos) {}

    /** A full replay of a stream. */
    public static <S> Result<S> full(Journal journal, Stream stream, Reducer<S> reducer) {
        long start = System.nanoTime();
        try (JournalReader reader = journal.reader(stream)) {
            return apply(reader, reducer, reducer.initial(), -1, OptionalLong.empty(), start);
        }
    }

    /** The newest usable snapshot plus the events after it. */
    public static <S> Result<S> fromSnapshot(Journal journal, Stream stream, Reducer<S> reducer, StateCodec<S> codec,
            SnapshotStore snapshots) {
        long start = System.nanoTime();
        for (SnapshotStore.Snapshot snapshot : snapshots.valid(codec.version())) {
            S state;
            try {
                state = codec.decode(snapshot.state());
            } catch (DecodeException | RuntimeException e) {
                continue;
            }
            try (JournalReader reader = journal.reader(stream)) {
                long seq = snapshot.seq();
                // The snapshot's own event must still be there, or events after it may be missing too.
                if (!reader.seek(seq) || reader.next().filter(r -> r.seq() == seq).isEmpty()) continue;
                return apply(reader, reducer, state, seq, OptionalLong.of(seq), start);
            }
        }
        return full(journal, stream, reducer);
    }

    private static <S> Result<S> apply(JournalReader reader, Reducer<S> reducer, S state, long lastSeq, OptionalLong snapshot,
            long start) {
        long applied = 0;
        for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
            state = reducer.apply(state, next.get());
            lastSeq = next.get().seq();
            applied++;
        }
        return new Result<>(state, lastSeq, applied, snapshot, System.nanoTime() - start);
    }
}
