package dynamod.logd.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalListener;
import dynamod.journal.JournalReader;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexerTest {

    @TempDir
    Path tmp;

    static long entries(LogIndex index) throws Exception {
        long n = 0;
        for (LogIndex.BootIndex b : index.boots()) n += LogIndex.postings(b.directory().resolve("all"), Long.MIN_VALUE, Long.MAX_VALUE).length;
        return n;
    }

    static long[] allSeqs(LogIndex index) throws Exception {
        List<long[]> parts = new ArrayList<>();
        for (LogIndex.BootIndex b : index.boots()) parts.add(LogIndex.postings(b.directory().resolve("all"), Long.MIN_VALUE, Long.MAX_VALUE));
        return IndexedLogs.union(parts);
    }

    @Test
    void resumesFromItsPositionWithoutARescan() throws Exception {
        Path dir = tmp.resolve("journal"), idx = tmp.resolve("logd/index");
        TestJournals.Clock clock = new TestJournals.Clock();
        UUID boot = TestJournals.boot(1);
        Random random = new Random(1);
        try (Journal j = TestJournals.open(dir, clock, boot)) {
            TestJournals.append(j, clock, random, 10_000, 50);
            try (Indexer indexer = Indexer.open(j, idx)) {
                assertEquals(10_000, indexer.catchUp());
                assertEquals(10_000, indexer.read());
                assertEquals(10_000, entries(indexer.index()));
            }
            TestJournals.append(j, clock, random, 100, 50);
            try (Indexer indexer = Indexer.open(j, idx)) {
                assertEquals(100, indexer.catchUp());
                assertEquals(100, indexer.read(), "the restart read only what was new");
                assertEquals(10_100, entries(indexer.index()));
                assertArrayEquals(journalSeqs(j), allSeqs(indexer.index()));
            }
        }
    }

    @Test
    void aRemovedIndexIsBuiltAgainFromTheStart() throws Exception {
        Path dir = tmp.resolve("journal"), idx = tmp.resolve("logd/index");
        TestJournals.Clock clock = new TestJournals.Clock();
        try (Journal j = TestJournals.open(dir, clock, TestJournals.boot(1))) {
            TestJournals.append(j, clock, new Random(3), 1_000, 10);
            try (Indexer indexer = Indexer.open(j, idx)) {
                indexer.catchUp();
            }
            try (var files = Files.walk(idx)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
            }
            try (Indexer indexer = Indexer.open(j, idx)) {
                indexer.catchUp();
                assertEquals(1_000, indexer.read());
                assertArrayEquals(journalSeqs(j), allSeqs(indexer.index()));
            }
        }
    }

    @Test
    void anIndexAheadOfItsPositionIsCutBackAndNothingIsTwiceInIt() throws Exception {
        Path dir = tmp.resolve("journal"), idx = tmp.resolve("logd/index");
        TestJournals.Clock clock = new TestJournals.Clock();
        Random random = new Random(2);
        try (Journal j = TestJournals.open(dir, clock, TestJournals.boot(1))) {
            TestJournals.append(j, clock, random, 3_000, 20);
            try (Indexer indexer = Indexer.open(j, idx)) {
                indexer.catchUp();
            }
            long[] seqs = journalSeqs(j);
            // A crash after the index files were written but before the position was: the position is older.
            Files.writeString(dir.resolve("positions").resolve(Stream.LOGS.directory() + "." + Indexer.POSITION), seqs[1_999] + "\n");
            // ... and a torn last long in one file.
            Path web = idx.resolve(dynamod.logd.query.Cursor.Ids.hex(TestJournals.boot(1))).resolve("all");
            Files.write(web, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
            try (Indexer indexer = Indexer.open(j, idx)) {
                assertEquals(2_000, entries(indexer.index()), "cut back to the position");
                indexer.catchUp();
                assertEquals(1_000, indexer.read());
                assertArrayEquals(seqs, allSeqs(indexer.index()));
                for (LogIndex.BootIndex b : indexer.index().boots()) {
                    try (var files = Files.list(b.directory())) {
                        for (Path f : files.toList()) {
                            String name = f.getFileName().toString();
                            if (name.equals("clock-went-back") || name.equals("msg")) continue;
                            if (name.equals("msg-at")) {
                                assertMessageStore(j, b, seqs);
                                continue;
                            }
                            long[] v = LogIndex.postings(f, Long.MIN_VALUE, Long.MAX_VALUE);
                            if (f.getFileName().toString().equals("time")) continue;
                            for (int i = 1; i < v.length; i++) assertTrue(v[i - 1] < v[i], f + " ascending without duplicates");
                        }
                    }
                }
            }
        }
    }

    /** The message store has every entry once, in seq order, with the journal's message bytes, and no more bytes. */
    static void assertMessageStore(Journal j, LogIndex.BootIndex b, long[] seqs) throws Exception {
        long[] at = LogIndex.postings(b.directory().resolve("msg-at"), Long.MIN_VALUE, Long.MAX_VALUE); // (end, seq) pairs
        byte[] msg = Files.readAllBytes(b.directory().resolve("msg"));
        assertEquals(seqs.length * 2, at.length, "a msg-at record per entry");
        assertEquals(at[at.length - 2], msg.length, "msg cut to the last record");
        List<byte[]> messages = new ArrayList<>();
        try (JournalReader r = j.reader(Stream.LOGS, JournalListener.STDERR)) {
            for (Optional<Recorded> e = r.next(); e.isPresent(); e = r.next()) {
                dynamod.logd.query.LogEntry le = dynamod.logd.query.LogEntry.of(e.get(), j.journalId());
                if (le != null) messages.add(le.message());
            }
        }
        long start = 0;
        for (int i = 0; i < seqs.length; i++) {
            assertEquals(seqs[i], at[2 * i + 1], "msg-at seq " + i);
            assertArrayEquals(messages.get(i), java.util.Arrays.copyOfRange(msg, (int) start, (int) at[2 * i]), "message " + i);
            start = at[2 * i];
        }
    }

    static long[] journalSeqs(Journal j) {
        List<Long> out = new ArrayList<>();
        try (JournalReader r = j.reader(Stream.LOGS, JournalListener.STDERR)) {
            for (Optional<Recorded> e = r.next(); e.isPresent(); e = r.next()) out.add(e.get().seq());
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @SuppressWarnings("unused")
    private static boolean isLine(Recorded r) {
        return r.event() instanceof LogLine;
    }
}
