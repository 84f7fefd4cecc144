package dynamod.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs on one journal: concurrent appends, a follower in another process, and writers killed with -9. */
class CrossProcessTest {

    @TempDir
    Path dir;

    @Test
    void twoWriterProcessesAndAFollowerSeeEveryEventOnceInEachWritersOrder() throws Exception {
        Path journalDir = dir.resolve("journal");
        int perWriter = 20_000;
        try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR))) {
            JournalReader follower = journal.reader(Stream.EVENTS);
            Process a = WriterProcess.start(journalDir, 1, perWriter, ProcessBuilder.Redirect.DISCARD);
            Process b = WriterProcess.start(journalDir, 2, perWriter, ProcessBuilder.Redirect.DISCARD);
            Map<Integer, List<Integer>> seen = new HashMap<>();
            List<Long> seqs = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (seqs.size() < 2 * perWriter && System.nanoTime() < deadline) {
                Optional<Recorded> next = follower.poll(Duration.ofMillis(200));
                if (next.isEmpty()) continue;
                ManagerStarted m = (ManagerStarted) next.get().event();
                seen.computeIfAbsent(m.generation(), k -> new ArrayList<>()).add(m.pid());
                seqs.add(next.get().seq());
            }
            WriterProcess.waitFor(a);
            WriterProcess.waitFor(b);
            assertEquals(0, a.exitValue());
            assertEquals(0, b.exitValue());
            List<Integer> expected = java.util.stream.IntStream.range(0, perWriter).boxed().toList();
            assertEquals(expected, seen.get(1), "writer 1, once each, in order");
            assertEquals(expected, seen.get(2), "writer 2, once each, in order");
            for (int i = 1; i < seqs.size(); i++) assertTrue(seqs.get(i) > seqs.get(i - 1), "seqs increase");
        }
    }

    /** Chronicle, JNA and jffi like to write into the home and temporary directories; a journal process must not. */
    @Test
    void aWriterProcessWritesNothingOutsideItsJournal() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(dynamod.journal.store.ChronicleRuntime.jvmFlags());
        command.addAll(List.of("-XX:-UsePerfData", "-Duser.home=" + home, "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                WriterProcess.class.getName(), dir.resolve("journal").toString(), "1", "1000"));
        Process writer = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        WriterProcess.waitFor(writer);
        assertEquals(0, writer.exitValue());
        try (var inHome = Files.list(home); var inTmp = Files.list(tmp)) {
            assertEquals(List.of(), inHome.toList(), "nothing in the home directory (no analytics ids, no JNA cache)");
            assertEquals(List.of(), inTmp.toList(), "nothing in the temporary directory (no native stubs)");
        }
    }

    /**
     * A writer killed with SIGKILL in the middle of its appends, 100 times: every append it acknowledged is there,
     * the seqs have no gap, and the next writer opens and appends normally (the next round is that writer).
     */
    @Test
    void aWriterKilledMidAppendLosesNothingItAcknowledged() throws Exception {
        Path journalDir = dir.resolve("journal");
        Random random = new Random(Long.getLong("dynamod.kill.seed", 9L));
        int rounds = Integer.getInteger("dynamod.kill.rounds", 100);
        Map<Integer, Integer> lastAcked = new HashMap<>();
        for (int round = 0; round < rounds; round++) {
            Process writer = WriterProcess.start(journalDir, round, -1);
            BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("open", out.readLine(), "round " + round + ": the writer opens the journal");
            int killAfter = 1 + random.nextInt(3_000);
            int acked = -1;
            String line;
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[0].equals("acked")) acked = Integer.parseInt(parts[1]);
                if (acked >= killAfter) break;
            }
            writer.toHandle().destroyForcibly(); // SIGKILL, in the middle of its loop; the handle leaves our pipe open
            writer.waitFor();
            // Lines it printed after we stopped reading were acknowledged too.
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[0].equals("acked")) acked = Integer.parseInt(parts[1]);
            }
            lastAcked.put(round, acked);
        }
        try (Journal journal = Journal.open(JournalOptions.defaults(journalDir, Origin.SVMGR))) {
            JournalReader reader = journal.reader(Stream.EVENTS, new JournalListener() {
                @Override
                public void damaged(dynamod.journal.event.JournalEvent.JournalDamaged damage) {
                    throw new AssertionError("a killed writer must not leave damage: " + damage);
                }

                @Override
                public void unknownType(Stream stream, long seq, int typeId, int version) {
                    throw new AssertionError("unknown type " + typeId);
                }
            });
            Map<Integer, List<Integer>> byRound = new HashMap<>();
            long previous = -1;
            for (Optional<Recorded> next = reader.next(); next.isPresent(); next = reader.next()) {
                Recorded r = next.get();
                if (previous >= 0 && (r.seq() >> 32) == (previous >> 32)) assertEquals(previous + 1, r.seq(), "no gap in seqs");
                previous = r.seq();
                ManagerStarted m = (ManagerStarted) r.event();
                byRound.computeIfAbsent(m.generation(), k -> new ArrayList<>()).add(m.pid());
            }
            for (int round = 0; round < rounds; round++) {
                List<Integer> written = byRound.getOrDefault(round, List.of());
                int acked = lastAcked.get(round);
                assertTrue(written.size() >= acked + 1, "round " + round + ": acknowledged " + (acked + 1) + ", found " + written.size());
                assertEquals(java.util.stream.IntStream.range(0, written.size()).boxed().toList(), written,
                        "round " + round + ": contiguous, once each");
            }
        }
    }
}
