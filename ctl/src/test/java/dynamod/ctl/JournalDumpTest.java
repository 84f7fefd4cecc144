package dynamod.ctl;

import dynamod.journal.text.JsonParser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.Origin;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dynamodctl journal dump}: every event of both streams, as text or JSON lines. */
class JournalDumpTest {

    @TempDir
    Path dir;

    private Path journal() throws Exception {
        Path path = dir.resolve("journal");
        try (Journal journal = Journal.open(JournalOptions.defaults(path, Origin.SVMGR))) {
            journal.append(new ManagerStarted(1, 812));
            journal.append(new LogLine("web", LogStream.STDERR, 3, 4242, "nginx", "bind() failed".getBytes(), 0));
            journal.append(new ServiceSpawned("web", 4242, "/usr/sbin/nginx"));
            journal.append(new LogLine("web", LogStream.STDOUT, 6, 4242, "nginx", new byte[] {(byte) 0xff, 'x'}, 0));
        }
        return path;
    }

    @Test
    void textLinesMergeBothStreamsInTimeOrder() throws Exception {
        CheckCommandTest.Run run = CheckCommandTest.run("journal", "dump", "--dir", journal().toString());
        assertEquals(0, run.exit(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertEquals(4, lines.size(), run.out());
        assertTrue(lines.get(0).matches("\\S+Z events #[0-9a-f]+ svmgr\\[\\d+] ManagerStarted generation=1 pid=812"), lines.get(0));
        assertTrue(lines.get(1).contains(" logs #") && lines.get(1).endsWith("LogLine service=web stream=STDERR priority=3 pid=4242 "
                + "identifier=nginx message=\"bind() failed\" flags=0 sourceOffset=-1"), lines.get(1));
        assertTrue(lines.get(2).endsWith("ServiceSpawned service=web pid=4242 executable=/usr/sbin/nginx"), lines.get(2));
        assertTrue(lines.get(3).contains("message=base64:/3g="), "bytes that are not UTF-8 are kept: " + lines.get(3));
    }

    @Test
    void jsonLinesCarryTheEnvelopeAndTheFields() throws Exception {
        CheckCommandTest.Run run = CheckCommandTest.run("journal", "dump", "--dir", journal().toString(), "--json", "--stream", "logs");
        assertEquals(0, run.exit(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size());
        Map<?, ?> first = (Map<?, ?>) JsonParser.parse(lines.getFirst());
        assertEquals("logs", first.get("stream"));
        assertEquals("svmgr", first.get("origin"));
        assertEquals("LogLine", first.get("type"));
        assertEquals("bind() failed", ((Map<?, ?>) first.get("event")).get("message"));
        assertEquals(3L, ((Map<?, ?>) first.get("event")).get("priority"));
        assertTrue(first.get("bootId").toString().matches("[0-9a-f-]{36}"));
    }

    @Test
    void aDirectoryThatIsNoJournalIsAClearError() {
        CheckCommandTest.Run run = CheckCommandTest.run("journal", "dump", "--dir", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("is not a journal directory"), run.err());
        assertEquals(2, CheckCommandTest.run("journal", "dump", "--dir", dir.toString(), "--stream", "nope").exit());
    }
}
