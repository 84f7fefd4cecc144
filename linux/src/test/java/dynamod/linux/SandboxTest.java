package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.linux.ExecHelper.Bind;
import dynamod.linux.ExecHelper.Command;
import dynamod.linux.ExecHelper.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The helper's isolation, seen from inside the service (its script prints what it sees) and from outside. Needs root
 * (CAP_SYS_ADMIN). This JVM becomes a child subreaper, so a service the helper forked into namespaces is reaped here.
 */
class SandboxTest {

    @BeforeAll
    static void rootAndSubreaper() throws LinuxException {
        assumeTrue(Posix.geteuid() == 0, "namespaces and mounts need root");
        Posix.setChildSubreaper();
    }

    private static Command sh(String script, Sandbox sandbox) {
        return Command.of("/bin/sh", List.of("sh", "-c", script), Children.ENV).withSandbox(sandbox);
    }

    private static Sandbox namespaces(String... names) {
        return new Sandbox(Set.of(names), false, null, List.of(), null, null);
    }

    /** Runs the script; the output once the service (the helper's child, if it forked) has exited and been reaped. */
    private static String run(Command command) throws LinuxException {
        Children.Result r = Children.runHelper(command, Map.of());
        assertTrue(r.report().ok(), r.report().toString());
        if (r.report().pid() > 0) {
            Posix.Reaped service = Posix.waitPid(r.report().pid(), true);
            assertEquals(0, service.exitCode(), r.output());
        } else {
            assertEquals(0, r.status().exitCode(), r.output());
        }
        return r.output();
    }

    @Test
    void aPidNamespaceMakesTheServicePid1WithItsOwnProc() throws Exception {
        Children.Result r = Children.runHelper(sh("echo $$; set -- /proc/[0-9]*; echo $*", namespaces("pid")), Map.of());
        assertTrue(r.report().ok(), r.report().toString());
        int service = r.report().pid();
        assertTrue(service > 0 && service != Posix.getpid(), "the helper reports the forked service: " + r.report());
        assertEquals(0, Posix.waitPid(service, true).exitCode());
        assertEquals(0, r.status().exitCode(), "the helper itself exits at once");
        // The shell expands the glob itself, without a child: its /proc holds only it.
        assertEquals(List.of("1", "/proc/1"), r.output().lines().toList(), "PID 1, and a /proc of its own namespace");
    }

    @Test
    void killingPid1KillsTheWholeNamespace(@TempDir Path dir) throws Exception {
        Path started = dir.resolve("started");
        int[] out = Posix.pipe();
        // The grandchild keeps the output pipe open: EOF on it means the grandchild is gone too.
        Command command = sh("sleep 600 & echo > " + started + "; wait", namespaces("pid")).withSetsid(true);
        int[] report = Posix.pipe();
        int devNull = Posix.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        int helper = Spawn.spawn(ExecHelper.path().toString(), command.helperArgv(), command.env(),
                Map.of(0, devNull, 1, out[1], 2, out[1], command.reportFd(), report[1]), false);
        Posix.close(devNull);
        Posix.close(out[1]);
        Posix.close(report[1]);
        ExecHelper.SpawnReport spawned = ExecHelper.readReport(report[0]);
        Posix.close(report[0]);
        Posix.waitPid(helper, true);
        assertTrue(spawned.ok(), spawned.toString());
        int service = spawned.pid();
        org.awaitility.Awaitility.await().until(() -> Files.exists(started));
        assertEquals(service, ProcStat.session(service).orElseThrow(), "the service leads its own session");
        Posix.kill(service, Signals.SIGKILL);
        assertEquals(Signals.SIGKILL, Posix.waitPid(service, true).signal());
        assertEquals("", Children.readAll(out[0]), "EOF: the sleep in the namespace died with its PID 1");
        Posix.close(out[0]);
    }

    @Test
    void privateTmpIsInvisibleOutside() throws Exception {
        String name = "dynamod-private-tmp-" + ProcessHandle.current().pid();
        String output = run(sh("ls -A /tmp | wc -l; echo secret > /tmp/" + name + " && cat /tmp/" + name,
                new Sandbox(Set.of(), true, null, List.of(), null, null)));
        assertEquals(List.of("0", "secret"), output.lines().toList(), "an empty /tmp of its own, writable");
        assertFalse(Files.exists(Path.of("/tmp", name)), "the file is not in the host's /tmp");
    }

    @Test
    void protectSystemStrictMakesEverythingButTheApiFileSystemsReadOnly() throws Exception {
        String output = run(sh("touch /usr/.dynamod-test 2>&1; touch /etc/.dynamod-test 2>&1; touch /tmp/.dynamod-test 2>&1; "
                + "touch /dev/shm/.dynamod-test-$$ && rm /dev/shm/.dynamod-test-$$ && echo dev writable",
                new Sandbox(Set.of(), false, "strict", List.of(), null, null)));
        assertEquals(List.of("touch: cannot touch '/usr/.dynamod-test': Read-only file system",
                "touch: cannot touch '/etc/.dynamod-test': Read-only file system",
                "touch: cannot touch '/tmp/.dynamod-test': Read-only file system", "dev writable"), output.lines().toList());
    }

    @Test
    void protectSystemFullLeavesVarWritable(@TempDir Path dir) throws Exception {
        String output = run(sh("touch /etc/.dynamod-test 2>&1; touch " + dir + "/w && echo tmp writable",
                new Sandbox(Set.of(), false, "full", List.of(), null, null)));
        assertEquals(List.of("touch: cannot touch '/etc/.dynamod-test': Read-only file system", "tmp writable"), output.lines().toList());
    }

    @Test
    void aNetNamespaceHasOnlyLoopbackAndItIsUp() throws Exception {
        String output = run(sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip -o link | grep -c LOOPBACK,UP", namespaces("net")));
        assertEquals(List.of("lo", "1"), output.lines().toList());
    }

    @Test
    void aUtsNamespaceHasItsOwnHostname() throws Exception {
        String output = run(sh("hostname", new Sandbox(Set.of(), false, null, List.of(), "dynamod-inside", null)));
        assertEquals("dynamod-inside\n", output);
        assertFalse(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip().equals("dynamod-inside"), "the host's is untouched");
    }

    @Test
    void aUserNamespaceMapsRootInsideToTheServicesUserOutside() throws Exception {
        String output = run(sh("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups | tr -s ' '",
                namespaces("user")).withUser("nobody"));
        String nobody = String.valueOf(uidOf("nobody"));
        assertEquals(List.of("0", "0", " 0 " + nobody + " 1", " 0 " + groupOf("nobody") + " 1", "deny"), output.lines().toList());
    }

    @Test
    void userAndPidNamespacesTogether() throws Exception {
        String output = run(sh("echo $$; id -u; touch /root/.dynamod-test 2>&1 | grep -c denied", namespaces("user", "pid", "net")).withUser("nobody"));
        assertEquals(List.of("1", "0", "1"), output.lines().toList(), "PID 1, root inside, and no power over root's files outside");
    }

    @Test
    void bindMountsAreReadOnlyUnlessWritable(@TempDir Path dir) throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Path rw = Files.createDirectories(dir.resolve("rw"));
        Files.writeString(ro.resolve("file"), "seen\n");
        // Targets under a private /tmp: the sources under the host's /tmp were taken before it covered them.
        String output = run(sh("cat /tmp/in-ro/file; touch /tmp/in-ro/x 2>&1; echo written > /tmp/in-rw/file && echo ok",
                new Sandbox(Set.of(), true, null, List.of(new Bind(ro, Path.of("/tmp/in-ro"), false),
                        new Bind(rw, Path.of("/tmp/in-rw"), true)), null, null)));
        assertEquals(List.of("seen", "touch: cannot touch '/tmp/in-ro/x': Read-only file system", "ok"), output.lines().toList());
        assertEquals("written\n", Files.readString(rw.resolve("file")), "the writable one wrote through to the host");
    }

    @Test
    void bindMountsInAUserNamespaceCreateTheirTargetsAsTheServicesUser(@TempDir Path dir) throws Exception {
        // The targets are made inside, after the clone: as the host's root, which the namespace does not map, the mkdir
        // would fail (EOVERFLOW); as uid 0 of the namespace (the service's user outside) it works.
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Path rw = Files.createDirectories(dir.resolve("rw"));
        for (Path source : List.of(dir, ro, rw)) Files.setPosixFilePermissions(source, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String output = run(sh("touch /tmp/in-ro/x 2>&1; echo written > /tmp/in-rw/file && echo ok",
                new Sandbox(Set.of("user"), true, null, List.of(new Bind(ro, Path.of("/tmp/in-ro"), false),
                        new Bind(rw, Path.of("/tmp/in-rw"), true)), null, null)).withUser("nobody"));
        assertEquals(List.of("touch: cannot touch '/tmp/in-ro/x': Read-only file system", "ok"), output.lines().toList());
        assertEquals("written\n", Files.readString(rw.resolve("file")), "the writable one wrote through to the host");
        assertEquals(uidOf("nobody"), Files.getAttribute(rw.resolve("file"), "unix:uid"), "as the service's user");
    }

    @Test
    void aMissingBindSourceFailsTheSpawnWithItsStep() throws Exception {
        Children.Result r = Children.runHelper(sh("echo ran", new Sandbox(Set.of(), false, null,
                List.of(new Bind(Path.of("/nonexistent/dynamod"), Path.of("/data"), false)), null, null)), Map.of());
        assertEquals("bind-mount", r.report().step());
        assertEquals(Errno.ENOENT, r.report().errno());
        assertEquals("/nonexistent/dynamod: No such file or directory", r.report().message());
        assertEquals("", r.output());
    }

    @Test
    void noNewPrivilegesAndTheCapabilityBound() throws Exception {
        String output = run(sh("grep -E '^(CapInh|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | tr -d '\\t'",
                new Sandbox(Set.of(), false, null, List.of(), null, Set.of(10, 12))).withNoNewPrivs(true));
        // CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12): 0x1400.
        assertEquals(List.of("CapInh:0000000000000000", "CapEff:0000000000001400", "CapBnd:0000000000001400",
                "CapAmb:0000000000000000", "NoNewPrivs:1"), output.lines().toList());
    }

    private static int uidOf(String user) throws Exception {
        return Integer.parseInt(new String(new ProcessBuilder("id", "-u", user).start().getInputStream().readAllBytes()).strip());
    }

    private static int groupOf(String user) throws Exception {
        return Integer.parseInt(new String(new ProcessBuilder("id", "-g", user).start().getInputStream().readAllBytes()).strip());
    }
}
