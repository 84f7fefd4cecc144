package dynamod.conf.load;

import dynamod.conf.schema.FileContext;
import dynamod.conf.schema.Located;
import dynamod.conf.schema.Schema;
import dynamod.conf.schema.TableReader;
import dynamod.conf.schema.ValueTypes;
import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.spec.Credentials;
import dynamod.conf.spec.Dependencies;
import dynamod.conf.spec.Isolation;
import dynamod.conf.spec.LogSettings;
import dynamod.conf.spec.Namespace;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ReadinessType;
import dynamod.conf.spec.Relation;
import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.RestartSpec;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.ShutdownSpec;
import dynamod.conf.value.Durations;
import dynamod.conf.value.Limit;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.tomlj.TomlTable;

/** Reads one service file into a {@link Draft}: the spec when the file is valid, and its references either way. */
final class ServiceReader {

    private static final Duration DEFAULT_READINESS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);

    private ServiceReader() {}

    static Draft read(FileContext ctx, TomlTable root) {
        Document doc = new Document(ctx, root, Schema.SERVICE);
        TableReader service = doc.table(Schema.ServiceKeys.SECTION);
        if (!service.present()) {
            // A [service] that is not a table was reported by the document already.
            if (!root.contains(List.of("service"))) {
                ctx.error(ctx.start(), root.contains(List.of("supervisor"))
                        ? "this is a supervisor file ([supervisor]); supervisor files belong in supervisors/"
                        : "missing table [service]; a service file starts with [service] and name = \"...\"");
            }
            service.absenceReported();
        }
        TableReader user = service.nested(Schema.UserKeys.SECTION);
        service.reportUnknownKeys(List.of(Schema.UserKeys.SECTION.localName()), Schema.SERVICE.sections());

        Located<String> name = located(service, Schema.ServiceKeys.NAME);
        Located<String> supervisor = located(service, Schema.ServiceKeys.SUPERVISOR);
        ServiceType type = service.get(Schema.ServiceKeys.TYPE);

        Credentials credentials = credentials(user);
        RestartSpec restart = restart(doc.table(Schema.RestartKeys.SECTION), type);
        // An unusable type is already an error; check the rest as if it were simple, to report all problems.
        Readiness readiness = readiness(doc.table(Schema.ReadinessKeys.SECTION), type == null ? ServiceType.SIMPLE : type);
        Map<Relation, List<Located<String>>> relations = relations(doc.table(Schema.DependencyKeys.SECTION), name);
        CgroupLimits cgroup = cgroup(doc.table(Schema.CgroupKeys.SECTION));
        Isolation isolation = isolation(doc.table(Schema.NamespaceKeys.SECTION), type);
        ShutdownSpec shutdown = shutdown(doc.table(Schema.ShutdownKeys.SECTION));
        LogSettings logs = logs(doc.table(Schema.LogKeys.SECTION));

        var exec = service.get(Schema.ServiceKeys.EXEC);
        var workdir = service.optional(Schema.ServiceKeys.WORKDIR);
        var pidFile = service.optional(Schema.ServiceKeys.PID_FILE);
        if (pidFile.isPresent() && type != null && type != ServiceType.FORKING) {
            ctx.warning(service.keyPosition(Schema.ServiceKeys.PID_FILE),
                    "pid-file is ignored: it is only used by type = \"forking\", and this service is \"" + type.tomlName() + "\"");
        }
        var description = service.optional(Schema.ServiceKeys.DESCRIPTION);
        var environment = service.get(Schema.ServiceKeys.ENVIRONMENT);
        var environmentFiles = service.get(Schema.ServiceKeys.ENVIRONMENT_FILE);

        ServiceSpec spec = null;
        if (!ctx.hasErrors()) {
            spec = new ServiceSpec(name.value(), description, supervisor.value(), exec, workdir, type, pidFile,
                    environment, environmentFiles, credentials, restart, readiness,
                    dependencies(relations), cgroup, isolation, shutdown, logs, ctx.file());
        }
        return new Draft(ctx, name, supervisor, relations, spec);
    }

    /**
     * What cross-file checks need of a service file, valid or not.
     *
     * @param name null when the file names no usable service
     * @param spec null when the file has errors
     */
    record Draft(FileContext ctx, Located<String> name, Located<String> supervisor,
            Map<Relation, List<Located<String>>> relations, ServiceSpec spec) {}

    private static <T> Located<T> located(TableReader table, dynamod.conf.schema.Field<T> field) {
        T value = table.get(field);
        return value == null ? null : new Located<>(value, table.position(field));
    }

    private static Credentials credentials(TableReader user) {
        Optional<String> name = user.optional(Schema.UserKeys.USER);
        Optional<String> group = user.optional(Schema.UserKeys.GROUP);
        List<Located<String>> groups = user.get(Schema.UserKeys.SUPPLEMENTARY_GROUPS);
        user.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        if (groups == null) return null;
        return new Credentials(name, group, groups.stream().map(Located::value).toList());
    }

    private static RestartSpec restart(TableReader restart, ServiceType type) {
        FileContext ctx = restart.context();
        restart.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        RestartPolicy policy = restart.get(Schema.RestartKeys.POLICY);
        if (policy == null && !restart.has(Schema.RestartKeys.POLICY)) {
            policy = type == ServiceType.ONESHOT ? RestartPolicy.TRANSIENT : RestartPolicy.PERMANENT;
        } else if (policy == RestartPolicy.PERMANENT && type == ServiceType.ONESHOT) {
            ctx.warning(restart.position(Schema.RestartKeys.POLICY), "a permanent oneshot is run again every time it "
                    + "finishes, successfully or not; use \"transient\" to re-run it only after a failure");
        }
        Duration delay = restart.get(Schema.RestartKeys.DELAY);
        Duration maxDelay = restart.get(Schema.RestartKeys.MAX_DELAY);
        if (maxDelay == null && !restart.has(Schema.RestartKeys.MAX_DELAY) && delay != null) {
            maxDelay = delay.compareTo(DEFAULT_MAX_DELAY) > 0 ? delay : DEFAULT_MAX_DELAY;
        } else if (maxDelay != null && delay != null && maxDelay.compareTo(delay) < 0) {
            ctx.error(restart.position(Schema.RestartKeys.MAX_DELAY), "[restart] max-delay " + Durations.format(maxDelay)
                    + " is shorter than delay " + Durations.format(delay) + "; the back-off starts at delay and stops at max-delay");
            restart.fail();
        }
        Integer maxRestarts = restart.get(Schema.RestartKeys.MAX_RESTARTS);
        Duration window = restart.get(Schema.RestartKeys.MAX_RESTART_WINDOW);
        if (policy == null || delay == null || maxDelay == null || maxRestarts == null || window == null || restart.failed()) {
            return null;
        }
        return new RestartSpec(policy, delay, maxDelay, maxRestarts, window);
    }

    private static Readiness readiness(TableReader readiness, ServiceType type) {
        FileContext ctx = readiness.context();
        readiness.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        // Every key present is checked, whatever the type: a bad value is an error even where it would be ignored.
        ReadinessType kind = readiness.get(Schema.ReadinessKeys.TYPE);
        String host = readiness.get(Schema.ReadinessKeys.HOST);
        Integer port = readiness.get(Schema.ReadinessKeys.PORT);
        List<String> check = readiness.get(Schema.ReadinessKeys.CHECK_EXEC);
        Duration interval = readiness.get(Schema.ReadinessKeys.INTERVAL);
        Optional<Duration> timeout = readiness.optional(Schema.ReadinessKeys.TIMEOUT);
        Integer fd = readiness.get(Schema.ReadinessKeys.FD);
        boolean explicit = readiness.has(Schema.ReadinessKeys.TYPE);
        if (explicit && kind == null) return null;
        if (type == ServiceType.NOTIFY) {
            if (explicit && kind != ReadinessType.NOTIFY) {
                ctx.error(readiness.position(Schema.ReadinessKeys.TYPE), "[readiness] type \"" + kind.tomlName()
                        + "\" contradicts [service] type = \"notify\", which is ready when it sends READY=1; "
                        + "remove one of them");
                return null;
            }
            kind = ReadinessType.NOTIFY;
        } else if (type == ServiceType.ONESHOT) {
            if (explicit && kind != ReadinessType.NONE) {
                ctx.error(readiness.position(Schema.ReadinessKeys.TYPE), "a oneshot is ready when it exits 0; [readiness] type \""
                        + kind.tomlName() + "\" cannot apply (only timeout can, to limit how long it runs)");
                return null;
            }
            kind = ReadinessType.NONE;
        } else if (!explicit) {
            kind = ReadinessType.NONE;
        }
        warnUnused(readiness, kind, type);
        if (timeout.isEmpty() && !readiness.has(Schema.ReadinessKeys.TIMEOUT) && type != ServiceType.ONESHOT) {
            timeout = Optional.of(DEFAULT_READINESS_TIMEOUT);
        }
        if (kind == ReadinessType.TCP_PORT && !readiness.has(Schema.ReadinessKeys.PORT)) {
            ctx.error(readiness.header(), "[readiness] type = \"tcp-port\" needs port = N, the port to connect to");
            readiness.fail();
        }
        if (kind == ReadinessType.EXEC && !readiness.has(Schema.ReadinessKeys.CHECK_EXEC)) {
            ctx.error(readiness.header(), "[readiness] type = \"exec\" needs check-exec = [\"/path/to/check\", ...]");
            readiness.fail();
        }
        if (readiness.failed()) return null;
        return switch (kind) {
            case NONE -> type == ServiceType.SIMPLE ? new Readiness.Immediate() : new Readiness.Exit(timeout);
            case NOTIFY -> new Readiness.Notify(timeout);
            case TCP_PORT -> new Readiness.TcpPort(host, port, interval, timeout);
            case EXEC -> new Readiness.Exec(check, interval, timeout);
            case FD -> new Readiness.Fd(fd, timeout);
        };
    }

    /** Keys of [readiness] that the chosen type does not use are a mistake worth a warning, not an error. */
    private static void warnUnused(TableReader readiness, ReadinessType kind, ServiceType type) {
        Map<dynamod.conf.schema.Field<?>, List<ReadinessType>> usedBy = Map.of(
                Schema.ReadinessKeys.HOST, List.of(ReadinessType.TCP_PORT),
                Schema.ReadinessKeys.PORT, List.of(ReadinessType.TCP_PORT),
                Schema.ReadinessKeys.CHECK_EXEC, List.of(ReadinessType.EXEC),
                Schema.ReadinessKeys.INTERVAL, List.of(ReadinessType.TCP_PORT, ReadinessType.EXEC),
                Schema.ReadinessKeys.FD, List.of(ReadinessType.FD));
        for (var field : Schema.ReadinessKeys.SECTION.fields()) {
            List<ReadinessType> users = usedBy.get(field);
            boolean unused = users != null ? !users.contains(kind)
                    : field == Schema.ReadinessKeys.TIMEOUT && kind == ReadinessType.NONE && type == ServiceType.SIMPLE;
            if (unused && readiness.has(field)) {
                String what = type == ServiceType.ONESHOT ? "a oneshot" : "readiness type \"" + kind.tomlName() + "\"";
                readiness.context().warning(readiness.keyPosition(field), "[readiness] " + field.key()
                        + " is ignored: " + what + " does not use it");
            }
        }
    }

    private static Map<Relation, List<Located<String>>> relations(TableReader dependencies, Located<String> self) {
        dependencies.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        Map<Relation, List<Located<String>>> relations = new EnumMap<>(Relation.class);
        for (Relation relation : Relation.values()) {
            List<Located<String>> targets = dependencies.get(Schema.DependencyKeys.of(relation));
            if (targets == null) {
                relations.put(relation, List.of());
                continue;
            }
            if (self != null) {
                for (Located<String> target : targets) {
                    if (target.value().equals(self.value())) {
                        dependencies.context().error(target.position(), "[dependencies] " + relation.tomlName() + ": "
                                + ValueTypes.quote(self.value()) + " names the service itself");
                    }
                }
            }
            relations.put(relation, targets.stream().filter(t -> self == null || !t.value().equals(self.value())).toList());
        }
        return relations;
    }

    private static Dependencies dependencies(Map<Relation, List<Located<String>>> relations) {
        java.util.function.Function<Relation, List<String>> names = r -> relations.get(r).stream().map(Located::value).toList();
        return new Dependencies(names.apply(Relation.REQUIRES), names.apply(Relation.WANTS), names.apply(Relation.AFTER),
                names.apply(Relation.BEFORE));
    }

    private static CgroupLimits cgroup(TableReader cgroup) {
        cgroup.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        Optional<Limit> memoryMax = cgroup.optional(Schema.CgroupKeys.MEMORY_MAX);
        Optional<Limit> memoryHigh = cgroup.optional(Schema.CgroupKeys.MEMORY_HIGH);
        if (memoryMax.isPresent() && memoryHigh.isPresent() && !memoryMax.get().isMax()
                && memoryHigh.get().value() > memoryMax.get().value()) {
            cgroup.context().warning(cgroup.position(Schema.CgroupKeys.MEMORY_HIGH),
                    "[cgroup] memory-high is above memory-max, so it never throttles before the OOM killer acts");
        }
        Integer cpuWeight = cgroup.get(Schema.CgroupKeys.CPU_WEIGHT);
        Integer ioWeight = cgroup.get(Schema.CgroupKeys.IO_WEIGHT);
        var cpuMax = cgroup.optional(Schema.CgroupKeys.CPU_MAX);
        var pidsMax = cgroup.optional(Schema.CgroupKeys.PIDS_MAX);
        if (cgroup.failed()) return null;
        return new CgroupLimits(memoryMax, memoryHigh,
                cpuWeight == null ? OptionalInt.empty() : OptionalInt.of(cpuWeight), cpuMax, pidsMax,
                ioWeight == null ? OptionalInt.empty() : OptionalInt.of(ioWeight));
    }

    private static Isolation isolation(TableReader namespace, ServiceType type) {
        namespace.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        var namespaces = namespace.get(Schema.NamespaceKeys.ENABLE);
        var bindMounts = namespace.get(Schema.NamespaceKeys.BIND_MOUNTS);
        var privateTmp = namespace.get(Schema.NamespaceKeys.PRIVATE_TMP);
        var protectSystem = namespace.get(Schema.NamespaceKeys.PROTECT_SYSTEM);
        var hostname = namespace.optional(Schema.NamespaceKeys.HOSTNAME);
        var noNewPrivileges = namespace.get(Schema.NamespaceKeys.NO_NEW_PRIVILEGES);
        var capabilities = namespace.optional(Schema.NamespaceKeys.CAPABILITIES);
        var policy = namespace.get(Schema.NamespaceKeys.ISOLATION);
        if (namespaces != null && namespaces.contains(Namespace.PID) && type == ServiceType.FORKING) {
            // The starter would be PID 1 of the namespace, and its exit (the fork's point) kills the daemon with it.
            namespace.context().error(namespace.position(Schema.NamespaceKeys.ENABLE), "[namespace] enable: \"pid\" cannot "
                    + "serve type = \"forking\": the starter is PID 1 of the namespace, and when it exits the kernel kills "
                    + "the daemon; run the daemon in the foreground (type = \"simple\" or \"notify\")");
            namespace.fail();
        }
        if (namespace.failed() || namespaces == null || bindMounts == null || privateTmp == null || protectSystem == null
                || noNewPrivileges == null || policy == null) {
            return null;
        }
        return new Isolation(namespaces, bindMounts, privateTmp, protectSystem, hostname, noNewPrivileges, capabilities, policy);
    }

    private static ShutdownSpec shutdown(TableReader shutdown) {
        shutdown.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        var signal = shutdown.get(Schema.ShutdownKeys.STOP_SIGNAL);
        var timeout = shutdown.get(Schema.ShutdownKeys.STOP_TIMEOUT);
        var stopExec = shutdown.optional(Schema.ShutdownKeys.STOP_EXEC);
        if (shutdown.failed()) return null;
        return new ShutdownSpec(signal, timeout, stopExec.orElse(List.of()));
    }

    private static LogSettings logs(TableReader logs) {
        logs.reportUnknownKeys(List.of(), Schema.SERVICE.sections());
        Integer burst = logs.get(Schema.LogKeys.RATE_LIMIT_BURST);
        Duration interval = logs.get(Schema.LogKeys.RATE_LIMIT_INTERVAL);
        Integer lineMax = logs.get(Schema.LogKeys.LINE_MAX);
        if (burst == null || interval == null || lineMax == null || logs.failed()) return null;
        // Either 0 turns the limit off (journald's rule); the other key, if written, then does nothing.
        if (burst == 0 && logs.has(Schema.LogKeys.RATE_LIMIT_INTERVAL) && !interval.isZero()) {
            logs.context().warning(logs.keyPosition(Schema.LogKeys.RATE_LIMIT_INTERVAL),
                    "[logs] rate-limit-interval is ignored: rate-limit-burst = 0 turns the rate limit off");
        } else if (interval.isZero() && logs.has(Schema.LogKeys.RATE_LIMIT_BURST) && burst != 0) {
            logs.context().warning(logs.keyPosition(Schema.LogKeys.RATE_LIMIT_BURST),
                    "[logs] rate-limit-burst is ignored: rate-limit-interval = 0 turns the rate limit off");
        }
        return new LogSettings(burst, interval, lineMax);
    }
}
