package dynamod.init.pid1;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.linux.Posix;
import dynamod.linux.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dynamod-init as PID 1 of a new PID namespace ({@code unshare --pid --fork --mount-proc}), with {@link FakeSvmgr}:
 * it finds out it is in a container, reaps orphans and reports them, and stops in order on its signals, exiting
 * with the result. Needs root (unshare); skipped without it.
 */
class Pid1ContainerTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsRootAndUnshare() {
        assumeTrue(Posix.geteuid() == 0 && Files.isExecutable(Path.of("/usr/bin/unshare")), "needs root and unshare(1)");
    }

    @Test
    void reapsOrphansAndStopsInOrderOnSigterm() throws Exception {
        try (Container c = start("normal")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("fake started"));
            assertTrue(c.log().contains("PID 1, in a container"), c.log());
            // svmgr starts clean: init blocks SIGRTMIN+3..5 for its signalfd, svmgr must not inherit that, nor the fd.
            long blocked = Long.parseUnsignedLong(group(c.log(), "fake sigblk ([0-9a-f]+)"), 16);
            for (int rt : SignalMeaning.REAL_TIME) assertEquals(0, blocked & 1L << (rt - 1), "signal " + rt + " blocked: " + c.log());
            String fds = group(c.log(), "fake fds (.*)");
            assertFalse(fds.contains("signalfd"), fds);
            assertTrue(fds.matches(".*\\b3=socket:.*"), "fd 3 is the link to init: " + fds);
            // The orphan: its shell exited at once, so init (PID 1 of the namespace) is its parent and reaps it.
            String orphan = await().atMost(Duration.ofSeconds(60)).until(() -> group(c.log(), "orphan (\\d+)"), s -> s != null);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().matches("(?s).*fake got: EXITED \\d+ " + orphan + " 0 0 0.*"));
            c.signal(Signals.SIGTERM);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(0, c.process().exitValue(), c.log());
            assertTrue(c.log().contains("fake got: SHUTDOWN poweroff"), c.log());
            assertTrue(c.log().contains("the services are stopped (poweroff)"), c.log());
            assertFalse(c.log().contains("SIGKILL"), "nothing needed killing: " + c.log());
        }
    }

    @Test
    void realTimeSignalsAsSystemdRebootExitsWith133() throws Exception {
        try (Container c = start("normal")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("fake started"));
            c.signal(Signals.SIGRTMIN + 5);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(ShutdownPlan.CONTAINER_REBOOT_STATUS, c.process().exitValue(), c.log());
            assertTrue(c.log().contains("fake got: SHUTDOWN reboot"), c.log());
        }
    }

    @Test
    void sigusr1RestartsSvmgrAtOnceAndTheServicesGoOn() throws Exception {
        try (Container c = start("normal")) {
            String service = await().atMost(Duration.ofSeconds(60)).until(() -> group(c.log(), "fake service (\\d+)"), s -> s != null);
            String first = group(c.log(), "fake started \\(pid (\\d+)");
            c.signal(Signals.SIGUSR1);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(c.log(), "fake started") == 2);
            assertTrue(c.log().contains("restarting svmgr (pid " + first + ") now"), c.log());
            assertTrue(c.log().contains("restarting it in 0 ms"), "no back-off: " + c.log());
            // the first one's service was not stopped: it is an orphan of init now, still running
            assertTrue(Files.exists(Path.of("/proc/" + c.hostPid(Integer.parseInt(service)))), "service still runs: " + c.log());
            c.signal(Signals.SIGTERM);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(0, c.process().exitValue(), c.log());
        }
    }

    @Test
    void whatIgnoresSigtermIsKilledAfterTheWait() throws Exception {
        try (Container c = start("stubborn", "--kill-wait", "1500")) {
            String stubborn = await().atMost(Duration.ofSeconds(60)).until(() -> group(c.log(), "stubborn (\\d+)"), s -> s != null);
            c.signal(Signals.SIGRTMIN + 4);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(0, c.process().exitValue(), c.log());
            assertTrue(c.log().matches("(?s).*waiting for \\d+ process.*" + stubborn + " \\(sleep\\).*"), c.log());
            assertTrue(c.log().contains("sending SIGKILL"), c.log());
        }
    }

    @Test
    void aShutdownSvmgrCannotFinishExitsWithOne() throws Exception {
        try (Container c = start("stuck", "--shutdown-deadline", "1000", "--kill-wait", "1000")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("fake started"));
            c.signal(Signals.SIGINT); // in a container: poweroff (ctrl-c at docker run -it)
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(1, c.process().exitValue(), c.log());
            assertTrue(c.log().contains("fake got: SHUTDOWN poweroff"), c.log());
            assertTrue(c.log().contains("the shutdown did not finish within 1000 ms"), c.log());
        }
    }

    private record Container(Process process, Path logFile) implements AutoCloseable {
        String log() throws IOException {
            return Files.readString(logFile);
        }

        /** To init: the child of unshare (its pid outside the namespace). */
        void signal(int signal) throws Exception {
            Posix.kill((int) init().pid(), signal);
        }

        private ProcessHandle init() {
            return process.toHandle().children().findFirst().orElseThrow();
        }

        /** The pid outside the namespace of a descendant of init that has this pid inside it (NSpid). */
        long hostPid(int namespacePid) throws IOException {
            for (ProcessHandle p : init().descendants().toList()) {
                for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                    if (line.startsWith("NSpid:") && line.trim().endsWith("\t" + namespacePid)) return p.pid();
                }
            }
            return -1;
        }

        @Override
        public void close() throws Exception {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Container start(String fakeMode, String... options) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"));
        List<String> svmgr = new ArrayList<>(jvm);
        svmgr.addAll(List.of(FakeSvmgr.class.getName(), fakeMode));
        Path argv = dir.resolve("svmgr.argv");
        Files.write(argv, svmgr);
        List<String> command = new ArrayList<>(List.of("/usr/bin/unshare", "--pid", "--fork", "--mount-proc"));
        command.addAll(jvm);
        command.addAll(List.of("dynamod.init.Init", "--state", dir.resolve("state").toString(), "--svmgr-argv", argv.toString()));
        command.addAll(List.of(options));
        Path log = dir.resolve("init.log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("container");
        return new Container(pb.start(), log);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
