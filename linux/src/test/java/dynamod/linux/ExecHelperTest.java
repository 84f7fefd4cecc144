package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.linux.ExecHelper.Command;
import dynamod.linux.ExecHelper.SpawnReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecHelperTest {

    private static Command sh(String script) {
        return Command.of("/bin/sh", List.of("sh", "-c", script), Children.ENV);
    }

    @Test
    void helperIsBuiltAndFound() {
        Path helper = ExecHelper.path();
        assertTrue(Files.isExecutable(helper), helper.toString());
        assertTrue(helper.endsWith("linux/target/native/dynamod-exec"), helper.toString());
    }

    @Test
    void successReportsEofAndTheProgramRuns() throws Exception {
        Command command = Command.of("/bin/sh", List.of("sh", "-c", "echo \"$0 $1 $LC_ALL\"; exit 4", "zero", "one"), Children.ENV);
        Children.Result r = Children.runHelper(command, Map.of());
        assertEquals(SpawnReport.OK, r.report());
        assertTrue(r.report().ok());
        assertEquals("zero one C\n", r.output());
        assertEquals(4, r.status().exitCode());
    }

    @Test
    void theProgramHasNoBlockedOrIgnoredSignals() throws Exception {
        Children.Result r = Children.runHelper(Command.of("/bin/grep", List.of("grep", "^Sig[BI]", "/proc/self/status"), List.of()), Map.of());
        assertEquals("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", r.output());
    }

    @Test
    void missingExecutable() throws Exception {
        Children.Result r = Children.runHelper(Command.of("/nonexistent/prog", List.of("prog"), List.of()), Map.of());
        assertFalse(r.report().ok());
        assertEquals("exec", r.report().step());
        assertEquals(Errno.ENOENT, r.report().errno());
        assertEquals("/nonexistent/prog: No such file or directory", r.report().message());
        assertEquals(127, r.status().exitCode());
        assertEquals("exec /nonexistent/prog: No such file or directory (ENOENT)", r.report().toException().getMessage());
    }

    @Test
    void nonExecutableFile(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        Children.Result r = Children.runHelper(Command.of(script.toString(), List.of("script"), List.of()), Map.of());
        assertEquals("exec", r.report().step());
        assertEquals(Errno.EACCES, r.report().errno());
    }

    @Test
    void badWorkdir() throws Exception {
        Children.Result r = Children.runHelper(sh("true").withWorkdir(Path.of("/nonexistent/dir")), Map.of());
        assertEquals("chdir", r.report().step());
        assertEquals(Errno.ENOENT, r.report().errno());
    }

    @Test
    void workdir(@TempDir Path dir) throws Exception {
        Children.Result r = Children.runHelper(sh("pwd").withWorkdir(dir), Map.of());
        assertEquals(dir.toRealPath() + "\n", r.output());
    }

    @Test
    void unknownUser() throws Exception {
        Children.Result r = Children.runHelper(sh("true").withUser("no-such-user-dynamod"), Map.of());
        assertEquals("user", r.report().step());
        assertEquals("no such user: no-such-user-dynamod", r.report().message());
        assertEquals(127, r.status().exitCode());
    }

    @Test
    void unknownOptionIsAUsageFailure() throws Exception {
        Children.Result r = Children.runHelperArgv(
                List.of("dynamod-exec", "--report-fd", "3", "--frobnicate", "--", "/bin/true"), List.of(), Map.of());
        assertEquals("usage", r.report().step());
        assertEquals(Errno.EINVAL, r.report().errno());
        assertEquals("unknown option: --frobnicate", r.report().message());
        Children.Result relative = Children.runHelperArgv(List.of("dynamod-exec", "--report-fd", "3", "--", "true"), List.of(), Map.of());
        assertEquals("usage", relative.report().step());
    }

    @Test
    void renamedFdReachesTheProgram() throws Exception {
        int[] ready = Posix.pipe();
        // The readiness pipe arrives as fd 4 and the program expects it at 7; 4 is gone by then.
        Children.Result r = Children.runHelper(
                sh("echo ready >&7; if [ -e /proc/self/fd/4 ]; then echo 4-open; fi").withRename(4, 7), Map.of(4, ready[1]));
        Posix.close(ready[1]);
        assertTrue(r.report().ok(), r.report().toString());
        assertEquals("", r.output());
        assertEquals("ready\n", Children.readAll(ready[0]));
        Posix.close(ready[0]);
    }

    @Test
    void renameOntoTheReportFdMovesTheReportFdAside() throws Exception {
        int[] ready = Posix.pipe();
        Children.Result r = Children.runHelper(sh("echo ready >&3").withRename(4, 3).withCloseFds(true), Map.of(4, ready[1]));
        Children.Result failed = Children.runHelper(
                Command.of("/nonexistent", List.of("x"), List.of()).withRename(4, 3), Map.of(4, ready[1]));
        Posix.close(ready[1]);
        assertTrue(r.report().ok(), r.report().toString());
        assertEquals("ready\n", Children.readAll(ready[0]));
        Posix.close(ready[0]);
        assertEquals("exec", failed.report().step(), "the report still reaches the parent");
    }

    @Test
    void closeFdsClosesWhatIsNotKept() throws Exception {
        int[] p = Posix.pipe();
        Map<Integer, Integer> extra = Map.of(5, p[1], 6, p[1]);
        Command listFds = Command.of("/bin/ls", List.of("ls", "/proc/self/fd"), Children.ENV);
        // 3 is the fd ls reads /proc/self/fd through (the report fd closed at the exec).
        assertEquals(List.of("0", "1", "2", "3", "5", "6"), fds(Children.runHelper(listFds, extra)));
        assertEquals(List.of("0", "1", "2", "3", "6"), fds(Children.runHelper(listFds.withCloseFds(true).withKeepFd(6), extra)));
        Posix.close(p[0]);
        Posix.close(p[1]);
    }

    private static List<String> fds(Children.Result r) {
        assertTrue(r.report().ok(), r.report().toString());
        return r.output().lines().sorted(java.util.Comparator.comparingInt(Integer::parseInt)).toList();
    }

    @Test
    void asRootDropsToNobody() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root");
        Children.Result r = Children.runHelper(sh("id -u; id -g; id -G").withUser("nobody").withNoNewPrivs(true), Map.of());
        assertTrue(r.report().ok(), r.report().toString());
        List<String> lines = r.output().lines().toList();
        assertEquals("65534", lines.get(0), r.output());
        List<String> groups = Arrays.asList(lines.get(2).split(" "));
        assertFalse(groups.contains("0"), "no root group left: " + groups);
        assertEquals(0, r.status().exitCode());
    }

    @Test
    void asRootNumericUidNeedsAGroup() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root");
        Children.Result noGroup = Children.runHelper(sh("id -u").withUser("54321"), Map.of());
        assertEquals("group", noGroup.report().step());
        Children.Result r = Children.runHelper(
                sh("id -u; id -g; id -G").withUser("54321").withGroup("54321").withGroups(List.of("daemon", "7")), Map.of());
        assertTrue(r.report().ok(), r.report().toString());
        assertEquals(List.of("54321", "54321", "54321 1 7"), r.output().lines().toList());
    }

    @Test
    void helperArgvProtocol() {
        Command command = Command.of("/bin/sleep", List.of("sleep", "10"), List.of())
                .withUser("nobody").withGroups(List.of("a", "b")).withWorkdir(Path.of("/tmp")).withSetsid(true)
                .withRename(4, 7).withKeepFd(9).withCloseFds(true).withNoNewPrivs(true);
        assertEquals(List.of("dynamod-exec", "--report-fd", "3", "--setsid", "--user", "nobody", "--groups", "a,b",
                "--no-new-privs", "--chdir", "/tmp", "--rename-fd", "4:7", "--keep-fd", "9", "--close-fds",
                "--", "/bin/sleep", "sleep", "10"), command.helperArgv());
        assertEquals(List.of("dynamod-exec", "--report-fd", "4", "--cgroup", "/sys/fs/cgroup/a.service", "--keep-fd", "3",
                "--", "/bin/true", "true"), Command.of("/bin/true", List.of("true"), List.of()).withReportFd(4)
                .withCgroup(Path.of("/sys/fs/cgroup/a.service")).withKeepFd(3).helperArgv());
    }

    /**
     * Command is the one writer of the helper's argv: every option the C parser knows, the C header's usage and
     * linux/README.md's table list is one a Command writes, and no other.
     */
    @Test
    void everyOptionOfTheHelperIsOneCommandWrites() throws Exception {
        String c = Files.readString(Path.of("src/main/c/dynamod-exec.c"));
        java.util.Set<String> parsed = options(c, "strcmp\\(opt, \"(--[a-z-]+)\"\\)");
        parsed.remove("--");
        String usage = c.substring(c.indexOf(" * Options"), c.indexOf(" * On any failure"));
        java.util.Set<String> documented = options(usage, "\\n \\*   (--[a-z-]+)");
        documented.addAll(options(usage, "; (--[a-z-]+) SRC DST")); // --bind-rw shares --bind's line
        java.util.Set<String> readme = options(Files.readString(Path.of("README.md")), "\\| `(--[a-z-]+)[ `]");
        readme.addAll(options(Files.readString(Path.of("README.md")), "`, `(--[a-z-]+) "));

        Command everything = Command.of("/bin/true", List.of("true"), List.of()).withReportFd(4)
                .withCgroup(Path.of("/sys/fs/cgroup/a.service")).withWorkdir(Path.of("/")).withUser("nobody").withGroup("nogroup")
                .withGroups(List.of("daemon")).withSetsid(true).withCloseFds(true).withKeepFd(5).withRename(6, 7).withNoNewPrivs(true)
                .withSandbox(new ExecHelper.Sandbox(java.util.Set.of("net"), true, "strict",
                        List.of(new ExecHelper.Bind(Path.of("/a"), Path.of("/b"), false), new ExecHelper.Bind(Path.of("/c"), Path.of("/d"), true)),
                        "box", java.util.Set.of()));
        List<String> argv = everything.helperArgv();
        java.util.Set<String> written = new java.util.TreeSet<>(
                argv.subList(1, argv.indexOf("--")).stream().filter(a -> a.startsWith("--")).toList());

        assertEquals(parsed, written, "the C parser's options vs Command's");
        assertEquals(parsed, documented, "the C parser's options vs its usage comment");
        assertEquals(parsed, readme, "the C parser's options vs linux/README.md");
    }

    private static java.util.Set<String> options(String text, String regex) {
        java.util.Set<String> found = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        while (m.find()) found.add(m.group(1));
        return found;
    }

    @Test
    void theReportFdMovesOutOfTheWayOfAKeptFd() throws Exception {
        int[] ready = Posix.pipe();
        // svmgr's layout for a service that wants its readiness pipe at fd 3: the report goes to fd 4.
        Children.Result r = Children.runHelper(sh("echo ready >&3").withKeepFd(3).withCloseFds(true).withReportFd(4), Map.of(3, ready[1]));
        Children.Result failed = Children.runHelper(Command.of("/nonexistent", List.of("x"), List.of()).withReportFd(4), Map.of());
        Posix.close(ready[1]);
        assertTrue(r.report().ok(), r.report().toString());
        assertEquals("ready\n", Children.readAll(ready[0]));
        Posix.close(ready[0]);
        assertEquals("exec", failed.report().step(), "the failure comes back on fd 4");
        assertEquals(Errno.ENOENT, failed.report().errno());
    }

    @Test
    void reportParsing() {
        assertEquals(SpawnReport.OK, ExecHelper.parseReport(""));
        assertEquals(new SpawnReport(false, "setuid", 1, "Operation not permitted"),
                ExecHelper.parseReport("setuid 1 Operation not permitted\n"));
        assertEquals("report", ExecHelper.parseReport("garbage").step());
        assertEquals(new SpawnReport(true, null, 0, null, 4242), ExecHelper.parseReport("pid 4242\n"));
        assertEquals(new SpawnReport(false, "proc", 1, "Operation not permitted", 4242),
                ExecHelper.parseReport("pid 4242\nproc 1 Operation not permitted\n"));
    }

    @Test
    void sandboxOptions() {
        var sandbox = new ExecHelper.Sandbox(java.util.Set.of("user", "pid"), true, "strict",
                List.of(new ExecHelper.Bind(Path.of("/srv"), Path.of("/data"), true), new ExecHelper.Bind(Path.of("/a"), Path.of("/b"), false)),
                "box", java.util.Set.of(12, 10));
        assertEquals(List.of("--unshare", "pid,user", "--private-tmp", "--protect-system", "strict", "--bind-rw", "/srv", "/data",
                "--bind", "/a", "/b", "--hostname", "box", "--cap-bound", "10,12"), sandbox.options());
        assertEquals(List.of("--cap-bound", ""), new ExecHelper.Sandbox(java.util.Set.of(), false, null, List.of(), null,
                java.util.Set.of()).options(), "an empty bound drops every capability");
        assertEquals(List.of(), ExecHelper.Sandbox.NONE.options());
    }
}
