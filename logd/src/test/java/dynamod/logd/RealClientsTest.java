package dynamod.logd;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's own clients against logd's sockets: glibc's syslog(3) and libsystemd's sd_journal_print/sd_journal_send
 * (a gcc-built program). Both hard-code their paths (/dev/log, /run/systemd/journal/socket: libsystemd 252 reads no
 * environment variable for it), so the program runs under {@code unshare -m} with tmpfs over /run and /dev holding
 * symlinks to our sockets — which needs root. And {@code dynamod-logd} itself, as a process, stopped by SIGTERM.
 */
class RealClientsTest {

    @TempDir
    Path dir;

    private static final String CLIENT = """
            #include <systemd/sd-journal.h>
            #include <syslog.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>

            int main(void) {
                openlog("cprog", LOG_PID, LOG_DAEMON);
                syslog(LOG_WARNING, "from glibc %d", 42);
                closelog();
                int r = sd_journal_print(LOG_ERR, "from libsystemd %d", 7);
                if (r < 0) { fprintf(stderr, "sd_journal_print: %s\\n", strerror(-r)); return 1; }
                r = sd_journal_send("MESSAGE=two\\nlines", "PRIORITY=2", "SYSLOG_IDENTIFIER=multi", "MY_FIELD=x", NULL);
                if (r < 0) { fprintf(stderr, "sd_journal_send: %s\\n", strerror(-r)); return 1; }
                size_t n = 9 * 1024 * 1024; /* over any datagram (even libsystemd's 8 MiB SO_SNDBUF as root): a sealed memfd */
                char *big = malloc(n + 1);
                memset(big, 'm', n);
                big[n] = 0;
                r = sd_journal_send("MESSAGE=%s", big, "SYSLOG_IDENTIFIER=bigone", "PRIORITY=5", NULL);
                if (r < 0) { fprintf(stderr, "sd_journal_send (big): %s\\n", strerror(-r)); return 1; }
                printf("sent\\n");
                fflush(stdout);
                char c;
                (void) read(0, &c, 1); /* alive until the test closes stdin, so logd can read its environment */
                return 0;
            }
            """;

    static List<LogLine> lines(Journal journal) {
        List<LogLine> out = new ArrayList<>();
        try (JournalReader r = journal.reader(Stream.LOGS)) {
            for (Optional<Recorded> e = r.next(); e.isPresent(); e = r.next()) {
                if (e.get().event() instanceof LogLine l) out.add(l);
            }
        }
        return out;
    }

    static String text(LogLine l) {
        return new String(l.message(), StandardCharsets.UTF_8);
    }

    private Path compileClient() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "no gcc");
        assumeTrue(Files.exists(Path.of("/usr/include/systemd/sd-journal.h")), "no libsystemd-dev");
        Path src = dir.resolve("client.c"), bin = dir.resolve("client");
        Files.writeString(src, CLIENT);
        Process gcc = new ProcessBuilder("gcc", "-O0", "-o", bin.toString(), src.toString(), "-lsystemd").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(120, SECONDS));
        assertEquals(0, gcc.exitValue(), "gcc: " + out);
        return bin;
    }

    @Test
    void glibcSyslogAndLibsystemdThroughAMountNamespace() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root for unshare -m");
        Path client = compileClient();
        Path syslog = dir.resolve("run/log.sock"), nativeSocket = dir.resolve("run/journal.sock");
        try (Journal journal = Journal.open(JournalOptions.defaults(dir.resolve("journal"), Origin.LOGD));
                LogSockets sockets = LogSockets.start(journal, syslog, nativeSocket)) {
            String script = "mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal"
                    + " && ln -s \"$1\" /run/systemd/journal/socket && mount -t tmpfs tmpfs /dev && ln -s \"$2\" /dev/log"
                    + " && exec \"$3\"";
            ProcessBuilder pb = new ProcessBuilder("unshare", "-m", "sh", "-c", script, "sh", nativeSocket.toString(), syslog.toString(),
                    client.toString()).redirectErrorStream(true);
            pb.environment().put("DYNAMOD_SERVICE", "cservice");
            Process p = pb.start();
            try {
                var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String first = out.readLine();
                if (!"sent".equals(first)) {
                    StringBuilder rest = new StringBuilder(String.valueOf(first));
                    for (String line = out.readLine(); line != null; line = out.readLine()) rest.append('\n').append(line);
                    String why = rest.toString();
                    assumeTrue(!why.startsWith("unshare") && !why.startsWith("mount"), "no mount namespace here: " + why);
                    throw new AssertionError("the client failed: " + why);
                }
                await().atMost(30, SECONDS).until(() -> lines(journal).stream().filter(l -> l.identifier().equals("bigone")).count() == 144
                        && lines(journal).stream().anyMatch(l -> l.identifier().equals("cprog")));
                List<LogLine> all = lines(journal);

                LogLine glibc = all.stream().filter(l -> l.identifier().equals("cprog")).findFirst().orElseThrow();
                assertEquals(LogStream.SYSLOG, glibc.stream());
                assertEquals(4, glibc.priority());
                assertEquals("from glibc 42", text(glibc));
                assertEquals(p.pid(), glibc.pid(), "LOG_PID: the pid in brackets (the shell exec'd the client)");
                assertEquals("cservice", glibc.service());

                LogLine print = all.stream().filter(l -> text(l).equals("from libsystemd 7")).findFirst().orElseThrow();
                assertEquals(LogStream.NATIVE, print.stream());
                assertEquals(3, print.priority());
                assertEquals("client", print.identifier(), "libsystemd adds SYSLOG_IDENTIFIER=program_invocation_short_name");
                assertEquals(p.pid(), print.pid());
                assertEquals("cservice", print.service());

                LogLine multi = all.stream().filter(l -> l.identifier().equals("multi")).findFirst().orElseThrow();
                assertEquals("two\nlines", text(multi), "a value with a newline travels as a binary field");
                assertEquals(2, multi.priority());

                List<LogLine> big = all.stream().filter(l -> l.identifier().equals("bigone")).toList();
                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                for (LogLine l : big) {
                    assertEquals(LogLine.SPLIT, l.flags());
                    assertEquals(5, l.priority());
                    whole.writeBytes(l.message());
                }
                assertEquals("m".repeat(9 * 1024 * 1024), whole.toString(StandardCharsets.UTF_8), "the memfd entry, whole");
                assertEquals(1, sockets.nativeCounters().memfds(), "libsystemd sent it in a memfd");
                assertEquals(0, sockets.nativeCounters().malformed(), sockets.nativeCounters().toString());
                assertEquals(0, sockets.syslogCounters().malformed(), sockets.syslogCounters().toString());
            } finally {
                p.getOutputStream().close();
                p.waitFor(10, SECONDS);
                p.destroyForcibly();
            }
        }
    }

    @Test
    void dynamodLogdRunsUntilSigterm() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/logger")), "util-linux logger is not installed");
        Path argfile = Path.of(System.getProperty("user.dir")).getParent()
                .resolve("journal/src/main/resources/dynamod/journal/chronicle.jvmargs");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path state = dir.resolve("state");
        Path log = dir.resolve("logd.out");
        Process logd = new ProcessBuilder(java.toString(), "@" + argfile, "-cp", System.getProperty("java.class.path"),
                "dynamod.logd.Main", "--state", state.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path sock = state.resolve("run/log.sock");
            await().atMost(60, SECONDS).until(() -> Files.readString(log).contains("listening on"));
            Process logger = new ProcessBuilder("logger", "--socket-errors=on", "-u", sock.toString(), "-t", "viamain", "-p", "user.err",
                    "through the daemon").redirectErrorStream(true).start();
            assertTrue(logger.waitFor(30, SECONDS));
            assertEquals(0, logger.exitValue(), new String(logger.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            try (Journal journal = Journal.open(JournalOptions.defaults(state.resolve("journal"), Origin.TOOL))) {
                await().atMost(30, SECONDS).until(() -> lines(journal).stream().anyMatch(l -> l.identifier().equals("viamain")));
                LogLine l = lines(journal).stream().filter(x -> x.identifier().equals("viamain")).findFirst().orElseThrow();
                assertEquals(3, l.priority());
                assertEquals("through the daemon", text(l));
            }
            logd.destroy(); // SIGTERM
            assertTrue(logd.waitFor(30, SECONDS), Files.readString(log));
            assertEquals(0, logd.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("stopping"), Files.readString(log));
            assertTrue(!Files.exists(sock), "the socket is removed at exit");
        } finally {
            logd.destroyForcibly();
        }
    }
}
