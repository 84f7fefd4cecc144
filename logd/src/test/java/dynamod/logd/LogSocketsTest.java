package dynamod.logd;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.linux.Posix;
import dynamod.linux.UnixSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sockets, a real journal: what util-linux logger and hand-made native datagrams become. */
class LogSocketsTest {

    @TempDir
    Path dir;

    Journal journal;
    LogSockets sockets;
    Path syslog, nativeSocket;

    @BeforeEach
    void start() throws Exception {
        journal = Journal.open(JournalOptions.defaults(dir.resolve("journal"), Origin.LOGD));
        syslog = dir.resolve("run/log.sock");
        nativeSocket = dir.resolve("run/journal.sock");
        sockets = LogSockets.start(journal, syslog, nativeSocket);
    }

    @AfterEach
    void stop() {
        if (sockets != null) sockets.close();
        if (journal != null) journal.close();
    }

    /** Every LogLine in the journal so far. */
    List<LogLine> lines() {
        List<LogLine> out = new ArrayList<>();
        try (JournalReader r = journal.reader(Stream.LOGS)) {
            for (Optional<Recorded> e = r.next(); e.isPresent(); e = r.next()) {
                if (e.get().event() instanceof LogLine l) out.add(l);
            }
        }
        return out;
    }

    LogLine awaitLine(Predicate<LogLine> which) {
        return await().atMost(20, SECONDS).until(() -> lines().stream().filter(which).findFirst(), Optional::isPresent).get();
    }

    static boolean says(LogLine l, String text) {
        return new String(l.message(), StandardCharsets.UTF_8).equals(text);
    }

    static Process run(String... command) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static void runOk(String... command) throws Exception {
        Process p = run(command);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    static boolean haveLogger() {
        return Files.isExecutable(Path.of("/usr/bin/logger"));
    }

    @Test
    void socketsAreThereForEveryone() throws Exception {
        assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(syslog)));
        assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(nativeSocket)));
    }

    @Test
    void loggerLocalFormat() throws Exception {
        assumeTrue(haveLogger(), "util-linux logger is not installed");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "-t", "mytag", "-p", "daemon.err", "hello");
        LogLine l = awaitLine(x -> x.identifier().equals("mytag"));
        assertEquals(3, l.priority());
        assertEquals(LogStream.SYSLOG, l.stream());
        assertTrue(says(l, "hello"), l.toString());
        assertTrue(l.pid() > 0, "the sender's pid from its credentials");
        assertEquals(0, l.flags());
        assertEquals(0, sockets.syslogCounters().malformed());
    }

    @Test
    void loggerWithPidAndRfc3164AndRfc5424() throws Exception {
        assumeTrue(haveLogger(), "util-linux logger is not installed");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "--id=4242", "-t", "withpid", "-p", "local3.warning", "p");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "--rfc3164", "-t", "old", "-p", "user.crit", "three one six four");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "--rfc5424", "-t", "new", "--id=77", "--msgid", "MID",
                "--sd-id", "foo@1", "--sd-param", "a=\"b \\] c\"", "-p", "auth.info", "five four two four");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "--rfc5424=notq,notime,nohost", "-t", "nil", "bare");

        LogLine withPid = awaitLine(x -> x.identifier().equals("withpid"));
        assertEquals(4242, withPid.pid());
        assertEquals(4, withPid.priority());
        LogLine old = awaitLine(x -> x.identifier().equals("old"));
        assertEquals(2, old.priority());
        assertTrue(says(old, "three one six four"), old.toString());
        LogLine rfc5424 = awaitLine(x -> x.identifier().equals("new"));
        assertEquals(6, rfc5424.priority());
        assertEquals(77, rfc5424.pid());
        assertTrue(says(rfc5424, "five four two four"), rfc5424.toString());
        LogLine nil = awaitLine(x -> x.identifier().equals("nil"));
        assertTrue(says(nil, "bare"), nil.toString());
        assertEquals(5, nil.priority());
        assertEquals(0, sockets.syslogCounters().malformed());
    }

    @Test
    void loggerMultipleLinesAndFromAFile() throws Exception {
        assumeTrue(haveLogger(), "util-linux logger is not installed");
        Path file = dir.resolve("lines.txt");
        Files.writeString(file, "first line\nsecond line\n");
        runOk("logger", "--socket-errors=on", "-u", syslog.toString(), "-t", "fromfile", "-f", file.toString());
        await().atMost(20, SECONDS).until(() -> lines().stream().filter(x -> x.identifier().equals("fromfile")).count() == 2);
        List<LogLine> got = lines().stream().filter(x -> x.identifier().equals("fromfile")).toList();
        assertTrue(says(got.get(0), "first line"));
        assertTrue(says(got.get(1), "second line"));
    }

    @Test
    void nativeTextAndBinaryFields() throws Exception {
        byte[] binary = {'t', 'w', 'o', '\n', 'l', 'i', 'n', 'e', 's', 0, (byte) 0xFF};
        var d = new NativeMessageTest.Datagram().text("PRIORITY=2").text("SYSLOG_IDENTIFIER=nat").text("CODE_FILE=x.c")
                .text("_PID=1").binary("MESSAGE", binary);
        UnixSockets.sendDatagram(nativeSocket, d.bytes(), new int[0]);
        LogLine l = awaitLine(x -> x.identifier().equals("nat"));
        assertArrayEquals(binary, l.message());
        assertEquals(2, l.priority());
        assertEquals(LogStream.NATIVE, l.stream());
        assertEquals(Posix.getpid(), l.pid(), "the sender's pid from its credentials, not the _PID it claims");
        assertEquals("", l.service(), "this JVM is no service");

        UnixSockets.sendDatagram(nativeSocket, "MESSAGE=text\nSYSLOG_PID=31337\n".getBytes(StandardCharsets.UTF_8), new int[0]);
        LogLine text = awaitLine(x -> says(x, "text"));
        assertEquals(31337, text.pid());
        assertEquals(6, text.priority());
        assertFalse(text.identifier().isEmpty(), "without SYSLOG_IDENTIFIER the sender's command name: " + text);
        assertEquals(0, sockets.nativeCounters().malformed());
    }

    @Test
    void largeEntryInASealedMemfd() throws Exception {
        byte[] big = new byte[3 * LogSockets.MAX_LINE + 100];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        byte[] entry = new NativeMessageTest.Datagram().text("SYSLOG_IDENTIFIER=memfd").text("PRIORITY=4").binary("MESSAGE", big).bytes();
        int memfd = Posix.memfdCreate("journal-test", true);
        try {
            Posix.writeFully(memfd, entry); // leaves the file offset at the end: logd must read from 0
            Posix.addSeals(memfd, Posix.F_SEAL_SHRINK | Posix.F_SEAL_GROW | Posix.F_SEAL_WRITE | Posix.F_SEAL_SEAL);
            UnixSockets.sendDatagram(nativeSocket, new byte[0], new int[] {memfd});
        } finally {
            Posix.close(memfd);
        }
        await().atMost(20, SECONDS).until(() -> lines().stream().filter(x -> x.identifier().equals("memfd")).count() == 4);
        List<LogLine> pieces = lines().stream().filter(x -> x.identifier().equals("memfd")).toList();
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        for (LogLine p : pieces) {
            assertEquals(LogLine.SPLIT, p.flags());
            assertEquals(4, p.priority());
            whole.writeBytes(p.message());
        }
        assertArrayEquals(big, whole.toByteArray());
        assertEquals(0, sockets.nativeCounters().malformed());
        assertEquals(1, sockets.nativeCounters().memfds());
    }

    @Test
    void anUnsealedMemfdIsRefused() throws Exception {
        int memfd = Posix.memfdCreate("unsealed", true);
        try {
            Posix.writeFully(memfd, "MESSAGE=unsealed\n".getBytes(StandardCharsets.UTF_8));
            UnixSockets.sendDatagram(nativeSocket, new byte[0], new int[] {memfd});
        } finally {
            Posix.close(memfd);
        }
        await().atMost(20, SECONDS).until(() -> sockets.nativeCounters().malformed() == 1);
        LogLine warning = awaitLine(x -> x.identifier().equals(LogSockets.IDENTIFIER));
        assertTrue(new String(warning.message(), StandardCharsets.UTF_8).contains("not a memfd sealed"), warning.toString());
        assertTrue(lines().stream().noneMatch(x -> says(x, "unsealed")));
    }

    @Test
    void aMalformedBurstIsCountedWarnedOnceAndTheListenerGoesOn() throws Exception {
        int burst = 50;
        for (int i = 0; i < burst; i++) {
            UnixSockets.sendDatagram(nativeSocket, ("garbage " + i).getBytes(StandardCharsets.UTF_8), new int[0]);
        }
        // a binary field whose length runs past the end, and fds with data: malformed too
        UnixSockets.sendDatagram(nativeSocket, new NativeMessageTest.Datagram().binary("MESSAGE", new byte[] {1}, 1L << 40).bytes(),
                new int[0]);
        int[] pipe = Posix.pipe();
        UnixSockets.sendDatagram(nativeSocket, "MESSAGE=with fds\n".getBytes(StandardCharsets.UTF_8), pipe);
        Posix.close(pipe[0]);
        Posix.close(pipe[1]);
        UnixSockets.sendDatagram(nativeSocket, "MESSAGE=still listening\n".getBytes(StandardCharsets.UTF_8), new int[0]);
        awaitLine(x -> says(x, "still listening"));
        LogSockets.Counters c = sockets.nativeCounters();
        assertEquals(burst + 2, c.malformed(), c.toString());
        assertEquals(burst + 3, c.received());
        assertEquals(1, c.journaled());
        assertEquals(1, c.warnings(), "one warning per burst, never one per datagram");
        List<LogLine> warnings = lines().stream().filter(x -> x.identifier().equals(LogSockets.IDENTIFIER)).toList();
        assertEquals(1, warnings.size());
        LogLine w = warnings.getFirst();
        assertEquals(4, w.priority());
        assertEquals("", w.service());
        assertTrue(new String(w.message(), StandardCharsets.UTF_8).contains("journal.sock: malformed datagram from pid " + Posix.getpid()),
                w.toString());
        assertTrue(lines().stream().noneMatch(x -> says(x, "with fds")));
    }

    @Test
    void theNextBurstIsWarnedAgainWithTheCountOfTheQuietOnes() throws Exception {
        sockets.close();
        sockets = LogSockets.start(journal, syslog, nativeSocket, Duration.ofMillis(300));
        for (int i = 0; i < 5; i++) UnixSockets.sendDatagram(nativeSocket, "x".getBytes(StandardCharsets.UTF_8), new int[0]);
        await().atMost(20, SECONDS).until(() -> sockets.nativeCounters().malformed() == 5);
        long before = System.nanoTime();
        await().atMost(20, SECONDS).until(() -> System.nanoTime() - before > 400_000_000L);
        UnixSockets.sendDatagram(nativeSocket, "y".getBytes(StandardCharsets.UTF_8), new int[0]);
        await().atMost(20, SECONDS).until(() -> sockets.nativeCounters().warnings() == 2);
        LogLine second = lines().stream().filter(x -> x.identifier().equals(LogSockets.IDENTIFIER)).toList().get(1);
        assertTrue(new String(second.message(), StandardCharsets.UTF_8).contains("(4 more since the last warning)"), second.toString());
    }

    @Test
    void malformedSyslogIsKeptLikeJournaldAndCounted() throws Exception {
        UnixSockets.sendDatagram(syslog, "no priority here".getBytes(StandardCharsets.UTF_8), new int[0]);
        UnixSockets.sendDatagram(syslog, "<200>too high".getBytes(StandardCharsets.UTF_8), new int[0]);
        UnixSockets.sendDatagram(syslog, new byte[0], new int[0]);
        byte[] nonUtf8 = {'<', '1', '1', '>', 'b', 'i', 'n', ':', ' ', (byte) 0xFF, (byte) 0xC3, '\n'};
        UnixSockets.sendDatagram(syslog, nonUtf8, new int[0]);
        LogLine kept = awaitLine(x -> says(x, "no priority here"));
        assertEquals(6, kept.priority());
        LogLine high = awaitLine(x -> says(x, "<200>too high"));
        assertEquals(6, high.priority());
        LogLine bin = awaitLine(x -> x.identifier().equals("bin"));
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xC3}, bin.message());
        assertEquals(3, bin.priority());
        await().atMost(20, SECONDS).until(() -> sockets.syslogCounters().received() == 4);
        LogSockets.Counters c = sockets.syslogCounters();
        assertEquals(2, c.malformed(), c.toString());
        assertEquals(1, c.ignored(), "the empty datagram");
        assertEquals(1, c.warnings());
    }

    @Test
    void closeStopsTheListenersAndRemovesTheSockets() throws Exception {
        sockets.close();
        assertFalse(Files.exists(syslog));
        assertFalse(Files.exists(nativeSocket));
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("logd-")));
        sockets = LogSockets.start(journal, syslog, nativeSocket); // binds again
        UnixSockets.sendDatagram(syslog, "<13>again: yes".getBytes(StandardCharsets.UTF_8), new int[0]);
        awaitLine(x -> x.identifier().equals("again"));
    }

    @Test
    void theServiceIsReadFromTheSendersEnvironment() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "read x");
        pb.environment().put("DYNAMOD_SERVICE", "web");
        Process p = pb.start();
        try {
            int pid = (int) p.pid();
            await().atMost(20, SECONDS).until(() -> Senders.readService(pid).equals("web"));
            assertEquals("sh", Senders.readComm(pid));
        } finally {
            p.getOutputStream().close();
            p.waitFor(10, SECONDS);
        }
        assertEquals("", Senders.readService(Posix.getpid()), "this JVM is no service");
        assertEquals("", Senders.readService(Integer.MAX_VALUE), "no such process");
    }
}
