package dynamod.logd;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
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
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stdout stream socket over real connections, and Debian's systemd-cat against it. */
class StdoutSocketTest {

    static final String HEADER = "\n\n6\n1\n0\n0\n0\n";

    @TempDir
    Path dir;

    Journal journal;
    LogSockets sockets;
    Path stdout;

    void start(int maxStreams) throws IOException {
        journal = Journal.open(JournalOptions.defaults(dir.resolve("journal"), Origin.LOGD));
        stdout = dir.resolve("run/stdout.sock");
        sockets = LogSockets.start(journal, null, null, stdout, LogSockets.DEFAULT_WARN_INTERVAL, maxStreams);
    }

    @AfterEach
    void stop() {
        if (sockets != null) sockets.close();
        if (journal != null) journal.close();
    }

    List<LogLine> lines() {
        List<LogLine> out = new ArrayList<>();
        try (JournalReader r = journal.reader(Stream.LOGS)) {
            for (Optional<Recorded> e = r.next(); e.isPresent(); e = r.next()) {
                if (e.get().event() instanceof LogLine l) out.add(l);
            }
        }
        return out;
    }

    List<LogLine> linesOf(String identifier) {
        return lines().stream().filter(l -> l.identifier().equals(identifier)).toList();
    }

    static String text(LogLine l) {
        return new String(l.message(), StandardCharsets.ISO_8859_1);
    }

    SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(stdout));
        return c;
    }

    static void write(SocketChannel c, String text) throws IOException {
        write(c, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void write(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) c.write(b);
    }

    @Test
    void theSocketIsThereForEveryone() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(stdout)));
    }

    @Test
    void headerThenLinesWithPrefixesAndAPartialLastLine() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel c = connect()) {
            write(c, "mytag\n\n4\n1\n0\n0\n0\n");
            write(c, "hello\n<3>an error\r\nlast, no newline");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("mytag").size() == 3);
        List<LogLine> got = linesOf("mytag");
        assertEquals(List.of("hello", "an error", "last, no newline"), got.stream().map(StdoutSocketTest::text).toList());
        assertEquals(List.of(4, 3, 4), got.stream().map(LogLine::priority).toList());
        assertEquals(List.of(0, 0, LogLine.PARTIAL), got.stream().map(LogLine::flags).toList());
        for (LogLine l : got) {
            assertEquals(LogStream.STDOUT, l.stream());
            assertEquals(Posix.getpid(), l.pid(), "SO_PEERCRED: this JVM connected");
            assertEquals("", l.service(), "this JVM has no DYNAMOD_SERVICE");
        }
        await().atMost(20, SECONDS).until(() -> sockets.stdoutCounters().open() == 0);
        LogSockets.StreamCounters n = sockets.stdoutCounters();
        assertEquals(1, n.accepted());
        assertEquals(3, n.journaled());
        assertEquals(0, n.malformed());
    }

    @Test
    void withoutAnIdentifierThePeersCommandName() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel c = connect()) {
            write(c, HEADER + "anonymous\n");
        }
        String comm = Files.readString(Path.of("/proc/self/comm")).strip();
        await().atMost(20, SECONDS).until(() -> linesOf(comm).stream().anyMatch(l -> text(l).equals("anonymous")));
    }

    @Test
    void levelPrefixOffKeepsThePrefixAsText() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel c = connect()) {
            write(c, "raw\n\n5\n0\n0\n0\n0\n<3>text\n");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("raw").size() == 1);
        assertEquals("<3>text", text(linesOf("raw").getFirst()));
        assertEquals(5, linesOf("raw").getFirst().priority());
    }

    @Test
    void longLinesAreCutIntoMarkedPieces() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        int max = LogSockets.STREAM_LINE_MAX;
        String big = "a".repeat(max) + "b".repeat(max) + "c".repeat(1000);
        try (SocketChannel c = connect()) {
            write(c, "long\n" + HEADER.substring(1) + big + "\nafter\n");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("long").size() == 4);
        List<LogLine> got = linesOf("long");
        assertEquals(List.of("a".repeat(max), "b".repeat(max), "c".repeat(1000), "after"), got.stream().map(StdoutSocketTest::text).toList());
        assertEquals(List.of(LogLine.SPLIT, LogLine.SPLIT, LogLine.SPLIT, 0), got.stream().map(LogLine::flags).toList());
    }

    @Test
    void aPartialLineGoesOutAfterTheTimeoutWhileTheStreamStaysOpen() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel c = connect()) {
            write(c, "prompt\n" + HEADER.substring(1) + "Password: ");
            long t0 = System.nanoTime();
            await().atMost(20, SECONDS).until(() -> linesOf("prompt").size() == 1);
            assertTrue(System.nanoTime() - t0 >= LogSockets.STREAM_PARTIAL_TIMEOUT_NANOS - 50_000_000L, "not before the timeout");
            assertEquals(LogLine.PARTIAL, linesOf("prompt").getFirst().flags());
            write(c, "rest\n");
            await().atMost(20, SECONDS).until(() -> linesOf("prompt").size() == 2);
            assertEquals("rest", text(linesOf("prompt").get(1)));
            assertEquals(0, linesOf("prompt").get(1).flags());
        }
    }

    @Test
    void aMalformedHeaderDropsTheConnectionWithOneWarningAndTheSocketGoesOn() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel bad = connect()) {
            write(bad, "bad\n\nwarning\n1\n0\n0\n0\nnever journaled\n");
            await().atMost(20, SECONDS).until(() -> sockets.stdoutCounters().malformed() == 1);
            // logd closed its end: reading gives the end of the stream (the client would get EPIPE writing)
            bad.configureBlocking(true);
            assertEquals(-1, bad.read(ByteBuffer.allocate(16)));
        }
        try (SocketChannel tooLong = connect()) {
            write(tooLong, "x".repeat(300));
        }
        try (SocketChannel cut = connect()) {
            write(cut, "cut\n\n6\n");
        }
        try (SocketChannel empty = connect()) {
            // connected and closed without a byte: not malformed
        }
        try (SocketChannel good = connect()) {
            write(good, "good\n" + HEADER.substring(1) + "still works\n");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("good").size() == 1 && sockets.stdoutCounters().malformed() == 3);
        assertTrue(linesOf("bad").isEmpty());
        List<LogLine> warnings = linesOf(LogSockets.IDENTIFIER);
        assertEquals(1, warnings.size(), "one warning for the burst: " + warnings.stream().map(StdoutSocketTest::text).toList());
        String warning = text(warnings.getFirst());
        assertTrue(warning.contains("stdout.sock: malformed stream from pid " + Posix.getpid()) && warning.contains("priority"), warning);
        assertEquals(4, warnings.getFirst().priority());
        assertEquals(LogStream.STDOUT, warnings.getFirst().stream());
        assertEquals(5, sockets.stdoutCounters().accepted());
    }

    @Test
    void beyondTheLimitConnectionsAreRefusedAndWarnedAbout() throws Exception {
        start(2);
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            write(a, "a\n" + HEADER.substring(1));
            write(b, "b\n" + HEADER.substring(1));
            await().atMost(20, SECONDS).until(() -> sockets.stdoutCounters().open() == 2);
            try (SocketChannel c = connect()) {
                await().atMost(20, SECONDS).until(() -> sockets.stdoutCounters().refused() == 1);
                c.configureBlocking(true);
                assertEquals(-1, c.read(ByteBuffer.allocate(16)), "closed at once");
            }
            write(a, "from a\n");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("a").size() == 1);
        List<LogLine> warnings = linesOf(LogSockets.IDENTIFIER);
        assertEquals(1, warnings.size());
        assertTrue(text(warnings.getFirst()).contains("2 streams are open: refused"), text(warnings.getFirst()));
        await().atMost(20, SECONDS).until(() -> sockets.stdoutCounters().open() == 0);
        try (SocketChannel d = connect()) {
            write(d, "d\n" + HEADER.substring(1) + "room again\n");
        }
        await().atMost(20, SECONDS).until(() -> linesOf("d").size() == 1);
    }

    @Test
    void manyStreamsAtOnceEveryLineOnceInOrderPerStream() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        int streams = 40, each = 2000;
        List<Thread> writers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int s = 0; s < streams; s++) {
            int id = s;
            writers.add(Thread.ofPlatform().start(() -> {
                try (SocketChannel c = connect()) {
                    StringBuilder b = new StringBuilder("w" + id + "\n" + HEADER.substring(1));
                    for (int i = 0; i < each; i++) b.append(i).append('\n');
                    write(c, b.toString());
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : writers) t.join();
        assertEquals(List.of(), failures);
        await().atMost(60, SECONDS).until(() -> sockets.stdoutCounters().journaled() == (long) streams * each);
        List<LogLine> all = lines();
        for (int s = 0; s < streams; s++) {
            String id = "w" + s;
            List<String> got = all.stream().filter(l -> l.identifier().equals(id)).map(StdoutSocketTest::text).toList();
            List<String> want = new ArrayList<>();
            for (int i = 0; i < each; i++) want.add(String.valueOf(i));
            assertEquals(want, got, id);
        }
    }

    @Test
    void closeReadsWhatTheOpenStreamsHoldAndFlushesTheirPartialLines() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        try (SocketChannel c = connect()) {
            write(c, "open\n" + HEADER.substring(1) + "one\ntwo\nhalf");
            sockets.close();
            assertFalse(Files.exists(stdout), "the socket file is removed");
            List<LogLine> got = linesOf("open");
            assertEquals(List.of("one", "two", "half"), got.stream().map(StdoutSocketTest::text).toList());
            assertEquals(LogLine.PARTIAL, got.get(2).flags());
        }
    }

    // ---------------------------------------------------------------- Debian's systemd-cat

    /** Runs systemd-cat ARGS in a mount namespace where /run/systemd/journal/stdout is our socket. */
    Process systemdCat(String service, String... args) throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root for unshare -m");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-cat")), "no systemd-cat (Debian package systemd)");
        String script = "mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal"
                + " && ln -s \"$1\" /run/systemd/journal/stdout && shift && exec systemd-cat \"$@\"";
        List<String> command = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", script, "sh", stdout.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (service != null) pb.environment().put("DYNAMOD_SERVICE", service);
        return pb.start();
    }

    @Test
    void debiansSystemdCat() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        Process p = systemdCat(null, "-t", "mytag", "-p", "warning", "echo", "hello");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, SECONDS));
        assumeTrue(!out.startsWith("unshare") && !out.startsWith("mount"), "no mount namespace here: " + out);
        assertEquals(0, p.exitValue(), out);
        await().atMost(20, SECONDS).until(() -> linesOf("mytag").size() == 1);
        LogLine l = linesOf("mytag").getFirst();
        assertEquals("hello", text(l));
        assertEquals(4, l.priority(), "-p warning");
        assertEquals(LogStream.STDOUT, l.stream());
        assertEquals(0, l.flags());
        assertEquals(p.pid(), l.pid(), "the shell exec'd systemd-cat, which exec'd echo: one pid");
        assertEquals(0, sockets.stdoutCounters().malformed());
    }

    @Test
    void systemdCatWithAServiceStderrAndLevelPrefixes() throws Exception {
        start(LogSockets.DEFAULT_MAX_STREAMS);
        // alive until stdin closes, so that logd finds its environment whenever it looks
        Process p = systemdCat("catsvc", "-t", "svc", "sh", "-c", "echo plain; echo '<2>critical'; echo to-stderr >&2; printf tail; read x");
        try {
            await().atMost(20, SECONDS).until(() -> linesOf("svc").size() == 4 || !p.isAlive());
            if (!p.isAlive()) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assumeTrue(!out.startsWith("unshare") && !out.startsWith("mount"), "no mount namespace here: " + out);
            }
            await().atMost(20, SECONDS).until(() -> linesOf("svc").size() == 4);
            List<LogLine> got = linesOf("svc");
            assertEquals(List.of("plain", "critical", "to-stderr", "tail"), got.stream().map(StdoutSocketTest::text).toList());
            assertEquals(List.of(6, 2, 6, 6), got.stream().map(LogLine::priority).toList());
            assertEquals(LogLine.PARTIAL, got.get(3).flags(), "the partial line's timeout");
            Set<String> services = new HashSet<>();
            for (LogLine l : got) services.add(l.service());
            assertEquals(Set.of("catsvc"), services);
        } finally {
            p.getOutputStream().close();
            p.waitFor(10, SECONDS);
            p.destroyForcibly();
        }
    }

    @Test
    void dynamodLogdBindsTheStdoutSocketByDefault() {
        Main.Settings s = Main.parse(new String[] {"--state", dir.toString()});
        assertEquals(dir.toAbsolutePath().resolve("run/stdout.sock"), s.stdoutSocket());
        assertEquals(Path.of("/x/y.sock"), Main.parse(new String[] {"--state", "/s", "--stdout-socket", "/x/y.sock"}).stdoutSocket());
        assertTrue(Duration.ofNanos(LogSockets.STREAM_PARTIAL_TIMEOUT_NANOS).toMillis() == 1000);
    }
}
