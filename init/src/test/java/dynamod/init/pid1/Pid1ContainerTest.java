package dynamod.init.pid1;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.linux.Posix;
import dynamod.linux.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * dynamod-init as PID 1 of a new PID namespace ({@code unshare --pid --fork --mount-proc}), with {@link FakeSvmgr}:
 * it finds out it is in a container, reaps orphans and reports them, does what docs/pid1.md's signal table says for
 * a container, stops in order and exits with the result, opens the emergency shell on its console. Each test signals
 * only its own container's init. Needs root (unshare); skipped without it.
 */
class Pid1ContainerTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsRootAndUnshare() {
        assumeTrue(Posix.geteuid() == 0 && Files.isExecutable(Path.of("/usr/bin/unshare")), "needs root and unshare(1)");
    }

    /** Every shutdown signal and what docs/pid1.md says it ends in, in a container: the kind, and the exit status. */
    static Stream<Arguments> shutdownSignals() {
        return Stream.of(
                Arguments.of(Signals.SIGTERM, "poweroff", 0), // docker stop
                Arguments.of(Signals.SIGINT, "poweroff", 0), // ctrl-c at docker run -it (a machine: reboot)
                Arguments.of(Signals.SIGPWR, "poweroff", 0), // LXC's stop signal
                Arguments.of(Signals.SIGRTMIN + 3, "halt", 0),
                Arguments.of(Signals.SIGRTMIN + 4, "poweroff", 0),
                Arguments.of(Signals.SIGRTMIN + 5, "reboot", ShutdownPlan.CONTAINER_REBOOT_STATUS));
    }

    @ParameterizedTest(name = "{0} -> {1}, exit {2}")
    @MethodSource("shutdownSignals")
    void eachShutdownSignalStopsInOrderReapsOrphansAndExitsWithItsResult(int signal, String kind, int status) throws Exception {
        try (Container c = start("normal")) {
            // its service comes after what it says about its start (mask, fds)
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("fake service"));
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

            c.signal(signal);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(status, c.process().exitValue(), c.log());
            String log = c.log();
            assertTrue(log.contains(Signals.name(signal) + ": " + kind + " - stopping every service"), log);
            // The ordered stop: svmgr is asked, the service's SIGTERM trap runs, svmgr reports DONE, then init's sweep.
            assertInOrder(log, "fake got: SHUTDOWN " + kind, "service stopped by SIGTERM", "fake stopped the service for " + kind,
                    "the services are stopped (" + kind + ")", "exiting with status " + status);
            assertFalse(log.contains("SIGKILL"), "nothing needed killing: " + log);
        }
    }

    /**
     * One container for what does not end it: {@code dynamod.emergency} (a container's keys are init's arguments)
     * opens the emergency shell on the console before the services start, SIGHUP is ignored, SIGUSR2 opens the shell
     * next to the running services, SIGUSR1 restarts svmgr at once while the services go on. The console is a
     * terminal of script(1), bind-mounted on the namespace's /dev/console.
     */
    @Test
    void theEmergencyShellOnTheConsoleAndTheSignalsThatDoNotStopAnything() throws Exception {
        try (Container c = startOnATerminal("normal", "dynamod.emergency")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("leave it with 'exit'"));
            assertTrue(c.log().contains("EMERGENCY SHELL: dynamod.emergency is on the kernel command line"), c.log());
            assertFalse(c.log().contains("fake started"), "the services wait for the shell: " + c.log());
            c.type("echo emergency-$((6 * 7)); exit 7\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("fake started"));
            assertInOrder(c.log(), "emergency-42", "the emergency shell ended (exited with code 7)", "fake started");

            String service = await().atMost(Duration.ofSeconds(60)).until(() -> group(c.log(), "fake service (\\d+)"), s -> s != null);
            c.signal(Signals.SIGHUP);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("SIGHUP: ignored"));

            c.signal(Signals.SIGUSR2);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(c.log(), "leave it with 'exit'") == 2);
            assertTrue(c.log().contains("EMERGENCY SHELL: SIGUSR2 asked for it"), c.log());
            c.type("echo second-$((6 * 7)); exit 3\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> c.log().contains("the emergency shell ended (exited with code 3)"));
            assertTrue(c.log().contains("second-42"), c.log());

            String first = group(c.log(), "fake started \\(pid (\\d+)");
            c.signal(Signals.SIGUSR1);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(c.log(), "fake started") == 2);
            assertTrue(c.log().contains("restarting svmgr (pid " + first + ") now"), c.log());
            assertTrue(c.log().contains("restarting it in 0 ms"), "no back-off: " + c.log());
            // the first one's service was not stopped: it is an orphan of init now, still running
            assertTrue(Files.exists(Path.of("/proc/" + c.hostPid(Integer.parseInt(service)))), "service still runs: " + c.log());
            assertFalse(c.log().contains("SHUTDOWN"), "nothing so far was a shutdown: " + c.log());

            c.signal(Signals.SIGTERM);
            assertTrue(c.process().waitFor(60, TimeUnit.SECONDS), c.log());
            assertEquals(0, c.process().exitValue(), c.log());
            assertTrue(c.log().contains("fake got: SHUTDOWN poweroff"), c.log());
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

        /** Typed on the terminal (a container started on one). */
        void type(String text) throws IOException {
            process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        private ProcessHandle init() {
            return process.toHandle().descendants()
                    .filter(p -> p.parent().flatMap(parent -> parent.info().command()).orElse("").endsWith("/unshare"))
                    .findFirst().orElseThrow();
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
        return start(containerCommand(fakeMode, List.of(), options));
    }

    /**
     * As {@link #start}, on a terminal of its own: script(1) runs it on a new pty, whose slave the namespace
     * bind-mounts on /dev/console (the emergency shell opens that); what is typed goes to the pty.
     */
    private Container startOnATerminal(String fakeMode, String... options) throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1)");
        List<String> console = List.of("/bin/sh", "-c", "mount --bind \"$(tty)\" /dev/console && exec \"$@\"", "sh");
        StringBuilder line = new StringBuilder("exec");
        for (String word : containerCommand(fakeMode, console, options)) line.append(" '").append(word.replace("'", "'\\''")).append('\'');
        return start(List.of("/usr/bin/script", "--quiet", "--return", "--command", line.toString(), "/dev/null"));
    }

    private Container start(List<String> command) throws IOException {
        Path log = dir.resolve("init.log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("container");
        return new Container(pb.start(), log);
    }

    /** unshare, then {@code wrapper} (if any) and init in the new namespaces. */
    private List<String> containerCommand(String fakeMode, List<String> wrapper, String... options) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"));
        List<String> svmgr = new ArrayList<>(jvm);
        svmgr.addAll(List.of(FakeSvmgr.class.getName(), fakeMode));
        Path argv = dir.resolve("svmgr.argv");
        Files.write(argv, svmgr);
        List<String> command = new ArrayList<>(List.of("/usr/bin/unshare", "--pid", "--fork", "--mount-proc"));
        command.addAll(wrapper);
        command.addAll(jvm);
        command.addAll(List.of("dynamod.init.Init", "--state", dir.resolve("state").toString(), "--svmgr-argv", argv.toString()));
        command.addAll(List.of(options));
        return command;
    }

    /** Each of {@code parts} occurs in {@code text}, after the one before it. */
    private static void assertInOrder(String text, String... parts) {
        int from = 0;
        for (String part : parts) {
            int at = text.indexOf(part, from);
            assertTrue(at >= 0, () -> "'" + part + "' not found after the one before it:\n" + text);
            from = at + part.length();
        }
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
