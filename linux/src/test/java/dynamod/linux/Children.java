package dynamod.linux;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test support: spawning children with a pipe for their output, and reading it. */
final class Children {

    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C");

    private Children() {}

    record Result(ExecHelper.SpawnReport report, String output, Posix.Reaped status) {}

    /** Spawns path directly; stdout and stderr to one pipe, read to EOF; reaped. */
    static Result run(String path, List<String> argv, Map<Integer, Integer> extraFds) throws LinuxException {
        int[] out = Posix.pipe();
        int devNull = Posix.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        Map<Integer, Integer> fds = new HashMap<>(Map.of(0, devNull, 1, out[1], 2, out[1]));
        fds.putAll(extraFds);
        int pid;
        try {
            pid = Spawn.spawn(path, argv, ENV, fds, false);
        } finally {
            Posix.close(devNull);
            Posix.close(out[1]);
        }
        String output = readAll(out[0]);
        Posix.close(out[0]);
        return new Result(null, output, Posix.waitPid(pid, true));
    }

    /** Spawns the exec helper for command, with the report pipe at the command's report fd. */
    static Result runHelper(ExecHelper.Command command, Map<Integer, Integer> extraFds) throws LinuxException {
        return runHelperArgv(command.helperArgv(), command.env(), command.reportFd(), extraFds);
    }

    /** Spawns the exec helper with an argv of its own (a malformed one), the report pipe at the default report fd. */
    static Result runHelperArgv(List<String> helperArgv, List<String> env, Map<Integer, Integer> extraFds)
            throws LinuxException {
        return runHelperArgv(helperArgv, env, ExecHelper.DEFAULT_REPORT_FD, extraFds);
    }

    private static Result runHelperArgv(List<String> helperArgv, List<String> env, int reportFd, Map<Integer, Integer> extraFds)
            throws LinuxException {
        int[] out = Posix.pipe();
        int[] report = Posix.pipe();
        int devNull = Posix.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        Map<Integer, Integer> fds = new HashMap<>(Map.of(0, devNull, 1, out[1], 2, out[1], reportFd, report[1]));
        fds.putAll(extraFds);
        int pid;
        try {
            pid = Spawn.spawn(ExecHelper.path().toString(), helperArgv, env, fds, false);
        } finally {
            Posix.close(devNull);
            Posix.close(out[1]);
            Posix.close(report[1]);
        }
        ExecHelper.SpawnReport spawnReport = ExecHelper.readReport(report[0]);
        Posix.close(report[0]);
        String output = readAll(out[0]);
        Posix.close(out[0]);
        return new Result(spawnReport, output, Posix.waitPid(pid, true));
    }

    static String readAll(int fd) throws LinuxException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = Posix.read(fd, buffer, 0, buffer.length)) > 0; ) bytes.write(buffer, 0, n);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static int spawnSleep() throws LinuxException {
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        try {
            return Spawn.spawn("/bin/sleep", List.of("sleep", "100"), ENV, Map.of(0, devNull, 1, devNull, 2, devNull), false);
        } finally {
            Posix.close(devNull);
        }
    }

    static void killAndReap(int pid) throws LinuxException {
        Posix.kill(pid, Signals.SIGKILL);
        Posix.waitPid(pid, true);
    }
}
