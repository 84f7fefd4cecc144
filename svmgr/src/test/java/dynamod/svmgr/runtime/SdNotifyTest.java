package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static dynamod.svmgr.runtime.EndToEnd.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.Reloading;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.linux.UnixSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify compatibility with real senders: Debian's systemd-notify (systemd 252, which also sends BARRIER=1 and
 * waits for it), a C program linked against libsystemd, a foreign sender, MAINPID=, and RELOADING=1 then READY=1.
 */
class SdNotifyTest {

    private static final String C_PROGRAM = """
            #include <stdio.h>
            #include <unistd.h>
            #include <systemd/sd-daemon.h>
            int main(void) {
                int r = sd_notify(0, "READY=1\\nSTATUS=from C");
                printf("sd_notify returned %d\\n", r);
                fflush(stdout);
                for (;;) pause();
            }
            """;

    @TempDir
    static Path dir;

    static HostTree tree;
    static Path work;
    static Optional<String> noCompiler = Optional.empty();

    @BeforeAll
    static void start() throws Exception {
        Path config = HostTree.config(dir);
        work = Files.createDirectories(dir.resolve("work"));
        HostTree.service(config, "script", "type = \"notify\"\n" + sh("start=$(date +%s%N); systemd-notify --ready --status='ready from script'; rc=$?; "
                + "end=$(date +%s%N); echo \"systemd-notify rc=$rc took $(( (end - start) / 1000000 )) ms\"; exec sleep 600"));
        noCompiler = compile();
        if (noCompiler.isEmpty()) {
            HostTree.service(config, "c-program", "type = \"notify\"\nexec = [" + str(work.resolve("notifier").toString()) + "]\n");
        }
        HostTree.service(config, "waiting", "type = \"notify\"\n" + sh("exec sleep 600") + "[readiness]\ntimeout = \"5m\"\n");
        HostTree.service(config, "mainpid", "type = \"notify\"\n"
                + sh("sleep 600 & echo $! > " + work.resolve("mainpid") + "; systemd-notify --ready --pid=$! --status='handed over'; exit 0"));
        HostTree.service(config, "reload", "type = \"notify\"\n" + sh("systemd-notify --ready; " + gate("reload") + "systemd-notify RELOADING=1; "
                + gate("reloaded") + "systemd-notify --ready --status=reloaded; exec sleep 600"));
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    private static String gate(String name) {
        return EndToEnd.gate(work, name);
    }

    /** Compiles the C notifier; empty when it worked, else why not. */
    private static Optional<String> compile() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/gcc"))) return Optional.of("no gcc");
        if (!Files.exists(Path.of("/usr/include/systemd/sd-daemon.h"))) return Optional.of("no sd-daemon.h (libsystemd-dev)");
        Path source = work.resolve("notifier.c");
        Files.writeString(source, C_PROGRAM);
        Process gcc = new ProcessBuilder("/usr/bin/gcc", "-o", work.resolve("notifier").toString(), source.toString(), "-lsystemd")
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) throw new AssertionError("gcc failed: " + out);
        return Optional.empty();
    }

    @Test
    void systemdNotifyFromAScriptIsRecognisedWithItsStatusAndItsBarrierIsAnsweredAtOnce() throws Exception {
        tree.awaitState("script", "running");
        assertEquals("ready from script", tree.status("script").get("statusText"));
        List<ServiceReady> ready = eventsOf(tree, "script", ServiceReady.class);
        assertEquals(1, ready.size());
        assertEquals("notify", ready.getFirst().detector());
        assertEquals(List.of("ready from script"), eventsOf(tree, "script", StatusText.class).stream().map(StatusText::text).toList());
        // systemd 252's systemd-notify sends BARRIER=1 after the message and waits up to 5 s for its fd to be closed.
        Pattern timing = Pattern.compile("systemd-notify rc=(\\d+) took (\\d+) ms");
        await().until(() -> EndToEnd.lines(tree, "script").stream().anyMatch(l -> timing.matcher(l).matches()));
        String line = EndToEnd.lines(tree, "script").stream().filter(l -> timing.matcher(l).matches()).findFirst().orElseThrow();
        Matcher m = timing.matcher(line);
        assertTrue(m.matches());
        assertEquals("0", m.group(1), "systemd-notify succeeded (its barrier was answered): " + line);
        assertTrue(Integer.parseInt(m.group(2)) < 2000, "the barrier did not wait for its 5 s timeout: " + line);
        assertTrue(ready.getFirst().startMicros() < 3_000_000, "ready promptly: " + ready.getFirst());
    }

    @Test
    void sdNotifyFromACProgramLinkedWithLibsystemdIsRecognised() throws Exception {
        Assumptions.assumeTrue(noCompiler.isEmpty(), () -> noCompiler.orElse(""));
        tree.awaitState("c-program", "running");
        assertEquals("from C", tree.status("c-program").get("statusText"));
        assertEquals("notify", eventsOf(tree, "c-program", ServiceReady.class).getFirst().detector());
        await().until(() -> EndToEnd.lines(tree, "c-program").contains("sd_notify returned 1"));
    }

    @Test
    void aMessageFromAForeignProcessIsRefusedAndChangesNothing() throws Exception {
        await().until(() -> tree.pidOf("waiting") != 0);
        Path socket = tree.runDir().resolve("notify.sock");
        long me = ProcessHandle.current().pid();
        String refusal = "sd_notify message from pid " + me + " refused";
        // From the test JVM itself.
        UnixSockets.sendDatagram(socket, "READY=1\nSTATUS=forged by the test\nMAINPID=1".getBytes(StandardCharsets.UTF_8), new int[0]);
        // Debian's systemd-notify run by the test (as root it claims its parent, the test JVM, as the sender).
        ProcessBuilder pb = new ProcessBuilder("systemd-notify", "--ready", "--status=forged by systemd-notify").redirectErrorStream(true);
        pb.environment().put("NOTIFY_SOCKET", socket.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(4, TimeUnit.SECONDS), "its barrier was answered although the sender is refused");
        await().until(() -> tree.log().split(Pattern.quote(refusal), -1).length - 1 >= 2);
        var status = tree.status("waiting");
        assertEquals("starting", status.get("state"));
        assertNull(status.get("statusText"));
        assertTrue(eventsOf(tree, "waiting", ServiceReady.class).isEmpty());
        assertTrue(tree.events(StatusText.class).stream().noneMatch(s -> s.text().startsWith("forged")));
        assertTrue(tree.events(MainPidChanged.class).stream().noneMatch(c -> c.pid() == 1));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> "starting".equals(tree.stateOf("waiting")));
    }

    @Test
    void mainPidHandsTheServiceOverToAnotherProcessThatOutlivesTheStarter() throws Exception {
        tree.awaitState("mainpid", "running");
        await().until(() -> Files.exists(work.resolve("mainpid")) && !Files.readString(work.resolve("mainpid")).isBlank());
        int daemon = Integer.parseInt(Files.readString(work.resolve("mainpid")).strip());
        int starter = eventsOf(tree, "mainpid", ServiceSpawned.class).getFirst().pid();
        assertEquals(daemon, tree.pidOf("mainpid"), () -> EndToEnd.history(tree, "mainpid"));
        List<MainPidChanged> changed = eventsOf(tree, "mainpid", MainPidChanged.class);
        assertEquals(1, changed.size(), () -> EndToEnd.history(tree, "mainpid"));
        assertEquals(starter, changed.getFirst().oldPid(), () -> EndToEnd.history(tree, "mainpid"));
        assertEquals(daemon, changed.getFirst().pid());
        assertEquals("handed over", tree.status("mainpid").get("statusText"));
        // The starter exits; the daemon it named is the service now and stays.
        await().until(() -> ProcessHandle.of(starter).map(h -> !h.isAlive()).orElse(true));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() ->
                ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false) && "running".equals(tree.stateOf("mainpid"))
                        && tree.pidOf("mainpid") == daemon);
        assertEquals(1, eventsOf(tree, "mainpid", ServiceSpawned.class).size(), "not restarted");
        assertTrue(eventsOf(tree, "mainpid", ServiceExited.class).stream().noneMatch(e -> e.pid() == daemon));
    }

    @Test
    void reloadingThenReadyGoesThroughReloadingBackToRunning() throws Exception {
        tree.awaitState("reload", "running");
        Files.writeString(work.resolve("reload-gate"), "");
        tree.awaitState("reload", "reloading");
        assertEquals(1, eventsOf(tree, "reload", Reloading.class).size());
        Files.writeString(work.resolve("reloaded-gate"), "");
        tree.awaitState("reload", "running");
        await().until(() -> "reloaded".equals(tree.status("reload").get("statusText")));
        List<ServiceStateChanged> changes = eventsOf(tree, "reload", ServiceStateChanged.class);
        List<ServiceState> path = changes.stream().map(ServiceStateChanged::to).toList();
        assertEquals(List.of(ServiceState.STARTING, ServiceState.RUNNING, ServiceState.RELOADING, ServiceState.RUNNING),
                path.subList(path.indexOf(ServiceState.STARTING), path.size()), changes.toString());
        assertEquals("reloaded", changes.getLast().reason());
        assertEquals(1, eventsOf(tree, "reload", ServiceReady.class).size(), "the second READY=1 ends the reload, not a new start");
        assertEquals(1, eventsOf(tree, "reload", ServiceSpawned.class).size());
    }
}
