package dynamod.logd;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.Posix;
import dynamod.logd.query.LogEntry;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogdClient;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dynamod-logd --kmsg /dev/kmsg} on this machine's kernel log (root only: writing to /dev/kmsg needs it):
 * a marker written there is journaled as a KERNEL line; logd killed with -9 and started again journals nothing of
 * this boot twice, and the query socket's {@code -k} finds the marker.
 */
class KernelLogTest {

    private static final Path KMSG = Path.of("/dev/kmsg");

    @TempDir
    Path dir;

    private Process startLogd(Path state, Path log) throws IOException {
        Path argfile = Path.of(System.getProperty("user.dir")).getParent().resolve("journal/src/main/resources/dynamod/journal/chronicle.jvmargs");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "@" + argfile, "-cp", System.getProperty("java.class.path"), "dynamod.logd.Main",
                "--state", state.toString(), "--kmsg", KMSG.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void writeKmsg(String record) throws IOException {
        try (FileOutputStream out = new FileOutputStream(KMSG.toFile())) {
            out.write(record.getBytes(StandardCharsets.UTF_8)); // one write(): one record
        }
    }

    private static List<LogLine> kernelLines(Journal journal) {
        List<LogLine> out = new ArrayList<>();
        for (LogLine l : RealClientsTest.lines(journal)) if (l.stream() == LogStream.KERNEL) out.add(l);
        return out;
    }

    private static long count(List<LogLine> lines, String message) {
        return lines.stream().filter(l -> RealClientsTest.text(l).equals(message)).count();
    }

    @Test
    void kernelRecordsAreJournaledOnceAcrossAKill() throws Exception {
        assumeTrue(Posix.getuid() == 0, "writing to /dev/kmsg needs root");
        assumeTrue(Files.isReadable(KMSG) && Files.isWritable(KMSG), "/dev/kmsg is not readable and writable here");
        Path state = dir.resolve("state");
        Path log1 = dir.resolve("logd1.out"), log2 = dir.resolve("logd2.out");
        String marker = "dynamod-test-" + UUID.randomUUID(), after = marker + "-after-restart";
        Process logd = startLogd(state, log1);
        Process second = null;
        try {
            await().atMost(60, SECONDS).until(() -> Files.readString(log1).contains("reading the kernel's log"));
            writeKmsg("<5>" + marker + "\n");
            try (Journal journal = Journal.open(JournalOptions.defaults(state.resolve("journal"), Origin.TOOL))) {
                await().atMost(30, SECONDS).until(() -> count(kernelLines(journal), marker) == 1);
                LogLine line = kernelLines(journal).stream().filter(l -> RealClientsTest.text(l).equals(marker)).findFirst().orElseThrow();
                assertEquals(5, line.priority());
                assertEquals(0, line.pid());
                assertTrue(line.sourceOffset() >= 0, "the kmsg SEQ is kept: " + line.sourceOffset());

                logd.destroyForcibly(); // SIGKILL
                assertTrue(logd.waitFor(30, SECONDS));
                second = startLogd(state, log2);
                Process running = second;
                await().atMost(60, SECONDS).until(() -> Files.readString(log2).contains("reading the kernel's log"));
                assertTrue(Files.readString(log2).contains("after record "), Files.readString(log2));
                writeKmsg("<5>" + after + "\n");
                await().atMost(30, SECONDS).until(() -> count(kernelLines(journal), after) == 1);

                List<LogLine> kernel = kernelLines(journal);
                assertEquals(1, count(kernel, marker), "the marker once after the restart");
                Map<Long, Integer> records = new HashMap<>();
                for (LogLine l : kernel) {
                    if (l.sourceOffset() >= 0 && (l.flags() & LogLine.SPLIT) == 0) records.merge(l.sourceOffset(), 1, Integer::sum);
                }
                records.values().removeIf(n -> n == 1);
                assertEquals(Map.of(), records, "kmsg SEQs journaled more than once");

                LogQuery dmesg = new LogQuery(List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                        LogQuery.ALL_PRIORITIES, Optional.empty(), Optional.empty(), false, LogQuery.Lines.ALL, false, false, true);
                List<LogEntry> found = new ArrayList<>();
                Optional<LogdClient> client = LogdClient.connect(state.resolve("run/logd.sock"));
                assertTrue(client.isPresent(), "logd answers queries");
                try (LogdClient c = client.get()) {
                    c.run(dmesg, e -> {
                        if (new String(e.message(), StandardCharsets.UTF_8).equals(marker)) found.add(e);
                    }, () -> running.isAlive());
                }
                assertEquals(1, found.size(), "-k finds the marker once");
                assertEquals("kernel", found.getFirst().transport());
                assertEquals("5", new String(found.getFirst().field("PRIORITY"), StandardCharsets.UTF_8));
            }
            second.destroy();
            assertTrue(second.waitFor(30, SECONDS), Files.readString(log2));
            assertEquals(0, second.exitValue(), Files.readString(log2));
        } finally {
            logd.destroyForcibly();
            if (second != null) second.destroyForcibly();
        }
    }
}
