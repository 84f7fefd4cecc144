package dynamod.svmgr.runtime;

import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.spec.EnvironmentFileException;
import dynamod.conf.spec.EnvironmentFiles;
import dynamod.conf.spec.Isolation;
import dynamod.conf.spec.IsolationPolicy;
import dynamod.conf.spec.Namespace;
import dynamod.conf.spec.ProtectSystem;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.linux.ExecHelper;
import dynamod.linux.LinuxException;
import dynamod.linux.Posix;
import dynamod.linux.ProcStat;
import dynamod.linux.Spawn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Starts service processes through the exec helper ({@code dynamod-exec}): svmgr posix_spawns the helper with the
 * service's fds in place, and the helper does what Java cannot do between fork and exec (setsid, groups, uid, chdir,
 * closing every other fd) and reports a failure with its step and errno on a close-on-exec pipe: EOF means exec
 * succeeded.
 *
 * <p>The service's environment: a clean base (PATH, and HOME/USER/LOGNAME/SHELL of the user it runs as), then its
 * environment files (later ones win), then its {@code environment} table, then what dynamod sets itself:
 * {@code DYNAMOD_SERVICE}, and {@code NOTIFY_SOCKET} or {@code DYNAMOD_READY_FD} for those readiness types.
 *
 * <p>The service's {@code [namespace]} isolation is set up by the helper too. A manager without CAP_SYS_ADMIN (host
 * mode without root) cannot: a service that requires its isolation fails to spawn, one that takes it best-effort
 * runs with only no-new-privileges, after one warning.
 *
 * <p>Each process of a service joins the service's cgroup ({@link Cgroups}) in the helper, before any other step;
 * the main process's spawn writes the limits first. Where there are no cgroups (a v1 host, no root), a service with
 * {@code [cgroup]} limits is refused or runs without them by the same isolation policy.
 */
final class Spawner {

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    sealed interface Result {}

    /** The process runs; the parent's ends of its pipes (stdout, stderr, readiness; -1 when there is none). */
    record Spawned(int pid, String executable, int stdout, int stderr, int ready) implements Result {}

    record Failed(String step, int errno, String message) implements Result {}

    private final Path helper;
    private final Path notifySocket;
    private final int devNull;
    private final boolean privileged;
    /** (service, message): a warning about one service. */
    private final BiConsumer<String, String> warn;
    private final Set<String> warnedUnisolated = ConcurrentHashMap.newKeySet();
    private final Set<String> warnedUnlimited = ConcurrentHashMap.newKeySet();
    private final Cgroups cgroups;

    Spawner(Path notifySocket, Cgroups cgroups, BiConsumer<String, String> warn) throws IOException {
        this.cgroups = cgroups;
        this.helper = ExecHelper.path();
        this.notifySocket = notifySocket;
        this.devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        this.privileged = ProcStat.hasEffectiveCapability(Posix.getpid(), ProcStat.CAP_SYS_ADMIN);
        this.warn = warn;
    }

    /** Spawns the service's main process. */
    Result spawn(ServiceSpec spec) {
        return spawn(spec, spec.exec(), true);
    }

    /**
     * Spawns {@code command} as the service (its user, environment and workdir): the main process, or a helper
     * command of it (stop-exec, a readiness check). Only the main process gets the readiness fd.
     */
    Result spawn(ServiceSpec spec, List<String> command, boolean main) {
        Map<String, String> env;
        try {
            env = environment(spec, main);
        } catch (EnvironmentFileException e) {
            return new Failed("environment", 0, e.getMessage());
        }
        Optional<String> executable = resolve(command.getFirst(), env.getOrDefault("PATH", DEFAULT_PATH));
        if (executable.isEmpty()) {
            return new Failed("exec", 2, command.getFirst() + ": not found in PATH (" + env.getOrDefault("PATH", DEFAULT_PATH) + ")");
        }
        IsolationPlan plan = plan(spec.isolation(), privileged);
        Optional<Failed> refused = plan.shortfall().refuseOrWarn(spec.name(), warnedUnisolated, warn)
                .or(() -> limits(spec.cgroup(), spec.isolation().policy(), cgroups.unavailableReason()).refuseOrWarn(spec.name(), warnedUnlimited, warn));
        if (refused.isPresent()) return refused.get();
        Isolation isolation = plan.isolation();
        Path cgroup = null;
        if (cgroups.available()) {
            try {
                cgroup = cgroups.prepare(spec.name(), spec.cgroup(), main);
            } catch (Cgroups.CgroupException e) {
                return new Failed("cgroup", e.errno, e.getMessage());
            }
        }
        int readyFd = main && spec.readiness() instanceof Readiness.Fd fd ? fd.fd() : -1;
        List<String> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(k + "=" + v));
        // The report pipe steps aside for a readiness pipe that wants its fd.
        int reportFd = readyFd == ExecHelper.DEFAULT_REPORT_FD ? ExecHelper.DEFAULT_REPORT_FD + 1 : ExecHelper.DEFAULT_REPORT_FD;
        ExecHelper.Command helperCommand = ExecHelper.Command.of(executable.get(), command, envp)
                .withReportFd(reportFd)
                .withCgroup(cgroup)
                .withSetsid(true)
                .withCloseFds(true)
                .withWorkdir(spec.workdir().orElse(null))
                .withUser(spec.credentials().user().orElse(null))
                .withGroup(spec.credentials().group().orElse(null))
                .withGroups(spec.credentials().supplementaryGroups())
                .withNoNewPrivs(isolation.noNewPrivileges())
                .withSandbox(sandbox(isolation));
        if (readyFd >= 0) helperCommand = helperCommand.withKeepFd(readyFd);

        int[] out = null, err = null, report = null, ready = null;
        try {
            out = Posix.pipe();
            err = Posix.pipe();
            report = Posix.pipe();
            if (readyFd >= 0) ready = Posix.pipe();
            Map<Integer, Integer> fds = new HashMap<>();
            fds.put(0, devNull);
            fds.put(1, out[1]);
            fds.put(2, err[1]);
            fds.put(helperCommand.reportFd(), report[1]);
            if (ready != null) fds.put(readyFd, ready[1]);
            int pid = Spawn.spawn(helper.toString(), helperCommand.helperArgv(), helperCommand.env(), fds, false);
            // The child has its copies; ours go now, so EOF on the pipes means the service closed them.
            for (int[] p : new int[][] {out, err, report, ready}) if (p != null) Posix.closeQuietly(p[1]);
            for (int[] p : new int[][] {out, err, report, ready}) if (p != null) p[1] = -1;
            ExecHelper.SpawnReport r = ExecHelper.readReport(report[0]);
            if (!r.ok()) {
                closeAll(out, err, report, ready);
                return new Failed(r.step(), r.errno(), r.message());
            }
            Posix.closeQuietly(report[0]);
            // In a pid or user namespace the service is the helper's child (the helper exited; we adopt it as subreaper).
            int servicePid = r.pid() > 0 ? r.pid() : pid;
            return new Spawned(servicePid, executable.get(), out[0], err[0], ready == null ? -1 : ready[0]);
        } catch (LinuxException e) {
            closeAll(out, err, report, ready);
            return new Failed("spawn", e.errno(), e.getMessage());
        }
    }

    Map<String, String> environment(ServiceSpec spec, boolean main) throws EnvironmentFileException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        Optional<String> user = spec.credentials().user();
        if (user.isPresent()) {
            Passwd.lookup(user.get()).ifPresent(p -> {
                env.put("HOME", p.home());
                env.put("USER", p.name());
                env.put("LOGNAME", p.name());
                env.put("SHELL", p.shell());
            });
        } else {
            for (String k : List.of("HOME", "USER", "LOGNAME", "SHELL")) {
                String v = System.getenv(k);
                if (v != null) env.put(k, v);
            }
        }
        String lang = System.getenv("LANG");
        if (lang != null) env.put("LANG", lang);
        for (var file : spec.environmentFiles()) env.putAll(EnvironmentFiles.read(file));
        env.putAll(spec.environment()); // the service's own table overrides its environment files (docs/configuration.md)
        env.put(ProcStat.SERVICE_VARIABLE, spec.name());
        if (main && spec.readiness() instanceof Readiness.Notify) env.put("NOTIFY_SOCKET", notifySocket.toString());
        if (main && spec.readiness() instanceof Readiness.Fd fd) env.put("DYNAMOD_READY_FD", String.valueOf(fd.fd()));
        return env;
    }

    /**
     * What a spawn does about something its configuration asks for and the manager cannot give, by the service's
     * isolation policy: "required" refuses the spawn, "best-effort" runs it without, after a warning (once per service).
     */
    record Shortfall(Optional<Failed> refused, Optional<String> warning) {
        static final Shortfall NONE = new Shortfall(Optional.empty(), Optional.empty());

        /** {@code why} it cannot be had; refused at {@code step}, or a warning that it runs {@code without} (best-effort). */
        static Shortfall of(IsolationPolicy policy, String step, int errno, String why, String refusedTail, String without) {
            if (policy == IsolationPolicy.REQUIRED) {
                return new Shortfall(Optional.of(new Failed(step, errno, why + "; isolation = \"best-effort\" would run it " + refusedTail)),
                        Optional.empty());
            }
            return new Shortfall(Optional.empty(), Optional.of("runs " + without + " (best-effort): " + why));
        }

        /** The refusal, if it is one; else its warning, said once per service ({@code warned} remembers). */
        Optional<Failed> refuseOrWarn(String service, Set<String> warned, BiConsumer<String, String> warn) {
            if (warning.isPresent() && warned.add(service)) warn.accept(service, warning.get());
            return refused;
        }
    }

    /** The isolation a spawn gets, and what it lacks of what it asked for: the decision alone, without a process. */
    record IsolationPlan(Isolation isolation, Shortfall shortfall) {}

    /** Without privileges: a required isolation refuses the spawn, a best-effort one shrinks to what needs none. */
    static IsolationPlan plan(Isolation isolation, boolean privileged) {
        if (privileged || !isolation.needsPrivileges()) return new IsolationPlan(isolation, Shortfall.NONE);
        Shortfall shortfall = Shortfall.of(isolation.policy(), "isolation", 1,
                "the manager lacks CAP_SYS_ADMIN (it does not run as root) to set up " + describe(isolation), "without", "without its isolation");
        return new IsolationPlan(shortfall.refused().isPresent() ? isolation : isolation.unprivileged(), shortfall);
    }

    /** Whether a service's [cgroup] limits can apply: refused or warned about where there are no cgroups. */
    static Shortfall limits(CgroupLimits limits, IsolationPolicy policy, Optional<String> unavailable) {
        if (unavailable.isEmpty() || limits.equals(CgroupLimits.NONE)) return Shortfall.NONE;
        return Shortfall.of(policy, "cgroup", 0, "its [cgroup] limits cannot be applied: " + unavailable.get(), "without them",
                "without its [cgroup] limits");
    }

    /** The helper's view of the isolation; it derives what is implied (mnt, uts) itself. */
    static ExecHelper.Sandbox sandbox(Isolation i) {
        Set<String> namespaces = i.namespaces().stream().map(Namespace::tomlName).collect(Collectors.toSet());
        return new ExecHelper.Sandbox(namespaces, i.privateTmp(),
                i.protectSystem() == ProtectSystem.NO ? null : i.protectSystem().tomlName(),
                i.bindMounts().stream().map(b -> new ExecHelper.Bind(b.source(), b.target(), b.writable())).toList(),
                i.hostname().orElse(null),
                i.capabilities().map(caps -> caps.stream().map(c -> c.number()).collect(Collectors.toSet())).orElse(null));
    }

    /** What of the isolation needs privileges, in the configuration's words. */
    static String describe(Isolation i) {
        Set<String> parts = new java.util.LinkedHashSet<>();
        if (!i.namespaces().isEmpty()) {
            parts.add("namespaces " + i.namespaces().stream().map(Namespace::tomlName).collect(Collectors.toCollection(TreeSet::new)));
        }
        if (i.privateTmp()) parts.add("private-tmp");
        if (i.protectSystem() != ProtectSystem.NO) parts.add("protect-system");
        if (!i.bindMounts().isEmpty()) parts.add("bind-mounts");
        if (i.hostname().isPresent()) parts.add("hostname");
        if (i.capabilities().isPresent()) parts.add("capabilities");
        return String.join(", ", parts);
    }

    /** An absolute path as it is; a name looked up in the service's PATH, as execvp would. */
    static Optional<String> resolve(String program, String path) {
        if (program.contains("/")) return Optional.of(program);
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate.toString());
        }
        return Optional.empty();
    }

    /** Closes every end of these pipes still open (-1: closed already). */
    private static void closeAll(int[]... pipes) {
        for (int[] p : pipes) if (p != null) Posix.closeQuietly(p[0], p[1]);
    }

}
