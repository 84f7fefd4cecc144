package dynamod.svmgr.runtime;

import static dynamod.svmgr.runtime.EndToEnd.await;
import static dynamod.svmgr.runtime.EndToEnd.eventsOf;
import static dynamod.svmgr.runtime.EndToEnd.sh;
import static dynamod.svmgr.runtime.EndToEnd.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.linux.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spawning real processes, in one tree: what fails (missing or non-executable programs, bad or missing environment
 * files, unknown users) is recorded with its step and errno; what works is seen by the process (its environment, its
 * user and groups).
 */
class SpawnTest {

    private static final String TEMPORARY = "[restart]\npolicy = \"temporary\"\n";
    private static final String USER = "dynamodtest";

    @TempDir
    static Path dir;

    static HostTree tree;
    static Path work;
    static boolean root;

    @BeforeAll
    static void start() throws Exception {
        Path config = HostTree.config(dir);
        work = Files.createDirectories(dir.resolve("work"));
        root = Posix.geteuid() == 0;
        HostTree.service(config, "missing-absolute", "exec = [\"/nonexistent/dynamod-test-program\"]\n"
                + "[restart]\ndelay = \"50ms\"\nmax-restarts = 2\n");
        HostTree.service(config, "missing-bare", "exec = [\"dynamod-no-such-program\", \"--flag\"]\n" + TEMPORARY);
        Path script = work.resolve("not-executable.sh");
        Files.writeString(script, "#!/bin/sh\necho should not run\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        HostTree.service(config, "not-executable", "exec = [" + str(script.toString()) + "]\n" + TEMPORARY);
        Files.writeString(work.resolve("bad.env"), "GOOD=1\n# fine so far\n  BAD LINE\n");
        HostTree.service(config, "env-syntax", sh("exec sleep 600") + "environment-file = " + str(work.resolve("bad.env").toString()) + "\n"
                + TEMPORARY);
        HostTree.service(config, "env-missing", sh("exec sleep 600") + "environment-file = " + str(work.resolve("absent.env").toString())
                + "\n" + TEMPORARY);
        Files.writeString(work.resolve("good.env"), """
                # a comment
                ; another comment

                PLAIN = plain value   # a trailing comment
                export EXPORTED=yes
                SINGLE='single $HOME "kept" \\n'
                DOUBLE="double \\"quoted\\" \\$HOME"
                MULTI="line one
                line two"
                OVERRIDDEN=from the file
                """);
        HostTree.service(config, "env-ok", sh("env; exec sleep 600")
                + "environment-file = [" + str(work.resolve("good.env").toString()) + ", " + str("-" + work.resolve("optional.env")) + "]\n"
                + "environment = { FROM_TABLE = \"table\", OVERRIDDEN = \"from the table\" }\n");
        if (root) {
            ensureUser();
            HostTree.service(config, "as-user", "exec = [\"sleep\", \"600\"]\n[service.user]\nuser = " + str(USER) + "\n");
            HostTree.service(config, "unknown-user", "exec = [\"sleep\", \"600\"]\n[service.user]\nuser = \"dynamod-no-such-user\"\n" + TEMPORARY);
        }
        tree = HostTree.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tree != null) tree.close();
    }

    private static void ensureUser() throws Exception {
        if (new ProcessBuilder("id", USER).start().waitFor() == 0) return;
        Process p = new ProcessBuilder("useradd", "--system", "--no-create-home", USER).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("useradd failed: " + out);
    }

    private static ServiceSpawnFailed failedSpawn(String service) throws Exception {
        tree.awaitState(service, "failed");
        List<ServiceSpawnFailed> failures = eventsOf(tree, service, ServiceSpawnFailed.class);
        assertFalse(failures.isEmpty(), () -> EndToEnd.history(tree, service));
        assertTrue(eventsOf(tree, service, ServiceSpawned.class).isEmpty(), "never ran");
        ServiceStateChanged last = eventsOf(tree, service, ServiceStateChanged.class).getLast();
        assertEquals(ServiceState.FAILED, last.to());
        assertTrue(last.reason().startsWith("cannot start: " + failures.getLast().step()), last.reason());
        return failures.getLast();
    }

    @Test
    void aMissingAbsoluteExecutableFailsWithEnoentAndIsRetriedByTheRestartPolicy() throws Exception {
        ServiceSpawnFailed f = failedSpawn("missing-absolute");
        assertEquals("exec", f.step());
        assertEquals(2, f.errno());
        assertTrue(f.message().contains("/nonexistent/dynamod-test-program"), f.message());
        assertEquals(3, eventsOf(tree, "missing-absolute", ServiceSpawnFailed.class).size(), "the first try and two restarts");
    }

    @Test
    void aBareNameNotInPathFailsWithEnoent() throws Exception {
        ServiceSpawnFailed f = failedSpawn("missing-bare");
        assertEquals("exec", f.step());
        assertEquals(2, f.errno());
        assertTrue(f.message().contains("dynamod-no-such-program") && f.message().contains("PATH"), f.message());
        assertEquals(1, eventsOf(tree, "missing-bare", ServiceSpawnFailed.class).size(), "temporary: not restarted");
    }

    @Test
    void aNonExecutableFileFailsWithEacces() throws Exception {
        ServiceSpawnFailed f = failedSpawn("not-executable");
        assertEquals("exec", f.step());
        assertEquals(13, f.errno());
        assertTrue(EndToEnd.lines(tree, "not-executable").stream().noneMatch(l -> l.contains("should not run")));
    }

    @Test
    void anEnvironmentFileWithASyntaxErrorFailsTheSpawnAtItsPosition() throws Exception {
        ServiceSpawnFailed f = failedSpawn("env-syntax");
        assertEquals("environment", f.step());
        assertTrue(f.message().startsWith(work.resolve("bad.env") + ":3:3: "), f.message());
        assertTrue(f.message().contains("KEY=VALUE"), f.message());
    }

    @Test
    void aMissingRequiredEnvironmentFileFailsTheSpawn() throws Exception {
        ServiceSpawnFailed f = failedSpawn("env-missing");
        assertEquals("environment", f.step());
        assertTrue(f.message().startsWith(work.resolve("absent.env").toString()), f.message());
        assertTrue(f.message().contains("no such file"), f.message());
    }

    @Test
    void theServiceSeesItsEnvironmentFilesAndEnvironmentTable() throws Exception {
        tree.awaitState("env-ok", "running");
        int pid = tree.pidOf("env-ok");
        await().until(() -> !environ(pid).isEmpty());
        Map<String, String> env = environ(pid);
        assertEquals("plain value", env.get("PLAIN"));
        assertEquals("yes", env.get("EXPORTED"));
        assertEquals("single $HOME \"kept\" \\n", env.get("SINGLE"));
        assertEquals("double \"quoted\" $HOME", env.get("DOUBLE"));
        assertEquals("line one\nline two", env.get("MULTI"));
        assertEquals("table", env.get("FROM_TABLE"));
        assertEquals("from the table", env.get("OVERRIDDEN"), "environment overrides environment-file (docs/configuration.md)");
        assertEquals("env-ok", env.get("DYNAMOD_SERVICE"));
        assertEquals(Spawner.DEFAULT_PATH, env.get("PATH"));
        assertFalse(env.containsKey("NOTIFY_SOCKET"));
        assertFalse(env.containsKey("DYNAMOD_READY_FD"));
        // What the service printed with env(1) is in its log.
        await().until(() -> EndToEnd.lines(tree, "env-ok").containsAll(List.of("PLAIN=plain value", "EXPORTED=yes",
                "DOUBLE=double \"quoted\" $HOME", "OVERRIDDEN=from the table", "DYNAMOD_SERVICE=env-ok", "MULTI=line one", "line two")));
    }

    private static Map<String, String> environ(int pid) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        String all = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ")), StandardCharsets.UTF_8);
        if (!Arrays.asList(EndToEnd.cmdline(pid).split(" ")).contains("sleep")) return Map.of(); // still the shell running env
        for (String kv : all.split("\0")) {
            int eq = kv.indexOf('=');
            if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    @Test
    void aServiceRunsAsItsUserWithoutRootsGroups() throws Exception {
        Assumptions.assumeTrue(root, "only root can switch users");
        tree.awaitState("as-user", "running");
        int pid = tree.pidOf("as-user");
        String uid = run("id", "-u", USER), gid = run("id", "-g", USER);
        assertEquals(List.of(uid, uid, uid, uid), List.of(EndToEnd.procStatus(pid, "Uid").orElseThrow().split("\\s+")));
        assertEquals(List.of(gid, gid, gid, gid), List.of(EndToEnd.procStatus(pid, "Gid").orElseThrow().split("\\s+")));
        String groups = EndToEnd.procStatus(pid, "Groups").orElseThrow();
        assertFalse(List.of(groups.split("\\s+")).contains("0"), "no group 0: " + groups);
        assertEquals(List.of(run("id", "-G", USER).split(" ")).stream().sorted().toList(),
                List.of(groups.split("\\s+")).stream().filter(g -> !g.isEmpty()).sorted().toList(), "exactly the user's groups");
        Map<String, String> env = environ(pid);
        assertEquals(USER, env.get("USER"));
        assertEquals(USER, env.get("LOGNAME"));
    }

    @Test
    void anUnknownUserFailsTheSpawnAtStepUser() throws Exception {
        Assumptions.assumeTrue(root, "only root can switch users");
        ServiceSpawnFailed f = failedSpawn("unknown-user");
        assertEquals("user", f.step());
        assertEquals(2, f.errno());
        assertTrue(f.message().contains("dynamod-no-such-user"), f.message());
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return out;
    }
}
