package dynamod.conf;

import static dynamod.conf.Configs.assertClean;
import static dynamod.conf.Configs.assertDiagnostics;
import static dynamod.conf.Configs.assertHas;
import static dynamod.conf.Configs.serviceText;
import static dynamod.conf.Configs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.spec.BindMount;
import dynamod.conf.spec.Capability;
import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.spec.CpuMax;
import dynamod.conf.spec.Credentials;
import dynamod.conf.spec.Dependencies;
import dynamod.conf.spec.EnvironmentFile;
import dynamod.conf.spec.Isolation;
import dynamod.conf.spec.IsolationPolicy;
import dynamod.conf.spec.Namespace;
import dynamod.conf.spec.ProtectSystem;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.RestartSpec;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.ShutdownSpec;
import dynamod.conf.value.Limit;
import dynamod.conf.value.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per rule of a service file; positions are checked where they matter to the user. */
class ServiceRulesTest {

    private static LoadResult load(String toml) {
        return Configs.of().service("web.toml", toml).load();
    }

    // ---------------------------------------------------------------- defaults

    @Test
    void aMinimalServiceGetsTheDocumentedDefaults() {
        ServiceSpec spec = spec("[service]\nname = \"web\"\nexec = [\"/usr/bin/web\"]\n");
        assertEquals("web", spec.name());
        assertEquals("web.service", spec.unitName());
        assertEquals(Optional.empty(), spec.description());
        assertEquals("root", spec.supervisor());
        assertEquals(List.of("/usr/bin/web"), spec.exec());
        assertEquals(Optional.empty(), spec.workdir());
        assertEquals(ServiceType.SIMPLE, spec.type());
        assertEquals(Optional.empty(), spec.pidFile());
        assertEquals(Map.of(), spec.environment());
        assertEquals(List.of(), spec.environmentFiles());
        assertEquals(Credentials.INHERIT, spec.credentials());
        assertEquals(new RestartSpec(RestartPolicy.PERMANENT, Duration.ofSeconds(1), Duration.ofSeconds(30), 5,
                Duration.ofSeconds(60)), spec.restart());
        assertEquals(new Readiness.Immediate(), spec.readiness());
        assertEquals(Dependencies.NONE, spec.dependencies());
        assertEquals(CgroupLimits.NONE, spec.cgroup());
        assertEquals(Isolation.NONE, spec.isolation());
        assertEquals(new ShutdownSpec(Signal.SIGTERM, Duration.ofSeconds(10), List.of()), spec.shutdown());
        assertEquals(Path.of("services", "s.toml"), spec.origin());
    }

    @Test
    void aOneshotIsTransientAndDoneOnExitWithoutATimeLimit() {
        ServiceSpec spec = spec(serviceText("setup", "type = \"oneshot\"\n"));
        assertEquals(RestartPolicy.TRANSIENT, spec.restart().policy());
        assertEquals(new Readiness.Exit(Optional.empty()), spec.readiness());
        ServiceSpec limited = spec(serviceText("setup", "type = \"oneshot\"\n[readiness]\ntimeout = \"2m\"\n"));
        assertEquals(new Readiness.Exit(Optional.of(Duration.ofMinutes(2))), limited.readiness());
        ServiceSpec explicitNone = spec(serviceText("setup", "type = \"oneshot\"\n[readiness]\ntype = \"none\"\n"));
        assertEquals(new Readiness.Exit(Optional.empty()), explicitNone.readiness());
    }

    @Test
    void aNotifyServiceWaitsForReadyWithTheDefaultTimeout() {
        assertEquals(new Readiness.Notify(Optional.of(Duration.ofSeconds(30))), spec(serviceText("a", "type = \"notify\"\n")).readiness());
        assertEquals(new Readiness.Notify(Optional.of(Duration.ofSeconds(5))),
                spec(serviceText("a", "type = \"notify\"\n[readiness]\ntype = \"notify\"\ntimeout = 5\n")).readiness());
    }

    @Test
    void theBackOffCapIsNeverBelowTheDelay() {
        assertEquals(Duration.ofMinutes(2), spec(serviceText("a", "[restart]\ndelay = \"2m\"\n")).restart().maxDelay());
        assertEquals(Duration.ofSeconds(5), spec(serviceText("a", "[restart]\ndelay = \"1s\"\nmax-delay = \"5s\"\n")).restart().maxDelay());
        assertDiagnostics(load(serviceText("web", "[restart]\ndelay = \"10s\"\nmax-delay = \"5s\"\n")),
                "services/web.toml:6:13: error: [restart] max-delay 5s is shorter than delay 10s; the back-off starts "
                        + "at delay and stops at max-delay");
    }

    @Test
    void everyFieldIsReadIntoTheSpec() {
        ServiceSpec spec = spec("""
                [service]
                name = "db"
                description = "the database"
                supervisor = "root"
                exec = ["postgres", "-D", "/var/lib/pg"]
                workdir = "/var/lib/pg/"
                type = "forking"
                pid-file = "/run/pg.pid"
                environment = { PGDATA = "/var/lib/pg", PORT = 5432, DEBUG = false }
                environment-file = "-/etc/default/pg"
                [service.user]
                user = "postgres"
                group = "999"
                supplementary-groups = ["ssl-cert", "adm"]
                [restart]
                policy = "transient"
                delay = "250ms"
                max-delay = "1m"
                max-restarts = 3
                max-restart-window = "2m"
                [readiness]
                type = "tcp-port"
                host = "::1"
                port = 5432
                interval = "50ms"
                timeout = "1m30s"
                [cgroup]
                memory-max = "1G"
                memory-high = "768M"
                cpu-weight = 200
                cpu-max = "150%"
                pids-max = "max"
                io-weight = 50
                [namespace]
                enable = ["net", "ipc", "mount"]
                private-tmp = true
                protect-system = "strict"
                hostname = "db-box"
                no-new-privileges = true
                capabilities = ["CAP_NET_BIND_SERVICE", "setuid", "Sys_Nice"]
                isolation = "best-effort"
                [[namespace.bind-mounts]]
                source = "/srv/pg"
                target = "/var/lib/pg"
                writable = true
                [shutdown]
                stop-signal = "SIGINT"
                stop-timeout = "1m"
                stop-exec = ["/usr/bin/pg_ctl", "stop"]
                """);
        assertEquals(Optional.of("the database"), spec.description());
        assertEquals(List.of("postgres", "-D", "/var/lib/pg"), spec.exec());
        assertEquals(Optional.of(Path.of("/var/lib/pg")), spec.workdir());
        assertEquals(Optional.of(Path.of("/run/pg.pid")), spec.pidFile());
        assertEquals(Map.of("PGDATA", "/var/lib/pg", "PORT", "5432", "DEBUG", "false"), spec.environment());
        assertEquals(List.of(new EnvironmentFile(Path.of("/etc/default/pg"), true)), spec.environmentFiles());
        assertEquals(new Credentials(Optional.of("postgres"), Optional.of("999"), List.of("ssl-cert", "adm")), spec.credentials());
        assertEquals(new RestartSpec(RestartPolicy.TRANSIENT, Duration.ofMillis(250), Duration.ofMinutes(1), 3,
                Duration.ofMinutes(2)), spec.restart());
        assertEquals(new Readiness.TcpPort("::1", 5432, Duration.ofMillis(50), Optional.of(Duration.ofSeconds(90))), spec.readiness());
        assertEquals(new CgroupLimits(Optional.of(new Limit(1L << 30)), Optional.of(new Limit(768L << 20)), OptionalInt.of(200),
                Optional.of(new CpuMax(150_000, 100_000)), Optional.of(Limit.MAX), OptionalInt.of(50)), spec.cgroup());
        assertEquals(new Isolation(Set.of(Namespace.NET, Namespace.IPC, Namespace.MNT),
                List.of(new BindMount(Path.of("/srv/pg"), Path.of("/var/lib/pg"), true)), true, ProtectSystem.STRICT,
                Optional.of("db-box"), true, Optional.of(Set.of(Capability.CAP_NET_BIND_SERVICE, Capability.CAP_SETUID,
                        Capability.CAP_SYS_NICE)), IsolationPolicy.BEST_EFFORT), spec.isolation());
        assertEquals(new ShutdownSpec(new Signal(2), Duration.ofMinutes(1), List.of("/usr/bin/pg_ctl", "stop")), spec.shutdown());
    }

    // ---------------------------------------------------------------- keys and tables

    @Test
    void anUnknownKeyNamesTheLikelyIntent() {
        assertDiagnostics(load(serviceText("web", "pid_file = \"/run/web.pid\"\n")),
                "services/web.toml:4:1: error: unknown key \"pid_file\" in [service]; did you mean pid-file?");
        assertDiagnostics(load(serviceText("web", "[restart]\ndelya = \"1s\"\n")),
                "services/web.toml:5:1: error: unknown key \"delya\" in [restart]; did you mean delay?");
    }

    @Test
    void aKeyUnderTheWrongTableSaysWhereItBelongs() {
        assertDiagnostics(load(serviceText("web", "delay = \"5s\"\n")),
                "services/web.toml:4:1: error: unknown key \"delay\" in [service]; delay belongs in [restart]");
        assertDiagnostics(load(serviceText("web", "[restart]\nport = 80\n")),
                "services/web.toml:5:1: error: unknown key \"port\" in [restart]; port belongs in [readiness]");
    }

    @Test
    void aKeyOutsideAnyTableOrAnUnknownTableIsAnError() {
        assertHas(load("name = \"web\"\n" + serviceText("web", "")),
                "services/web.toml:1:1: error: key \"name\" is outside any table; it belongs in [service]");
        assertHas(load(serviceText("web", "[restrat]\ndelay = 1\n")),
                "services/web.toml:4:1: error: unknown table [restrat]; did you mean [restart]?");
        assertHas(load(serviceText("web", "[nonsense]\n")), "unknown table [nonsense]; a service file has [service], [service.user], [restart]");
    }

    @Test
    void missingRequiredKeysAndTables() {
        assertDiagnostics(load("[service]\nname = \"web\"\n"),
                "services/web.toml:1:1: error: missing required key exec in [service] (the program and its arguments; the "
                        + "first element is an absolute path or a name looked up in PATH)");
        assertHas(load("[service]\nexec = [\"/bin/true\"]\n"), "services/web.toml:1:1: error: missing required key name in [service]");
        assertDiagnostics(load("[restart]\ndelay = 1\n"),
                "services/web.toml:1:1: error: missing table [service]; a service file starts with [service] and name = \"...\"");
    }

    @Test
    void aSupervisorFileAmongServicesIsPointedOut() {
        assertHas(load("[supervisor]\nname = \"x\"\n"), "this is a supervisor file ([supervisor]); supervisor files belong in supervisors/");
    }

    // ---------------------------------------------------------------- types

    @Test
    void wrongTypesNameWhatWasExpectedAndFound() {
        assertDiagnostics(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\nport = \"80\"\n")),
                "services/web.toml:6:8: error: [readiness] port: expected an integer, found a string \"80\"");
        assertDiagnostics(load(serviceText("web", "description = 42\n")),
                "services/web.toml:4:15: error: [service] description: expected a string, found an integer 42");
        assertDiagnostics(load(serviceText("web", "[namespace]\nprivate-tmp = \"yes\"\n")),
                "services/web.toml:5:15: error: [namespace] private-tmp: expected a boolean, found the string \"yes\"; write true without quotes");
        assertDiagnostics(load(serviceText("web", "[shutdown]\nstop-timeout = true\n")),
                "services/web.toml:5:16: error: [shutdown] stop-timeout: expected a duration such as 250ms, 30s, 5m, 1h, 1d, "
                        + "1m30s or a number of seconds, found a boolean true");
        assertDiagnostics(load(serviceText("web", "[service.user]\nuser = [\"a\"]\n")),
                "services/web.toml:5:8: error: [service.user] user: expected a string, found an array");
    }

    @Test
    void aTableWhereAValueIsExpectedAndTheOtherWayRound() {
        assertDiagnostics(load(serviceText("web", "user = \"www-data\"\n")),
                "services/web.toml:4:8: error: [service] user: expected a table [service.user], found a string; write [service.user] with user = \"www-data\"");
        assertDiagnostics(load("restart = \"always\"\n" + serviceText("web", "")),
                "services/web.toml:1:11: error: restart: expected a table [restart], found a string");
    }

    @Test
    void commandsAreArraysWhoseProgramIsAbsoluteOrABareName() {
        assertDiagnostics(load("[service]\nname = \"web\"\nexec = \"/usr/bin/web --port 80\"\n"),
                "services/web.toml:3:8: error: [service] exec: expected an array of strings, found a string; write it as "
                        + "[\"/usr/bin/web\", \"--port\", \"80\"] (one element per argument; no shell is involved)");
        assertDiagnostics(load("[service]\nname = \"web\"\nexec = []\n"),
                "services/web.toml:3:8: error: [service] exec: the command is empty; name a program, e.g. [\"/usr/bin/program\", \"--flag\"]");
        assertDiagnostics(load("[service]\nname = \"web\"\nexec = [\"./run.sh\"]\n"),
                "services/web.toml:3:9: error: [service] exec: \"./run.sh\" is neither an absolute path nor a command name to look up in PATH");
        assertDiagnostics(load("[service]\nname = \"web\"\nexec = [\"/bin/sh\", 1]\n"),
                "services/web.toml:3:20: error: [service] exec[1]: expected a string, found an integer 1");
        assertEquals(List.of("sleep", "10"), spec("[service]\nname = \"a\"\nexec = [\"sleep\", \"10\"]\n").exec());
    }

    @Test
    void enumeratedValuesListTheAllowedOnes() {
        assertDiagnostics(load(serviceText("web", "type = \"daemon\"\n")),
                "services/web.toml:4:8: error: [service] type: \"daemon\" is not one of \"simple\", \"oneshot\", \"forking\", \"notify\"");
        assertDiagnostics(load(serviceText("web", "[restart]\npolicy = \"always\"\n")),
                "services/web.toml:5:10: error: [restart] policy: \"always\" is not one of \"permanent\", \"transient\", \"temporary\"");
        assertDiagnostics(load(serviceText("web", "[readiness]\ntype = \"tcp\"\n")),
                "services/web.toml:5:8: error: [readiness] type: \"tcp\" is not one of \"none\", \"notify\", \"tcp-port\", \"exec\", \"fd\"; did you mean \"tcp-port\"?");
        assertDiagnostics(load(serviceText("web", "[namespace]\nprotect-system = \"ful\"\n")),
                "services/web.toml:5:18: error: [namespace] protect-system: \"ful\" is not one of \"no\", \"yes\", \"full\", \"strict\"; did you mean \"full\"?");
    }

    @Test
    void badDurationsSizesAndSignals() {
        assertDiagnostics(load(serviceText("web", "[restart]\ndelay = \"5x\"\n")),
                "services/web.toml:5:9: error: [restart] delay: unknown unit \"x\" in duration \"5x\"; use us, ms, s, m, h, d or w");
        assertDiagnostics(load(serviceText("web", "[restart]\nmax-restart-window = \"0s\"\n")),
                "services/web.toml:5:22: error: [restart] max-restart-window: 0s is too short; it must be at least 1ms");
        assertDiagnostics(load(serviceText("web", "[cgroup]\nmemory-max = \"64Q\"\n")),
                "services/web.toml:5:14: error: [cgroup] memory-max: unknown unit \"Q\" in size \"64Q\"; use K, M, G, T, P or E (powers of 1024)");
        assertDiagnostics(load(serviceText("web", "[shutdown]\nstop-signal = \"SIGTERMINATE\"\n")),
                "services/web.toml:5:15: error: [shutdown] stop-signal: unknown signal \"SIGTERMINATE\"; use a name such as "
                        + "SIGTERM, TERM, SIGRTMIN+3, or a number 1-64");
        assertEquals(new Signal(37), spec(serviceText("a", "[shutdown]\nstop-signal = \"RTMIN+3\"\n")).shutdown().stopSignal());
        assertEquals(new Signal(1), spec(serviceText("a", "[shutdown]\nstop-signal = 1\n")).shutdown().stopSignal());
    }

    @Test
    void numbersOutOfRange() {
        assertHas(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\nport = 0\n")), "6:8: error: [readiness] port: 0 is out of range; it must be between 1 and 65535");
        assertHas(load(serviceText("web", "[readiness]\ntype = \"fd\"\nfd = 1\n")), "[readiness] fd: 1 is out of range; it must be between 3 and 1023");
        assertHas(load(serviceText("web", "[cgroup]\ncpu-weight = 0\n")), "[cgroup] cpu-weight: 0 is out of range; it must be between 1 and 10000");
        assertHas(load(serviceText("web", "[cgroup]\npids-max = 0\n")), "[cgroup] pids-max: 0 is out of range");
        assertHas(load(serviceText("web", "[restart]\nmax-restarts = -1\n")), "[restart] max-restarts: -1 is out of range");
    }

    // ---------------------------------------------------------------- values with structure

    @Test
    void cpuQuotasInEveryForm() {
        assertEquals(new CpuMax(50_000, 100_000), spec(serviceText("a", "[cgroup]\ncpu-max = \"50%\"\n")).cgroup().cpuMax().orElseThrow());
        assertEquals("max 100000", spec(serviceText("a", "[cgroup]\ncpu-max = \"max\"\n")).cgroup().cpuMax().orElseThrow().kernelValue());
        assertEquals("max 200000", spec(serviceText("a", "[cgroup]\ncpu-max = \"max 200000\"\n")).cgroup().cpuMax().orElseThrow().kernelValue());
        assertEquals("20000 50000", spec(serviceText("a", "[cgroup]\ncpu-max = \"20000 50000\"\n")).cgroup().cpuMax().orElseThrow().kernelValue());
        assertHas(load(serviceText("web", "[cgroup]\ncpu-max = \"5 100000\"\n")), "the quota 5µs is below the kernel's minimum of 1000µs");
        assertHas(load(serviceText("web", "[cgroup]\ncpu-max = \"50000 10\"\n")), "the period 10µs is outside the kernel's range");
        assertHas(load(serviceText("web", "[cgroup]\ncpu-max = \"half\"\n")), "\"half\" is not \"QUOTA PERIOD\" in microseconds");
    }

    @Test
    void environmentVariablesNeedValidNamesAndScalarValues() {
        assertDiagnostics(load(serviceText("web", "environment = { \"MY-VAR\" = \"x\", OK = { a = 1 } }\n")),
                "services/web.toml:4:17: error: [service] environment: \"MY-VAR\" is not a valid variable name (letters, digits and '_', not starting with a digit)",
                "services/web.toml:4:38: error: [service] environment.OK: expected a string, found a table");
    }

    @Test
    void environmentFilesAreRelativeToTheirConfigurationFile() {
        ServiceSpec spec = spec(serviceText("a", "environment-file = [\"../env/a.env\", \"-/etc/a.env\"]\n"));
        Path base = Path.of("services").toAbsolutePath().getParent();
        assertEquals(List.of(new EnvironmentFile(base.resolve("env/a.env"), false), new EnvironmentFile(Path.of("/etc/a.env"), true)),
                spec.environmentFiles());
        assertHas(load(serviceText("web", "environment-file = \"-\"\n")), "[service] environment-file: the path is empty");
    }

    @Test
    void bindMountsAreCheckedLikeTables() {
        assertDiagnostics(load(serviceText("web", "[namespace]\nbind-mounts = [{ source = \"/a\", target = \"b\", wrt = true }, 5]\n")),
                "services/web.toml:5:42: error: [namespace] bind-mounts[0].target: \"b\" is not an absolute path (it must start with /)",
                "services/web.toml:5:47: error: unknown key \"wrt\" in [namespace] bind-mounts[0]; [namespace] bind-mounts[0] has source, target, writable",
                "services/web.toml:5:61: error: [namespace] bind-mounts[1]: expected a table, found an integer 5");
        assertHas(load(serviceText("web", "[[namespace.bind-mounts]]\nsource = \"/a\"\n")), "missing required key target in [namespace] bind-mounts[0]");
        assertFalse(spec(serviceText("a", "[[namespace.bind-mounts]]\nsource = \"/a\"\ntarget = \"/b\"\n")).isolation().bindMounts().getFirst().writable());
    }

    @Test
    void namespacesAcceptAliasesAndWarnAboutRepeats() {
        LoadResult result = load(serviceText("web", "[namespace]\nenable = [\"pid\", \"network\", \"pid\"]\n"));
        assertDiagnostics(result, "services/web.toml:5:29: warning: [namespace] enable: \"pid\" is listed more than once");
        assertEquals(Set.of(Namespace.PID, Namespace.NET), result.configuration().services().get("web").isolation().namespaces());
        assertHas(load(serviceText("web", "[namespace]\nenable = [\"time\"]\n")), "[namespace] enable[0]: \"time\" is not one of \"pid\"");
        assertTrue(spec(serviceText("a", "[namespace]\nprivate-tmp = true\n")).isolation().needsMountNamespace());
        assertTrue(spec(serviceText("a", "[namespace]\nenable = [\"pid\"]\n")).isolation().needsMountNamespace(), "pid remounts /proc");
    }

    @Test
    void capabilitiesAreNamedAsInCapabilities7() {
        assertEquals(Optional.of(Set.of()), spec(serviceText("a", "[namespace]\ncapabilities = []\n")).isolation().capabilities());
        assertEquals(Optional.empty(), spec(serviceText("a", "")).isolation().capabilities(), "absent: the bounding set is left alone");
        assertEquals(21, Capability.CAP_SYS_ADMIN.number());
        assertEquals(40, Capability.CAP_CHECKPOINT_RESTORE.number());
        assertDiagnostics(load(serviceText("web", "[namespace]\ncapabilities = [\"net_raw\", \"CAP_NET_BIND_SERVIC\", 3]\n")),
                "services/web.toml:5:28: error: [namespace] capabilities[1]: \"CAP_NET_BIND_SERVIC\" is not a capability "
                        + "(capabilities(7): CAP_CHOWN … CAP_CHECKPOINT_RESTORE); did you mean \"CAP_NET_BIND_SERVICE\"?",
                "services/web.toml:5:51: error: [namespace] capabilities[2]: expected a capability name, found an integer 3");
        assertDiagnostics(load(serviceText("web", "[namespace]\ncapabilities = [\"kill\", \"CAP_KILL\"]\n")),
                "services/web.toml:5:25: warning: [namespace] capabilities: \"CAP_KILL\" is listed more than once");
    }

    @Test
    void hostnameIsolationAndNoNewPrivileges() {
        Isolation defaults = spec(serviceText("a", "")).isolation();
        assertEquals(IsolationPolicy.REQUIRED, defaults.policy(), "never weaker isolation than asked for, unless allowed");
        assertFalse(defaults.noNewPrivileges());
        assertFalse(defaults.needsPrivileges());
        Isolation named = spec(serviceText("a", "[namespace]\nhostname = \"box-1.example\"\nno-new-privileges = true\n")).isolation();
        assertEquals(Optional.of("box-1.example"), named.hostname());
        assertTrue(named.needsPrivileges());
        assertEquals(Isolation.NONE.namespaces(), named.unprivileged().namespaces());
        assertTrue(named.unprivileged().noNewPrivileges(), "what needs no privileges stays");
        assertFalse(named.unprivileged().needsPrivileges());
        assertDiagnostics(load(serviceText("web", "[namespace]\nhostname = \"bad_name\"\n")),
                "services/web.toml:5:12: error: [namespace] hostname: \"bad_name\" is not a host name: letters, digits and '-' between dots");
        assertHas(load(serviceText("web", "[namespace]\nisolation = \"maybe\"\n")),
                "[namespace] isolation: \"maybe\" is not one of \"required\", \"best-effort\"");
    }

    @Test
    void aPidNamespaceCannotServeAForkingService() {
        assertHas(load(serviceText("web", "type = \"forking\"\n[namespace]\nenable = [\"pid\"]\n")),
                "services/web.toml:6:10: error: [namespace] enable: \"pid\" cannot serve type = \"forking\"");
    }

    @Test
    void userAndGroupNamesOrNumbers() {
        assertHas(load(serviceText("web", "[service.user]\nuser = \"Bad User\"\n")),
                "[service.user] user: \"Bad User\" is not a valid user or group name");
        assertHas(load(serviceText("web", "[service.user]\ngroup = \"99999999999\"\n")), "\"99999999999\" is not a valid id");
        assertHas(load(serviceText("web", "[service.user]\nsupplementary-groups = [\"adm\", \"adm\"]\n")), "\"adm\" is listed more than once");
        assertEquals(new Credentials(Optional.of("1000"), Optional.empty(), List.of()),
                spec(serviceText("a", "[service.user]\nuser = \"1000\"\n")).credentials());
    }

    @Test
    void hostsAreNamesOrAddresses() {
        for (String host : List.of("localhost", "127.0.0.1", "::1", "fe80::1", "db.internal", "[::1]")) {
            assertClean(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\nport = 1\nhost = \"" + host + "\"\n")));
        }
        assertHas(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\nport = 1\nhost = \"300.1.1.1\"\n")), "is not an IPv4 address");
        assertHas(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\nport = 1\nhost = \"a b\"\n")), "is not a host name");
    }

    @Test
    void stringsMayNotCarryNul() {
        assertHas(load(serviceText("web", "description = \"a\\u0000b\"\n")), "[service] description: the string contains a NUL character");
    }

    // ---------------------------------------------------------------- rules across keys

    @Test
    void readinessMustFitTheServiceType() {
        assertDiagnostics(load(serviceText("web", "type = \"notify\"\n[readiness]\ntype = \"tcp-port\"\nport = 80\n")),
                "services/web.toml:6:8: error: [readiness] type \"tcp-port\" contradicts [service] type = \"notify\", which "
                        + "is ready when it sends READY=1; remove one of them");
        assertDiagnostics(load(serviceText("web", "type = \"oneshot\"\n[readiness]\ntype = \"fd\"\n")),
                "services/web.toml:6:8: error: a oneshot is ready when it exits 0; [readiness] type \"fd\" cannot apply "
                        + "(only timeout can, to limit how long it runs)");
    }

    @Test
    void probesNeedTheirTarget() {
        assertDiagnostics(load(serviceText("web", "[readiness]\ntype = \"tcp-port\"\n")),
                "services/web.toml:4:1: error: [readiness] type = \"tcp-port\" needs port = N, the port to connect to");
        assertDiagnostics(load(serviceText("web", "[readiness]\ntype = \"exec\"\n")),
                "services/web.toml:4:1: error: [readiness] type = \"exec\" needs check-exec = [\"/path/to/check\", ...]");
        assertEquals(new Readiness.Exec(List.of("/bin/check"), Duration.ofMillis(100), Optional.of(Duration.ofSeconds(30))),
                spec(serviceText("a", "[readiness]\ntype = \"exec\"\ncheck-exec = [\"/bin/check\"]\n")).readiness());
        assertEquals(new Readiness.Fd(3, Optional.of(Duration.ofSeconds(30))), spec(serviceText("a", "[readiness]\ntype = \"fd\"\n")).readiness());
    }

    @Test
    void settingsThatDoNothingAreWarnings() {
        LoadResult result = load(serviceText("web", "pid-file = \"/run/web.pid\"\n[readiness]\ntype = \"fd\"\nport = 80\ninterval = \"1s\"\n"));
        assertDiagnostics(result,
                "services/web.toml:4:1: warning: pid-file is ignored: it is only used by type = \"forking\", and this service is \"simple\"",
                "services/web.toml:7:1: warning: [readiness] port is ignored: readiness type \"fd\" does not use it",
                "services/web.toml:8:1: warning: [readiness] interval is ignored: readiness type \"fd\" does not use it");
        assertTrue(result.configuration().services().containsKey("web"), "warnings do not keep a service out");
        assertHas(load(serviceText("web", "type = \"oneshot\"\n[restart]\npolicy = \"permanent\"\n")),
                "warning: a permanent oneshot is run again every time it finishes");
        assertHas(load(serviceText("web", "[cgroup]\nmemory-max = \"64M\"\nmemory-high = \"1G\"\n")),
                "warning: [cgroup] memory-high is above memory-max");
        assertHas(load(serviceText("web", "[readiness]\ntimeout = \"1s\"\n")),
                "warning: [readiness] timeout is ignored: readiness type \"none\" does not use it");
    }

    @Test
    void aServiceCannotDependOnItself() {
        assertDiagnostics(load(serviceText("web", "[dependencies]\nafter = [\"web\"]\n")),
                "services/web.toml:5:10: error: [dependencies] after: \"web\" names the service itself");
    }

    @Test
    void repeatedDependenciesAreWarnings() {
        LoadResult result = Configs.of().service("web.toml", serviceText("web", "[dependencies]\nrequires = [\"db\", \"db\"]\n"))
                .service("db.toml", serviceText("db", "")).load();
        assertDiagnostics(result, "services/web.toml:5:19: warning: [dependencies] requires: \"db\" is listed more than once");
        assertEquals(List.of("db"), result.configuration().services().get("web").dependencies().requires());
    }

    @Test
    void anUnusableTypeStillLetsTheOtherKeysBeChecked() {
        assertDiagnostics(load(serviceText("web", "type = \"simpel\"\n[readiness]\ntype = \"tcp-port\"\nport = 99999\n")),
                "services/web.toml:4:8: error: [service] type: \"simpel\" is not one of \"simple\", \"oneshot\", \"forking\", \"notify\"; did you mean \"simple\"?",
                "services/web.toml:7:8: error: [readiness] port: 99999 is out of range; it must be between 1 and 65535");
    }

    @Test
    void everyProblemOfAFileIsReportedNotJustTheFirst() {
        LoadResult result = load("[service]\nname = \"web\"\nexec = \"x\"\ntype = 1\n[restart]\ndelay = \"?\"\n[cgroup]\nio-weight = 0\n");
        assertEquals(4, result.errorCount(), () -> Configs.headlines(result).toString());
        assertTrue(result.configuration().services().isEmpty());
        assertEquals(Set.of("web"), result.rejectedServices());
    }
}
