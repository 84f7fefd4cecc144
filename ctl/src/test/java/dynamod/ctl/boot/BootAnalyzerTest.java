package dynamod.ctl.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.ConfigLoader;
import dynamod.conf.ConfigSource;
import dynamod.conf.LoadResult;
import dynamod.ctl.boot.ServiceTimeline.Outcome;
import dynamod.ctl.boot.ServiceTimeline.Phase;
import dynamod.ctl.boot.ServiceTimeline.Relation;
import dynamod.ctl.boot.ServiceTimeline.Wait;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawnRequested;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import dynamod.svmgr.core.Configurations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The boot model over hand-built event sequences, as the manager writes them (one decision's events share a time). */
public class BootAnalyzerTest {

    static final long BASE = 50_000_000_000L; // the boot's monotonic start: 50 s after the kernel's
    static final long MS = 1_000_000L;

    /** A boot being written: events at milliseconds after its start. */
    public static final class Boot {
        final BootAnalyzer analyzer = new BootAnalyzer();

        Boot(String mode, Map<String, String> services) {
            at(0, new BootStarted(mode, "6.18", ""), configuration(services));
        }

        Boot at(long ms, Event... events) {
            for (Event e : events) analyzer.accept(BASE + ms * MS, e);
            return this;
        }

        BootReport report() {
            return analyzer.report();
        }
    }

    /** A ConfigurationLoaded as the manager records it: the files themselves and the loader's hash of them. */
    public static ConfigurationLoaded configuration(Map<String, String> services) {
        List<ConfigSource> sources = new ArrayList<>();
        services.forEach((name, toml) -> sources.add(new ConfigSource(Path.of("/etc/dynamod/services/" + name + ".toml"),
                ("[service]\nname = \"" + name + "\"\nexec = [\"/bin/true\"]\n" + toml).getBytes(StandardCharsets.UTF_8),
                ConfigSource.Kind.SERVICE)));
        LoadResult result = ConfigLoader.load(sources);
        assertEquals(0, result.errorCount(), () -> result.diagnostics().toString());
        return new ConfigurationLoaded("/etc/dynamod", result.contentHash(), services.size(), 1, 0, 0, List.of(), Configurations.files(sources));
    }

    public static Map<String, String> services(String... nameAndToml) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndToml.length; i += 2) m.put(nameAndToml[i], nameAndToml[i + 1]);
        return m;
    }

    static ServiceStateChanged change(String service, ServiceState from, ServiceState to, String reason) {
        return new ServiceStateChanged(service, from, to, 0, Optional.empty(), reason, Optional.empty());
    }

    public static Event[] start(String service, ServiceState from, int attempt) {
        return new Event[] {change(service, from, ServiceState.STARTING, "starting"), new ServiceSpawnRequested(service, attempt)};
    }

    public static Event[] ready(String service, long startMicros) {
        return new Event[] {new ServiceReady(service, 100, "fd", startMicros), change(service, ServiceState.STARTING, ServiceState.RUNNING, "ready (fd)")};
    }

    public static Event waiting(String service, String forWhom) {
        return new ServiceStateChanged(service, ServiceState.INACTIVE, ServiceState.WAITING, 0, Optional.empty(), "waiting for " + forWhom,
                Optional.of(forWhom));
    }

    static long ms(OptionalLong nanos) {
        return nanos.getAsLong() / MS;
    }

    /**
     * db (400 ms) and cache (100 ms) start at once; api requires both, so it waits for db, the last; web requires
     * api and wants metrics (ready early): its chain is web, api, db.
     */
    @Test
    void theChainFollowsTheDependencyThatCameLast() {
        Boot boot = new Boot("host", services(
                "db", "", "cache", "", "metrics", "",
                "api", "[dependencies]\nrequires = [\"db\", \"cache\"]\n",
                "web", "[dependencies]\nrequires = [\"api\"]\nwants = [\"metrics\"]\n"));
        boot.at(5, start("cache", ServiceState.INACTIVE, 1)).at(5, start("db", ServiceState.INACTIVE, 1)).at(5, start("metrics", ServiceState.INACTIVE, 1))
                .at(5, waiting("api", "cache"), waiting("web", "api"));
        boot.at(10, new ServiceSpawned("cache", 101, "/bin/true"), new ServiceSpawned("db", 102, "/bin/true"), new ServiceSpawned("metrics", 103, "/bin/true"));
        boot.at(50, ready("metrics", 45_000));
        boot.at(105, ready("cache", 100_000));
        boot.at(405, ready("db", 400_000)).at(405, start("api", ServiceState.WAITING, 1));
        boot.at(410, new ServiceSpawned("api", 104, "/bin/true"));
        boot.at(605, ready("api", 200_000)).at(605, start("web", ServiceState.WAITING, 1));
        boot.at(905, ready("web", 300_000));
        BootReport report = boot.report();

        assertEquals(OptionalLong.of(905 * MS), report.finishedAt());
        assertEquals(Optional.of("host"), report.mode());
        assertTrue(report.pending().isEmpty());
        assertEquals(List.of("db", "web", "api", "metrics", "cache").subList(0, 3),
                report.blame().stream().map(ServiceTimeline::name).toList().subList(0, 3));
        assertEquals(List.of("db", "web", "api", "cache", "metrics"), report.blame().stream().map(ServiceTimeline::name).toList());

        ServiceTimeline api = report.service("api").orElseThrow();
        assertEquals(5 * MS, api.startableAt());
        assertEquals(Optional.of(new Wait("db", Relation.REQUIRES, 405 * MS, true)), api.waitedFor());
        assertEquals(405 * MS, api.dependenciesSatisfiedAt());
        assertEquals(405, ms(api.firstStartAt()));
        assertEquals(OptionalLong.of(410 * MS), api.attempts().getFirst().spawnedAt());
        assertEquals(200, ms(api.startup()));
        assertEquals(Optional.of("fd"), api.detector());
        assertEquals(List.of(Phase.Kind.WAITING, Phase.Kind.STARTING, Phase.Kind.READY), api.phases().stream().map(Phase::kind).toList());
        assertEquals(List.of(new ServiceTimeline.Predecessor("cache", Relation.REQUIRES), new ServiceTimeline.Predecessor("db", Relation.REQUIRES)),
                api.predecessors());

        ServiceTimeline web = report.service("web").orElseThrow();
        assertEquals(List.of(new ServiceTimeline.Predecessor("api", Relation.REQUIRES), new ServiceTimeline.Predecessor("metrics", Relation.WANTS)),
                web.predecessors());
        assertEquals("api", web.waitedFor().orElseThrow().dependency());
        assertEquals(List.of("web", "api", "db"), report.criticalChain("web").stream().map(ServiceTimeline::name).toList());
        assertEquals("web", report.lastReady().orElseThrow().name());
        // db waited for nothing: it was started as soon as the configuration was loaded.
        assertTrue(report.service("db").orElseThrow().waitedFor().isEmpty());
    }

    /** A oneshot is ready when it exits 0: that exit is its readiness, not a failed attempt nor an incident. */
    @Test
    void aOneshotsCleanExitIsItsReadiness() {
        Boot boot = new Boot("host", services("setup", "type = \"oneshot\"\n"));
        boot.at(5, start("setup", ServiceState.INACTIVE, 1)).at(10, new ServiceSpawned("setup", 100, "/bin/true"));
        boot.at(60, new ServiceExited("setup", 100, ExitStatus.exited(0), true), new ServiceReady("setup", 100, "exit", 55_000),
                change("setup", ServiceState.STARTING, ServiceState.DONE, "done"));
        ServiceTimeline setup = boot.report().service("setup").orElseThrow();
        assertEquals(0, setup.failedAttempts());
        assertEquals(Outcome.READY, setup.attempts().getFirst().outcome());
        assertTrue(setup.incidents().isEmpty(), setup.incidents()::toString);
        assertEquals(55, ms(setup.startup()));
    }

    /** flaky fails its first start and is restarted after a delay; what requires it waits through both attempts. */
    @Test
    void aRestartedServiceCountsBothAttemptsAndItsDelay() {
        Boot boot = new Boot("host", services("flaky", "", "user", "[dependencies]\nrequires = [\"flaky\"]\n"));
        boot.at(2, start("flaky", ServiceState.INACTIVE, 1)).at(2, waiting("user", "flaky"));
        boot.at(4, new ServiceSpawned("flaky", 200, "/bin/true"));
        boot.at(10, new ServiceExited("flaky", 200, ExitStatus.exited(1), true), new RestartScheduled("root", "flaky", 1000, 1, "exited 1"),
                new ServiceStateChanged("flaky", ServiceState.STARTING, ServiceState.WAITING, 0, Optional.of(ExitStatus.exited(1)),
                        "exited 1; restart in 1s", Optional.empty()));
        boot.at(1010, start("flaky", ServiceState.WAITING, 2));
        boot.at(1012, new ServiceSpawned("flaky", 201, "/bin/true"));
        boot.at(1030, ready("flaky", 20_000)).at(1030, start("user", ServiceState.WAITING, 1));
        boot.at(1080, ready("user", 50_000));
        BootReport report = boot.report();

        ServiceTimeline flaky = report.service("flaky").orElseThrow();
        assertEquals(1028, ms(flaky.startup()));
        assertEquals(2, flaky.attempts().size());
        assertEquals(Outcome.EXITED, flaky.attempts().get(0).outcome());
        assertEquals("exited 1", flaky.attempts().get(0).detail());
        assertEquals(OptionalLong.of(10 * MS), flaky.attempts().get(0).endedAt());
        assertEquals(Outcome.READY, flaky.attempts().get(1).outcome());
        assertEquals(1, flaky.failedAttempts());
        assertEquals(List.of(Phase.Kind.STARTING, Phase.Kind.RESTART_DELAY, Phase.Kind.STARTING, Phase.Kind.READY),
                flaky.phases().stream().map(Phase::kind).toList());
        assertEquals(List.of(ServiceTimeline.Incident.Kind.EXITED, ServiceTimeline.Incident.Kind.RESTART_SCHEDULED),
                flaky.incidents().stream().map(ServiceTimeline.Incident::kind).toList());
        assertEquals(List.of("flaky", "user"), report.blame().stream().map(ServiceTimeline::name).toList());
        assertEquals(List.of("user", "flaky"), report.criticalChain("user").stream().map(ServiceTimeline::name).toList());
        assertEquals(1030 * MS, report.service("user").orElseThrow().dependenciesSatisfiedAt());
        assertEquals(OptionalLong.of(1080 * MS), report.finishedAt());
        String text = BootText.blame(report, new dynamod.ctl.out.Style(false, true));
        assertEquals(" 1.028s flaky (1 failed attempt)\n   50ms user\n", text);
    }

    /**
     * never does not get ready within its timeout and fails (temporary: not restarted); what requires it is
     * blocked. Neither is blamed; both are listed as not ready, and the boot is finished once they settled.
     */
    @Test
    void aServiceThatNeverGotReadyIsNotBlamedButListed() {
        Boot boot = new Boot("host", services("never", "[restart]\npolicy = \"temporary\"\n",
                "needs", "[dependencies]\nrequires = [\"never\"]\n", "fine", ""));
        boot.at(1, start("never", ServiceState.INACTIVE, 1)).at(1, start("fine", ServiceState.INACTIVE, 1)).at(1, waiting("needs", "never"));
        boot.at(3, new ServiceSpawned("never", 300, "/bin/sleep"), new ServiceSpawned("fine", 301, "/bin/true"));
        boot.at(30, ready("fine", 29_000));
        boot.at(1001, new ReadinessTimedOut("never", 300, "fd", 1000),
                change("never", ServiceState.STARTING, ServiceState.STOPPING, "not ready within 1s"));
        // Between the timeout and the exit the boot is not finished: never is still stopping.
        assertFalse(boot.analyzer.done());
        boot.at(1003, new ServiceExited("never", 300, ExitStatus.killed(15, false), true),
                change("never", ServiceState.STOPPING, ServiceState.FAILED, "not ready within 1s; temporary: not restarted"),
                new ServiceStateChanged("needs", ServiceState.WAITING, ServiceState.BLOCKED, 0, Optional.empty(), "never failed", Optional.of("never")));
        boot.at(9000, start("fine", ServiceState.RUNNING, 2)); // after the boot: not part of it
        BootReport report = boot.report();

        assertEquals(OptionalLong.of(1003 * MS), report.finishedAt());
        assertEquals(List.of("fine"), report.blame().stream().map(ServiceTimeline::name).toList());
        assertEquals(List.of("needs", "never"), report.notReady().stream().map(ServiceTimeline::name).toList());
        ServiceTimeline never = report.service("never").orElseThrow();
        assertEquals(Outcome.TIMED_OUT, never.attempts().getFirst().outcome());
        assertEquals(ServiceState.FAILED, never.state());
        assertTrue(never.startup().isEmpty());
        ServiceTimeline needs = report.service("needs").orElseThrow();
        assertEquals(ServiceState.BLOCKED, needs.state());
        assertEquals(Optional.of("never"), needs.cause());
        assertTrue(needs.firstStartAt().isEmpty());
        assertEquals("blocked: never failed (never)", BootText.notReadyText(needs));
        assertEquals(1, report.service("fine").orElseThrow().attempts().size(), "the start after the boot is not in it");
        assertEquals(List.of("fine"), report.criticalChain("fine").stream().map(ServiceTimeline::name).toList());
    }

    /** A service nothing requires and nothing holds back: its chain is itself; as the last one ready it is the default. */
    @Test
    void aServiceNotRequiredByAnythingEndsTheBootAlone() {
        Boot boot = new Boot("boot", services("a", "", "b", "[dependencies]\nrequires = [\"a\"]\n", "lonely", ""));
        boot.at(0, start("a", ServiceState.INACTIVE, 1)).at(0, start("lonely", ServiceState.INACTIVE, 1)).at(0, waiting("b", "a"));
        boot.at(20, ready("a", 20_000)).at(20, start("b", ServiceState.WAITING, 1));
        boot.at(40, ready("b", 20_000));
        boot.at(700, ready("lonely", 700_000));
        BootReport report = boot.report();

        assertEquals("lonely", report.lastReady().orElseThrow().name());
        assertEquals(List.of("lonely"), report.criticalChain("lonely").stream().map(ServiceTimeline::name).toList());
        assertTrue(report.service("lonely").orElseThrow().predecessors().isEmpty());
        assertEquals(List.of("lonely", "a", "b"), report.blame().stream().map(ServiceTimeline::name).toList());
        // Boot mode: the manager started 50 s after the kernel.
        assertEquals("Startup finished in 50s (kernel) + 700ms (userspace) = 50.7s", BootText.summary(report));
        String chain = BootText.criticalChain(report, report.criticalChain("b"), new dynamod.ctl.out.Style(false, true));
        assertEquals("b @40ms +20ms  (requires a)\n└─a @20ms +20ms\n", chain);
    }

    /** An ordering-only predecessor that fails releases what is after it: the chain names it, not ready. */
    @Test
    void aFailedOrderingPredecessorReleasesItsSuccessor() {
        Boot boot = new Boot("host", services("first", "[restart]\npolicy = \"temporary\"\n", "second", "[dependencies]\nafter = [\"first\"]\n"));
        boot.at(0, start("first", ServiceState.INACTIVE, 1)).at(0, waiting("second", "first"));
        boot.at(50, new ServiceExited("first", 1, ExitStatus.exited(3), true), change("first", ServiceState.STARTING, ServiceState.FAILED, "exited 3"))
                .at(50, start("second", ServiceState.WAITING, 1));
        boot.at(60, ready("second", 10_000));
        BootReport report = boot.report();

        assertEquals(Optional.of(new Wait("first", Relation.AFTER, 50 * MS, false)), report.service("second").orElseThrow().waitedFor());
        assertEquals(List.of("second", "first"), report.criticalChain("second").stream().map(ServiceTimeline::name).toList());
        assertEquals("second @60ms +10ms  (after first)\n└─first @50ms (failed: exited 3)\n",
                BootText.criticalChain(report, report.criticalChain("second"), new dynamod.ctl.out.Style(false, true)));
    }

    /** A boot that is still starting (or was shut down first) is not finished, and says what it waits for. */
    @Test
    void anUnfinishedBootNamesWhatIsPending() {
        Boot boot = new Boot("host", services("slow", "", "after", "[dependencies]\nrequires = [\"slow\"]\n", "quick", ""));
        boot.at(0, start("slow", ServiceState.INACTIVE, 1)).at(0, start("quick", ServiceState.INACTIVE, 1)).at(0, waiting("after", "slow"));
        boot.at(10, ready("quick", 10_000));
        boot.at(2000, new ShutdownRequested("poweroff", "operator", 90_000));
        boot.at(2001, change("slow", ServiceState.STARTING, ServiceState.STOPPING, "shutting down"));
        BootReport report = boot.report();

        assertTrue(report.finishedAt().isEmpty());
        assertEquals(2000 * MS, report.endAt());
        assertEquals(List.of("slow", "after"), report.pending().stream().map(ServiceTimeline::name).toList());
        assertEquals(ServiceState.STARTING, report.service("slow").orElseThrow().state(), "the shutdown's events are not part of the boot");
        assertEquals("Startup not finished after 2s: waiting for slow (starting), after (waiting)", BootText.summary(report));
        ServiceTimeline slow = report.service("slow").orElseThrow();
        assertEquals(Outcome.PENDING, slow.attempts().getFirst().outcome());
        assertEquals(new Phase(Phase.Kind.STARTING, 0, 2000 * MS), slow.phases().getLast());
    }

    /** An event the manager could not have written (a group restart of a supervisor that does not exist) is a warning. */
    @Test
    void anEventTheManagerCouldNotFollowIsAWarningAndTheRestIsAnalysed() {
        Boot boot = new Boot("host", services("a", ""));
        boot.at(0, start("a", ServiceState.INACTIVE, 1));
        boot.at(5, new dynamod.journal.event.SupervisorEvent.GroupRestarting("ghost", "a", "one-for-all", List.of("a"), List.of()));
        boot.at(20, ready("a", 20_000));
        BootReport report = boot.report();

        assertEquals(1, report.warnings().size(), report.warnings()::toString);
        assertTrue(report.warnings().getFirst().startsWith("the manager's state could not follow GroupRestarting"), report.warnings()::toString);
        assertEquals(20, ms(report.service("a").orElseThrow().readyAt()));
        assertEquals(OptionalLong.of(20 * MS), report.finishedAt());
    }

    @Test
    void spansAreWrittenAsSystemdAnalyzeWritesThem() {
        assertEquals("0", BootText.span(0));
        assertEquals("250us", BootText.span(250_000));
        assertEquals("316ms", BootText.span(316 * MS));
        assertEquals("1.188s", BootText.span(1188 * MS));
        assertEquals("2s", BootText.span(2000 * MS));
        assertEquals("1.5s", BootText.span(1500 * MS));
        assertEquals("1min 20.156s", BootText.span(80_156 * MS));
        assertEquals("1h 0min 1s", BootText.span(3_601_000 * MS));
        assertEquals("2min", BootText.span(120_000 * MS));
    }
}
