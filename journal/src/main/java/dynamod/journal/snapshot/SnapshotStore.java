package dynamod.journal.snapshot;

import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.ByteSource;
import dynamod.journal.codec.DecodeException;
import dynamod.journal.store.FileSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Snapshots of reduced state, each tied to the event it includes ({@code seq}) and to this journal's identity.
 * Written atomically and durably; a snapshot whose checksum, journal or state version does not match is ignored,
 * so an older snapshot (or a full replay) is used instead and the result never differs.
 *
 * <pre>
 * "DMS1" · format version (1) · state version (i32) · journal id (16) · seq (i64) · taken at, ns (i64)
 *        · state length (i32) · CRC-32C of all of the above and the state (i32) · state bytes
 * </pre>
 */
public final class SnapshotStore {

    private static final int MAGIC = 0x31534d44;
    private static final int KEEP = 3;

    private final Path directory;
    private final String name;
    private final UUID journalId;
    private final FileSecurity security;

    public SnapshotStore(Path directory, String name, UUID journalId, FileSecurity security) {
        this.directory = directory;
        this.name = name;
        this.journalId = journalId;
        this.security = security;
    }

    /** A valid snapshot: the state after applying every event up to and including {@code seq}. */
    public record Snapshot(long seq, int stateVersion, long takenNanos, byte[] state, Path file) {}

    /** Stores a snapshot and keeps only the newest few. */
    public Path write(long seq, int stateVersion, long takenNanos, byte[] state) throws IOException {
        security.directory(directory);
        ByteSink out = new ByteSink(64 + state.length);
        out.i32(MAGIC);
        out.u8(1);
        out.i32(stateVersion);
        out.i64(journalId.getMostSignificantBits());
        out.i64(journalId.getLeastSignificantBits());
        out.i64(seq);
        out.i64(takenNanos);
        out.i32(state.length);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        crc.update(state);
        out.i32((int) crc.getValue());
        out.raw(state, 0, state.length);
        Path file = directory.resolve(String.format("%s-%016x.snap", name, seq));
        security.writeAtomically(file, out.toByteArray(), true);
        prune();
        return file;
    }

    /** The newest snapshot that is valid for this journal and state version. */
    public Optional<Snapshot> newest(int stateVersion) {
        return valid(stateVersion).stream().findFirst();
    }

    /** Every valid snapshot for this journal and state version, newest first. */
    public List<Snapshot> valid(int stateVersion) {
        List<Snapshot> valid = new ArrayList<>();
        for (Path file : files()) read(file, stateVersion).ifPresent(valid::add);
        return valid;
    }

    /** Snapshot files, newest first. */
    public List<Path> files() {
        if (!Files.isDirectory(directory)) return List.of();
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(name + "-") && p.getFileName().toString().endsWith(".snap"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Optional<Snapshot> read(Path file, int stateVersion) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteSource in = new ByteSource(bytes, 0, bytes.length);
            if (in.i32() != MAGIC || in.u8() != 1) return Optional.empty();
            int version = in.i32();
            UUID journal = new UUID(in.i64(), in.i64());
            long seq = in.i64();
            long taken = in.i64();
            int length = in.i32();
            int headerEnd = in.position();
            int crc = in.i32();
            if (length < 0 || length != in.remaining()) return Optional.empty();
            CRC32C check = new CRC32C();
            check.update(bytes, 0, headerEnd);
            check.update(bytes, in.position(), length);
            if ((int) check.getValue() != crc || version != stateVersion || !journal.equals(journalId)) return Optional.empty();
            byte[] state = new byte[length];
            System.arraycopy(bytes, in.position(), state, 0, length);
            return Optional.of(new Snapshot(seq, version, taken, state, file));
        } catch (IOException | DecodeException e) {
            return Optional.empty();
        }
    }

    private void prune() throws IOException {
        List<Path> all = new ArrayList<>(files());
        for (int i = KEEP; i < all.size(); i++) Files.deleteIfExists(all.get(i));
    }
}
