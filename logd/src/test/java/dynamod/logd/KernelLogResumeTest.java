package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.logd.index.Indexer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a restarted kernel-log reader resumes: the current boot's last kernel line with a SEQ, from index and journal. */
class KernelLogResumeTest {

    private static final UUID EARLIER = new UUID(1, 1), CURRENT = new UUID(2, 2);

    @TempDir
    Path dir;

    private Journal open(UUID boot) throws Exception {
        return Journal.open(JournalOptions.defaults(dir.resolve("journal"), Origin.LOGD).withBootId(boot));
    }

    private static LogLine kernel(long seq) {
        return new LogLine("", LogStream.KERNEL, 6, 0, "kernel", ("record " + seq).getBytes(StandardCharsets.UTF_8), 0, seq);
    }

    @Test
    void theCurrentBootsLastKernelSeqFromTheIndexAndTheJournalAfterIt() throws Exception {
        try (Journal earlier = open(EARLIER)) {
            for (long s = 0; s < 50; s++) earlier.append(kernel(s)); // an earlier boot's seqs say nothing about this one
        }
        try (Journal journal = open(CURRENT); Indexer indexer = Indexer.open(journal, Indexer.directory(dir))) {
            assertEquals(-1, KernelLog.lastJournaledSeq(journal, indexer.index(), indexer.through()), "nothing of this boot yet");
            for (long s = 0; s < 5; s++) journal.append(kernel(s));
            // a gap notice (no SEQ) and a spool's line (its own offsets) are not kernel records
            journal.append(new LogLine("", LogStream.KERNEL, 4, 99, "dynamod-logd", "3 lost".getBytes(StandardCharsets.UTF_8), 0));
            journal.append(new LogLine("web", LogStream.STDOUT, 6, 7, "web", "hello".getBytes(StandardCharsets.UTF_8), 0, 1000));
            indexer.catchUp();
            assertEquals(4, KernelLog.lastJournaledSeq(journal, indexer.index(), indexer.through()), "from the index");
            journal.append(kernel(5));
            journal.append(kernel(6));
            assertEquals(6, KernelLog.lastJournaledSeq(journal, indexer.index(), indexer.through()), "and the journal after it");
            assertEquals(6, KernelLog.lastJournaledSeq(journal, indexer.index(), -1), "from the journal alone");
        }
    }
}
