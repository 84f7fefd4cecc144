package dynamod.init;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dynamod-init's supervision of svmgr, with stand-ins for svmgr that crash or hang. */
class InitTest {

    @TempDir
    Path dir;

    @Test
    void aCrashingSvmgrIsRestartedWithDoublingBackOffUpToTheCap() throws Exception {
        try (Running init = start(List.of("/bin/sh", "-c", "exit 3"), "--restart-delay", "50", "--restart-max-delay", "400",
                "--stable-after", "60000")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> delays(init.log()).size() >= 7);
            List<Integer> delays = delays(init.log()).subList(0, 7);
            assertEquals(List.of(50, 100, 200, 400, 400, 400, 400), delays, init.log());
            assertTrue(init.log().contains("exited with code 3"), init.log());
        }
    }

    @Test
    void anSvmgrThatRanLongEnoughResetsTheBackOff() throws Exception {
        // Each stand-in runs 300 ms, longer than --stable-after: every restart waits the first delay again.
        try (Running init = start(List.of("/bin/sh", "-c", "sleep 0.3; exit 1"), "--restart-delay", "50", "--restart-max-delay", "400",
                "--stable-after", "200", "--first-heartbeat-timeout", "60000")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> delays(init.log()).size() >= 4);
            assertEquals(List.of(50, 50, 50, 50), delays(init.log()).subList(0, 4), init.log());
        }
    }

    @Test
    void anSvmgrWithoutHeartbeatIsKilledAndRestarted() throws Exception {
        try (Running init = start(List.of("/bin/sh", "-c", "exec sleep 1000"), "--first-heartbeat-timeout", "300", "--restart-delay", "50")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> count(init.log(), "sent no heartbeat") >= 2);
            assertTrue(init.log().contains("was killed by SIGKILL"), init.log());
        }
    }

    @Test
    void aShutdownThatSvmgrCannotFinishEndsAtTheDeadline() throws Exception {
        // The stand-in never finishes a shutdown: it dies at once, every time. init starts it at once when asked to
        // stop, keeps its back-off (no restart storm), and at the deadline kills what is left and exits 1.
        try (Running init = start(List.of("/bin/sh", "-c", "exit 0"), "--restart-delay", "200", "--shutdown-deadline", "1500")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> init.log().contains("restarting it in 200 ms"));
            init.process.toHandle().destroy();
            assertTrue(init.process.waitFor(60, TimeUnit.SECONDS), "init exits: " + init.log());
            assertEquals(1, init.process.exitValue(), init.log());
            assertTrue(init.log().contains("the shutdown did not finish within 1500 ms"), init.log());
            assertTrue(delays(init.log()).stream().allMatch(d -> d > 0), "no restart without back-off: " + init.log());
        }
    }

    private record Running(Process process, Path logFile) implements AutoCloseable {
        String log() throws IOException {
            return Files.readString(logFile);
        }

        @Override
        public void close() throws Exception {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Running start(List<String> svmgr, String... options) throws IOException {
        Path argv = dir.resolve("svmgr.argv");
        Files.write(argv, svmgr);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", classpath(),
                "dynamod.init.Init", "--state", dir.resolve("state").toString(), "--svmgr-argv", argv.toString()));
        command.addAll(List.of(options));
        Path log = dir.resolve("init.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Running(p, log);
    }

    private static List<Integer> delays(String log) {
        List<Integer> delays = new ArrayList<>();
        Matcher m = Pattern.compile("restarting it in (\\d+) ms").matcher(log);
        while (m.find()) delays.add(Integer.parseInt(m.group(1)));
        return delays;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    /** The test's classpath (surefire is told to pass the real one, not a manifest-only jar). */
    private static String classpath() {
        return System.getProperty("java.class.path");
    }
}
