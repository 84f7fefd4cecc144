package dynamod.conf.schema;

import static dynamod.conf.schema.Field.contextual;
import static dynamod.conf.schema.Field.defaulted;
import static dynamod.conf.schema.Field.optional;
import static dynamod.conf.schema.Field.required;

import dynamod.conf.spec.BindMount;
import dynamod.conf.spec.CpuMax;
import dynamod.conf.spec.EnvironmentFile;
import dynamod.conf.spec.Capability;
import dynamod.conf.spec.GiveUp;
import dynamod.conf.spec.IsolationPolicy;
import dynamod.conf.spec.LogSettings;
import dynamod.conf.spec.Namespace;
import dynamod.conf.spec.ProtectSystem;
import dynamod.conf.spec.ReadinessType;
import dynamod.conf.spec.Relation;
import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.Strategy;
import dynamod.conf.value.Durations;
import dynamod.conf.value.Limit;
import dynamod.conf.value.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every key of both file kinds, in one place: readers take their fields from here and the documentation test
 * checks docs/configuration.md against it. The order is the documentation's order.
 */
public final class Schema {

    private Schema() {}

    /** A kind of configuration file: the directory it lives in, its main table and all of its tables. */
    public record FileKind(String directory, Section main, List<Section> sections) {
        public List<String> topLevelTables() {
            return sections.stream().filter(s -> !s.arrayItem() && !s.name().contains(".")).map(Section::name).toList();
        }
    }

    // ---------------------------------------------------------------- service files

    public static final class ServiceKeys {
        private ServiceKeys() {}

        public static final Field<String> NAME = required("name", ValueTypes.NAME,
                "the service's name: unique, used in dependencies, commands, cgroup and unit names");
        public static final Field<String> DESCRIPTION = optional("description", ValueTypes.STRING,
                "one line for humans, shown by status and list");
        public static final Field<String> SUPERVISOR = defaulted("supervisor", ValueTypes.NAME, "root",
                "the supervisor this service is a child of");
        public static final Field<List<String>> EXEC = required("exec", ValueTypes.COMMAND,
                "the program and its arguments; the first element is an absolute path or a name looked up in PATH");
        public static final Field<Path> WORKDIR = optional("workdir", ValueTypes.ABSOLUTE_PATH,
                "the working directory; the spawn fails if it cannot be entered (default: /)");
        public static final Field<ServiceType> TYPE = defaulted("type", ValueTypes.oneOf(ServiceType.class), ServiceType.SIMPLE,
                "simple: the process is the service; oneshot: runs to completion, done when it exits 0; "
                        + "forking: the process forks the daemon and exits; notify: ready on READY=1");
        public static final Field<Path> PID_FILE = optional("pid-file", ValueTypes.ABSOLUTE_PATH,
                "forking only: the file the daemon writes its pid to (else the surviving child is the main process)");
        public static final Field<Map<String, String>> ENVIRONMENT = defaulted("environment", ValueTypes.ENVIRONMENT, Map.of(),
                "variables added to the clean base environment; they override environment-file");
        public static final Field<List<EnvironmentFile>> ENVIRONMENT_FILE = defaulted("environment-file",
                ValueTypes.ENVIRONMENT_FILES, List.of(),
                "files of KEY=VALUE lines read at each spawn; a leading - allows the file to be missing; "
                        + "relative paths are relative to this file's directory");

        public static final Section SECTION = Section.table("service", "what to run",
                NAME, DESCRIPTION, SUPERVISOR, EXEC, WORKDIR, TYPE, PID_FILE, ENVIRONMENT, ENVIRONMENT_FILE);
    }

    public static final class UserKeys {
        private UserKeys() {}

        public static final Field<String> USER = optional("user", ValueTypes.ACCOUNT_NAME,
                "user name or uid to run as (a name also sets the group and the user's groups from /etc/group)");
        public static final Field<String> GROUP = optional("group", ValueTypes.ACCOUNT_NAME,
                "group name or gid (default: the user's primary group)");
        public static final Field<List<Located<String>>> SUPPLEMENTARY_GROUPS = defaulted("supplementary-groups",
                ValueTypes.ACCOUNT_NAMES, List.of(), "more groups, added to the user's own");

        public static final Section SECTION = Section.table("service.user",
                "the identity the service runs as; absent: the manager's own", USER, GROUP, SUPPLEMENTARY_GROUPS);
    }

    public static final class RestartKeys {
        private RestartKeys() {}

        public static final Field<RestartPolicy> POLICY = contextual("policy", ValueTypes.oneOf(RestartPolicy.class),
                "\"permanent\" (\"transient\" for oneshot)",
                "permanent: always restart; transient: only after a non-zero exit or a signal; temporary: never");
        public static final Field<Duration> DELAY = defaulted("delay", ValueTypes.DURATION, Duration.ofSeconds(1),
                "wait before a restart; doubles with each consecutive restart");
        public static final Field<Duration> MAX_DELAY = contextual("max-delay", ValueTypes.DURATION,
                "\"30s\" (or delay, if longer)", "the cap of the doubling delay; set it to delay for a fixed delay");
        public static final Field<Integer> MAX_RESTARTS = defaulted("max-restarts", ValueTypes.integer(0, 1_000_000), 5,
                "the service's start limit: one more restart than this within max-restart-window and it is failed, not restarted (its supervisor does not count it)");
        public static final Field<Duration> MAX_RESTART_WINDOW = defaulted("max-restart-window", ValueTypes.POSITIVE_DURATION,
                Duration.ofSeconds(60), "the sliding window max-restarts counts in");

        public static final Section SECTION = Section.table("restart", "whether and how soon an ended service is restarted",
                POLICY, DELAY, MAX_DELAY, MAX_RESTARTS, MAX_RESTART_WINDOW);
    }

    public static final class ReadinessKeys {
        private ReadinessKeys() {}

        public static final Field<ReadinessType> TYPE = contextual("type", ValueTypes.oneOf(ReadinessType.class),
                "\"none\" (\"notify\" for type = \"notify\")",
                "none: ready once spawned (oneshot and forking: once the spawned process exited 0); notify: READY=1 on $NOTIFY_SOCKET; "
                        + "tcp-port: a TCP connect succeeds; exec: check-exec exits 0; fd: a newline on $DYNAMOD_READY_FD");
        public static final Field<String> HOST = defaulted("host", ValueTypes.HOST, "127.0.0.1",
                "tcp-port: the host to connect to (IPv4 or IPv6 address, or a name)");
        public static final Field<Integer> PORT = optional("port", ValueTypes.integer(1, 65_535),
                "tcp-port: the port to connect to (required for tcp-port)");
        public static final Field<List<String>> CHECK_EXEC = optional("check-exec", ValueTypes.COMMAND,
                "exec: the check command; ready when it exits 0 (required for exec)");
        public static final Field<Duration> INTERVAL = defaulted("interval", ValueTypes.POSITIVE_DURATION,
                Duration.ofMillis(100), "tcp-port, exec: time between attempts");
        public static final Field<Duration> TIMEOUT = contextual("timeout", ValueTypes.POSITIVE_DURATION,
                "\"30s\" (no limit for oneshot)",
                "how long the service may take to become ready (a oneshot: to finish) before the start fails");
        public static final Field<Integer> FD = defaulted("fd", ValueTypes.integer(3, 1023), 3,
                "fd: the file descriptor the service writes its newline to");

        public static final Section SECTION = Section.table("readiness", "when a started service counts as ready",
                TYPE, HOST, PORT, CHECK_EXEC, INTERVAL, TIMEOUT, FD);
    }

    public static final class DependencyKeys {
        private DependencyKeys() {}

        public static final Field<List<Located<String>>> REQUIRES = defaulted("requires", ValueTypes.NAMES, List.of(),
                "start after these are ready, and never without them: their failure or stop blocks or stops this service");
        public static final Field<List<Located<String>>> WANTS = defaulted("wants", ValueTypes.NAMES, List.of(),
                "start after these if they exist; their failure never blocks this service");
        public static final Field<List<Located<String>>> AFTER = defaulted("after", ValueTypes.NAMES, List.of(),
                "ordering only: start after these have started or failed");
        public static final Field<List<Located<String>>> BEFORE = defaulted("before", ValueTypes.NAMES, List.of(),
                "ordering only: these start after this service");

        public static final Section SECTION = Section.table("dependencies", "relations to other services, by name",
                REQUIRES, WANTS, AFTER, BEFORE);

        public static Field<List<Located<String>>> of(Relation relation) {
            return switch (relation) {
                case REQUIRES -> REQUIRES;
                case WANTS -> WANTS;
                case AFTER -> AFTER;
                case BEFORE -> BEFORE;
            };
        }
    }

    public static final class CgroupKeys {
        private CgroupKeys() {}

        public static final Field<Limit> MEMORY_MAX = optional("memory-max", ValueTypes.SIZE,
                "memory.max: the hard memory limit; above it the kernel's OOM killer acts");
        public static final Field<Limit> MEMORY_HIGH = optional("memory-high", ValueTypes.SIZE,
                "memory.high: the throttling threshold");
        public static final Field<Integer> CPU_WEIGHT = optional("cpu-weight", ValueTypes.integer(1, 10_000),
                "cpu.weight: the share of CPU time under contention (kernel default 100)");
        public static final Field<CpuMax> CPU_MAX = optional("cpu-max", ValueTypes.CPU_MAX,
                "cpu.max: a CPU quota, \"50%\" of one CPU, \"200%\", \"max\" or \"QUOTA PERIOD\" in microseconds");
        public static final Field<Limit> PIDS_MAX = optional("pids-max", ValueTypes.COUNT_OR_MAX,
                "pids.max: the most processes and threads");
        public static final Field<Integer> IO_WEIGHT = optional("io-weight", ValueTypes.integer(1, 10_000),
                "io.weight: the share of I/O under contention (kernel default 100)");

        public static final Section SECTION = Section.table("cgroup", "cgroup v2 limits of the service's own cgroup",
                MEMORY_MAX, MEMORY_HIGH, CPU_WEIGHT, CPU_MAX, PIDS_MAX, IO_WEIGHT);
    }

    public static final class BindMountKeys {
        private BindMountKeys() {}

        public static final Field<Path> SOURCE = required("source", ValueTypes.ABSOLUTE_PATH, "the host path");
        public static final Field<Path> TARGET = required("target", ValueTypes.ABSOLUTE_PATH,
                "where the service sees it; created if missing");
        public static final Field<Boolean> WRITABLE = defaulted("writable", ValueTypes.BOOLEAN, false,
                "whether the service may write to it");

        public static final Section SECTION = Section.arrayItem("namespace.bind-mounts", "one bind mount",
                SOURCE, TARGET, WRITABLE);

        public static final ValueType<List<BindMount>> TYPE = ValueTypes.tables(SECTION, row -> {
            Path source = row.get(SOURCE);
            Path target = row.get(TARGET);
            Boolean writable = row.get(WRITABLE);
            return source == null || target == null || writable == null ? null : new BindMount(source, target, writable);
        });
    }

    public static final class NamespaceKeys {
        private NamespaceKeys() {}

        /** Other spellings accepted for namespace names. */
        public static final Map<String, Namespace> NAMESPACE_ALIASES = Map.of("mount", Namespace.MNT, "network", Namespace.NET);

        public static final Field<Set<Namespace>> ENABLE = defaulted("enable",
                ValueTypes.setOf(Namespace.class, NAMESPACE_ALIASES), Set.of(),
                "namespaces of its own (\"mount\" and \"network\" are accepted for mnt and net)");
        public static final Field<List<BindMount>> BIND_MOUNTS = defaulted("bind-mounts", BindMountKeys.TYPE, List.of(),
                "host paths made visible inside, each { source, target, writable = false }");
        public static final Field<Boolean> PRIVATE_TMP = defaulted("private-tmp", ValueTypes.BOOLEAN, false,
                "a fresh tmpfs on /tmp, invisible to others");
        public static final Field<ProtectSystem> PROTECT_SYSTEM = defaulted("protect-system",
                ValueTypes.oneOf(ProtectSystem.class), ProtectSystem.NO,
                "yes: /usr, /boot, /efi read-only; full: also /etc; strict: everything but /dev, /proc, /sys (recursively)");
        public static final Field<String> HOSTNAME = optional("hostname", ValueTypes.HOSTNAME,
                "the host name the service sees, in a uts namespace of its own (implied)");
        public static final Field<Boolean> NO_NEW_PRIVILEGES = defaulted("no-new-privileges", ValueTypes.BOOLEAN, false,
                "no process of the service gains privileges by exec (setuid bits, file capabilities)");
        public static final Field<Set<Capability>> CAPABILITIES = optional("capabilities", ValueTypes.CAPABILITIES,
                "the capability bounding set: the most the service can ever hold, e.g. [\"CAP_NET_BIND_SERVICE\"]; [] drops all");
        public static final Field<IsolationPolicy> ISOLATION = defaulted("isolation", ValueTypes.oneOf(IsolationPolicy.class),
                IsolationPolicy.REQUIRED, "when the manager cannot set this up (no root), or apply [cgroup] limits (no root, no cgroup v2): "
                        + "required: the service does not run; best-effort: it runs without, after a warning");

        public static final Section SECTION = Section.table("namespace",
                "isolation; private-tmp, protect-system, bind-mounts and pid imply a mount namespace",
                ENABLE, BIND_MOUNTS, PRIVATE_TMP, PROTECT_SYSTEM, HOSTNAME, NO_NEW_PRIVILEGES, CAPABILITIES, ISOLATION);
    }

    public static final class ShutdownKeys {
        private ShutdownKeys() {}

        public static final Field<Signal> STOP_SIGNAL = defaulted("stop-signal", ValueTypes.SIGNAL, Signal.SIGTERM,
                "the signal that asks the service to stop: a name (SIGTERM, TERM, SIGRTMIN+3) or a number");
        public static final Field<Duration> STOP_TIMEOUT = defaulted("stop-timeout", ValueTypes.DURATION, Duration.ofSeconds(10),
                "how long to wait before SIGKILL to the whole process group");
        public static final Field<List<String>> STOP_EXEC = optional("stop-exec", ValueTypes.COMMAND,
                "a command run instead of sending stop-signal; stop-timeout still applies");

        public static final Section SECTION = Section.table("shutdown", "how the service is stopped",
                STOP_SIGNAL, STOP_TIMEOUT, STOP_EXEC);
    }

    public static final class LogKeys {
        private LogKeys() {}

        public static final Field<Integer> RATE_LIMIT_BURST = defaulted("rate-limit-burst", ValueTypes.integer(0, 1_000_000),
                LogSettings.DEFAULT_RATE_LIMIT_BURST,
                "the most lines journaled per rate-limit-interval; the rest are counted and reported as suppressed; 0: no limit");
        public static final Field<Duration> RATE_LIMIT_INTERVAL = defaulted("rate-limit-interval", ValueTypes.DURATION,
                LogSettings.DEFAULT_RATE_LIMIT_INTERVAL, "the interval rate-limit-burst counts in; 0: no limit");
        public static final Field<Integer> LINE_MAX = defaulted("line-max", ValueTypes.size(LogSettings.MIN_LINE_MAX,
                LogSettings.MAX_LINE_MAX), LogSettings.DEFAULT_LINE_MAX,
                "a longer line is split into pieces of this many bytes, each marked as split");

        public static final Section SECTION = Section.table("logs", "how stdout and stderr become log lines",
                RATE_LIMIT_BURST, RATE_LIMIT_INTERVAL, LINE_MAX);
    }

    public static final FileKind SERVICE = new FileKind("services", ServiceKeys.SECTION, List.of(
            ServiceKeys.SECTION, UserKeys.SECTION, RestartKeys.SECTION, ReadinessKeys.SECTION, DependencyKeys.SECTION,
            CgroupKeys.SECTION, NamespaceKeys.SECTION, BindMountKeys.SECTION, ShutdownKeys.SECTION, LogKeys.SECTION));

    // ---------------------------------------------------------------- supervisor files

    public static final class SupervisorKeys {
        private SupervisorKeys() {}

        public static final Field<String> NAME = required("name", ValueTypes.NAME,
                "the supervisor's name; \"root\" configures the implicit root of the tree");
        public static final Field<String> DESCRIPTION = optional("description", ValueTypes.STRING, "one line for humans");
        public static final Field<String> PARENT = defaulted("parent", ValueTypes.NAME, "root",
                "the supervisor above this one (root has none)");
        public static final Field<Strategy> STRATEGY = defaulted("strategy", ValueTypes.oneOf(Strategy.class),
                Strategy.ONE_FOR_ONE, "one-for-one: restart the failed child; one-for-all: restart all children; "
                        + "rest-for-one: restart the failed child and those started after it");

        public static final Field<GiveUp> GIVE_UP = defaulted("give-up", ValueTypes.oneOf(GiveUp.class), GiveUp.STOP,
                "root only: when root exceeds its intensity, stop: stop everything and wait for an operator; restart: "
                        + "after give-up-delay start everything again; reboot; poweroff (in host mode: exit)");
        public static final Field<Duration> GIVE_UP_DELAY = defaulted("give-up-delay", ValueTypes.DURATION, Duration.ofMinutes(1),
                "root only: how long give-up = \"restart\" waits");

        public static final Section SECTION = Section.table("supervisor", "a node of the supervision tree",
                NAME, DESCRIPTION, PARENT, STRATEGY, GIVE_UP, GIVE_UP_DELAY);
    }

    public static final class IntensityKeys {
        private IntensityKeys() {}

        public static final int DEFAULT_MAX_RESTARTS = 10;
        public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
        public static final int ROOT_MAX_RESTARTS = 20;
        public static final Duration ROOT_WINDOW = Duration.ofMinutes(10);

        public static final Field<Integer> MAX_RESTARTS = contextual("max-restarts", ValueTypes.integer(0, 1_000_000),
                DEFAULT_MAX_RESTARTS + " (" + ROOT_MAX_RESTARTS + " for root)",
                "restart intensity: more restarts of children than this within max-restart-window and the "
                        + "supervisor gives up and fails to its parent");
        public static final Field<Duration> MAX_RESTART_WINDOW = contextual("max-restart-window", ValueTypes.POSITIVE_DURATION,
                "\"" + Durations.format(DEFAULT_WINDOW) + "\" (\"" + Durations.format(ROOT_WINDOW) + "\" for root)",
                "the sliding window the intensity counts in");

        public static final Section SECTION = Section.table("restart", "restart intensity, as Erlang/OTP supervisors have it",
                MAX_RESTARTS, MAX_RESTART_WINDOW);
    }

    public static final FileKind SUPERVISOR = new FileKind("supervisors", SupervisorKeys.SECTION,
            List.of(SupervisorKeys.SECTION, IntensityKeys.SECTION));

    public static final List<FileKind> FILE_KINDS = List.of(SERVICE, SUPERVISOR);
}
