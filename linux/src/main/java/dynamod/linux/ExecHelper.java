package dynamod.linux;

import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Java side of {@code dynamod-exec}, the C helper that runs between posix_spawn and the service's execve (see
 * linux/README.md for its argv protocol). Spawn the helper with {@link Command#helperArgv()} and {@link Command#env()},
 * and the child's fd {@link Command#reportFd()} on the write end of a pipe; close that write end in the parent, then
 * {@link #readReport} the read end: EOF with nothing written means the service's execve succeeded.
 */
public final class ExecHelper {

    /** System property naming the helper binary outright. */
    public static final String PATH_PROPERTY = "dynamod.exec.helper";
    /** System property (or environment variable DYNAMOD_HOME) naming the source tree the helper was built in. */
    public static final String HOME_PROPERTY = "dynamod.home";
    /** The child fd a {@link Command} puts the report on unless {@link Command#withReportFd} moves it. */
    public static final int DEFAULT_REPORT_FD = 3;

    private static final String BUILT_HELPER = "target/native/dynamod-exec";
    private static final int MAX_REPORT_BYTES = 4096;

    private ExecHelper() {}

    /**
     * What the helper reported: ok, or the step that failed with its errno and message; {@code pid} is the service's
     * pid when the helper forked into new pid or user namespaces (the helper itself then exits), else 0.
     */
    public record SpawnReport(boolean ok, String step, int errno, String message, int pid) {

        public static final SpawnReport OK = new SpawnReport(true, null, 0, null, 0);

        public SpawnReport(boolean ok, String step, int errno, String message) {
            this(ok, step, errno, message, 0);
        }

        /** The failure as an exception: {@code exec /x: No such file or directory (ENOENT)}. */
        public LinuxException toException() {
            if (ok) throw new IllegalStateException("the spawn succeeded");
            return new LinuxException(step, errno, step + " " + message);
        }

        @Override
        public String toString() {
            return ok ? "ok" : step + " failed: " + message + " (" + Errno.name(errno) + ")";
        }
    }

    /**
     * The helper binary: {@value #PATH_PROPERTY} if set; else {@code linux/target/native/dynamod-exec} under
     * {@value #HOME_PROPERTY} or $DYNAMOD_HOME; else found by walking up from where this class was loaded (the
     * module's classes or jar, or another module's jar in the same tree).
     *
     * @throws IllegalStateException when none is found: the helper is built by {@code mvn -pl linux package}
     */
    public static Path path() {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path helper = Path.of(explicit);
            if (isExecutableFile(helper)) return helper;
            throw new IllegalStateException("-D" + PATH_PROPERTY + "=" + explicit + " is not an executable file");
        }
        List<Path> tried = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY, System.getenv("DYNAMOD_HOME"));
        if (home != null && !home.isBlank()) {
            Path helper = Path.of(home).resolve("linux").resolve(BUILT_HELPER);
            if (isExecutableFile(helper)) return helper;
            tried.add(helper);
        }
        for (Path dir = codeLocation(); dir != null; dir = dir.getParent()) {
            for (Path helper : List.of(dir.resolve(BUILT_HELPER), dir.resolve("linux").resolve(BUILT_HELPER))) {
                if (isExecutableFile(helper)) return helper;
            }
        }
        tried.add(Path.of("(each folder above " + codeLocation() + ")/[linux/]" + BUILT_HELPER));
        throw new IllegalStateException("dynamod-exec not found; looked at " + tried + ". Build it with "
                + "`mvn -pl linux package` (needs gcc), or set -D" + PATH_PROPERTY + " or DYNAMOD_HOME");
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }

    private static Path codeLocation() {
        CodeSource source = ExecHelper.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) return null;
        try {
            return Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException notAFile) {
            return null;
        }
    }

    /**
     * Reads the report pipe until EOF (blocking; the caller closes the fd). Every write end must be closed but the
     * helper's, or EOF never comes. Nothing written means the execve succeeded; a helper killed before its execve
     * also reads as ok, and its exit status tells.
     */
    public static SpawnReport readReport(int reportReadFd) throws LinuxException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[512];
        while (bytes.size() < MAX_REPORT_BYTES) {
            int n = Posix.read(reportReadFd, buffer, 0, buffer.length);
            if (n == 0) break;
            if (n < 0) {
                Posix.poll(new int[] {reportReadFd}, new short[] {Posix.POLLIN}, new short[1], -1);
                continue;
            }
            bytes.write(buffer, 0, n);
        }
        return parseReport(bytes.toString(StandardCharsets.UTF_8));
    }

    /**
     * An optional {@code pid N} line (the forked service), then {@code STEP ERRNO MESSAGE\n} on failure; anything else
     * is reported as it is, as step "report".
     */
    static SpawnReport parseReport(String text) {
        List<String> lines = text.lines().toList();
        int pid = 0;
        int next = 0;
        if (!lines.isEmpty() && lines.getFirst().matches("pid [1-9][0-9]{0,9}")) {
            pid = Integer.parseInt(lines.getFirst().substring(4));
            next = 1;
        }
        if (next == lines.size()) return pid == 0 ? SpawnReport.OK : new SpawnReport(true, null, 0, null, pid);
        String line = lines.get(next).strip();
        String[] parts = line.split(" ", 3);
        if (parts.length == 3 && !parts[0].isEmpty() && parts[1].matches("[0-9]{1,9}")) {
            return new SpawnReport(false, parts[0], Integer.parseInt(parts[1]), parts[2], pid);
        }
        return new SpawnReport(false, "report", 0, "unreadable report from dynamod-exec: " + line, pid);
    }

    /** A bind mount of {@link Sandbox}: source seen at target, read-only unless writable. */
    public record Bind(Path source, Path target, boolean writable) {}

    /**
     * Isolation the helper sets up before exec (linux/README.md): namespaces by name (pid, mnt, net, uts, ipc, user,
     * cgroup), private /tmp, protect-system (null, "yes", "full", "strict"), bind mounts, a host name, and the
     * capability numbers to keep in the bounding set (null: the bounding set is left alone).
     */
    public record Sandbox(Set<String> namespaces, boolean privateTmp, String protectSystem, List<Bind> binds, String hostname,
            Set<Integer> capabilityBound) {

        public static final Sandbox NONE = new Sandbox(Set.of(), false, null, List.of(), null, null);

        public Sandbox {
            namespaces = Collections.unmodifiableSet(new java.util.TreeSet<>(namespaces));
            binds = List.copyOf(binds);
            if (capabilityBound != null) capabilityBound = Collections.unmodifiableSet(new java.util.TreeSet<>(capabilityBound));
        }

        /** The helper options that ask for it; {@link Command#helperArgv()} writes them. */
        List<String> options() {
            List<String> args = new ArrayList<>();
            if (!namespaces.isEmpty()) args.addAll(List.of("--unshare", String.join(",", namespaces)));
            if (privateTmp) args.add("--private-tmp");
            if (protectSystem != null) args.addAll(List.of("--protect-system", protectSystem));
            for (Bind b : binds) args.addAll(List.of(b.writable() ? "--bind-rw" : "--bind", b.source().toString(), b.target().toString()));
            if (hostname != null) args.addAll(List.of("--hostname", hostname));
            if (capabilityBound != null) {
                args.addAll(List.of("--cap-bound", capabilityBound.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))));
            }
            return args;
        }
    }

    /**
     * What the helper should do: run executable with argv (argv[0] included) after the given steps; the one place that
     * writes the helper's command line (each of its options is a field here). The fds in keepFds, the targets of
     * renames and reportFd are numbers in the child; renames are applied in order. Empty or null user, group and
     * workdir, and a null cgroup, mean: leave as is.
     */
    public record Command(
            String executable,
            List<String> argv,
            List<String> env,
            int reportFd,
            Path cgroup,
            Path workdir,
            String user,
            String group,
            List<String> groups,
            boolean setsid,
            boolean closeFds,
            Set<Integer> keepFds,
            Map<Integer, Integer> renames,
            boolean noNewPrivs,
            Sandbox sandbox) {

        public Command {
            Objects.requireNonNull(executable, "executable");
            if (!executable.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + executable);
            argv = List.copyOf(argv);
            if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty: it needs at least argv[0]");
            env = List.copyOf(env);
            if (reportFd < 0) throw new IllegalArgumentException("not an fd: " + reportFd);
            groups = List.copyOf(groups);
            keepFds = Collections.unmodifiableSet(new LinkedHashSet<>(keepFds));
            renames = Collections.unmodifiableMap(new LinkedHashMap<>(renames));
            Objects.requireNonNull(sandbox, "sandbox");
        }

        /** Runs executable with argv and env, and nothing else changed; the report fd is {@value ExecHelper#DEFAULT_REPORT_FD}. */
        public static Command of(String executable, List<String> argv, List<String> env) {
            return new Command(executable, argv, env, DEFAULT_REPORT_FD, null, null, null, null, List.of(), false, false, Set.of(),
                    Map.of(), false, Sandbox.NONE);
        }

        /** The child fd the report pipe is on: another than {@value ExecHelper#DEFAULT_REPORT_FD} when the service needs that one. */
        public Command withReportFd(int fd) {
            return new Command(executable, argv, env, fd, cgroup, workdir, user, group, groups, setsid, closeFds, keepFds, renames,
                    noNewPrivs, sandbox);
        }

        /** The cgroup v2 directory to join before every other step (null: stay in the parent's). */
        public Command withCgroup(Path dir) {
            return new Command(executable, argv, env, reportFd, dir, workdir, user, group, groups, setsid, closeFds, keepFds, renames,
                    noNewPrivs, sandbox);
        }

        public Command withWorkdir(Path dir) {
            return new Command(executable, argv, env, reportFd, cgroup, dir, user, group, groups, setsid, closeFds, keepFds, renames,
                    noNewPrivs, sandbox);
        }

        /** A user name or uid; its primary group and groups apply unless group and groups say more. */
        public Command withUser(String nameOrUid) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, nameOrUid, group, groups, setsid, closeFds, keepFds,
                    renames, noNewPrivs, sandbox);
        }

        public Command withGroup(String nameOrGid) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, nameOrGid, groups, setsid, closeFds, keepFds,
                    renames, noNewPrivs, sandbox);
        }

        /** Supplementary groups added to the user's. */
        public Command withGroups(List<String> namesOrGids) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, namesOrGids, setsid, closeFds, keepFds,
                    renames, noNewPrivs, sandbox);
        }

        public Command withSetsid(boolean on) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, on, closeFds, keepFds, renames,
                    noNewPrivs, sandbox);
        }

        /** Close every fd above 2 but the kept ones, rename targets and the report fd. */
        public Command withCloseFds(boolean on) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, setsid, on, keepFds, renames,
                    noNewPrivs, sandbox);
        }

        public Command withKeepFd(int fd) {
            Set<Integer> more = new LinkedHashSet<>(keepFds);
            more.add(fd);
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, setsid, closeFds, more, renames,
                    noNewPrivs, sandbox);
        }

        /** Move the child's fd from to fd to (e.g. a readiness pipe to the number the service expects). */
        public Command withRename(int from, int to) {
            Map<Integer, Integer> more = new LinkedHashMap<>(renames);
            more.put(from, to);
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, setsid, closeFds, keepFds, more,
                    noNewPrivs, sandbox);
        }

        public Command withNoNewPrivs(boolean on) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, setsid, closeFds, keepFds, renames,
                    on, sandbox);
        }

        public Command withSandbox(Sandbox isolation) {
            return new Command(executable, argv, env, reportFd, cgroup, workdir, user, group, groups, setsid, closeFds, keepFds, renames,
                    noNewPrivs, isolation);
        }

        /** The helper's argv, from its argv[0] on (linux/README.md, "argv protocol"). */
        public List<String> helperArgv() {
            List<String> args = new ArrayList<>(List.of("dynamod-exec", "--report-fd", String.valueOf(reportFd)));
            if (cgroup != null) args.addAll(List.of("--cgroup", cgroup.toString()));
            if (setsid) args.add("--setsid");
            if (user != null && !user.isEmpty()) args.addAll(List.of("--user", user));
            if (group != null && !group.isEmpty()) args.addAll(List.of("--group", group));
            if (!groups.isEmpty()) args.addAll(List.of("--groups", String.join(",", groups)));
            if (noNewPrivs) args.add("--no-new-privs");
            args.addAll(sandbox.options());
            if (workdir != null) args.addAll(List.of("--chdir", workdir.toString()));
            renames.forEach((from, to) -> args.addAll(List.of("--rename-fd", from + ":" + to)));
            for (int fd : keepFds) args.addAll(List.of("--keep-fd", String.valueOf(fd)));
            if (closeFds) args.add("--close-fds");
            args.add("--");
            args.add(executable);
            args.addAll(argv);
            return args;
        }
    }
}
