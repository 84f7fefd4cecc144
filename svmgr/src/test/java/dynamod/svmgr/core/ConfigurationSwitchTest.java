package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.BLOCKED;
import static dynamod.journal.event.ServiceState.RUNNING;
import static dynamod.journal.event.ServiceState.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.ConfigLoader;
import dynamod.conf.ConfigSource;
import dynamod.journal.event.ServiceEvent.ServiceRestartRequested;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Switching a running system to a new configuration: the plan, and what the core does with it. */
class ConfigurationSwitchTest {

    /** The plan for switching sim's running state to the configuration sim now has (without loading it). */
    private static SwitchPlan planFor(Sim sim, List<ConfigSource> sources) {
        var result = ConfigLoader.load(sources);
        return SwitchPlan.compute(sim.state, Configurations.effective(Optional.of(sim.state.loaded().orElseThrow().configuration()), result));
    }

    private static ConfigSource service(String name, String more) {
        String exec = more.startsWith("exec =") ? "" : "exec = [\"/bin/" + name + "\"]\n";
        String text = "[service]\nname = \"" + name + "\"\n" + exec + more;
        return new ConfigSource(Path.of("/etc/dynamod/services/" + name + ".toml"), text.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SERVICE);
    }

    @Test
    void aChangedEnvironmentRestartsTheServiceOnce() {
        Sim other = new Sim().service("web").service("db").load();
        other.clearObservations();
        other.service("web", "environment = { MODE = \"fast\" }\n").load();
        assertEquals(List.of("web:15"), other.signalled);
        assertEquals(List.of("web"), other.spawned);
        assertEquals(1, other.liveProcessesOf("web"));
        assertEquals("configuration changed: environment", other.events(ServiceRestartRequested.class).getFirst().reason());
        other.assertStates("web", RUNNING, "db", RUNNING);
    }

    @Test
    void addedServicesStartAndRemovedOnesStopAndAreForgotten() {
        Sim sim = new Sim().service("web").service("old").load();
        sim.clearObservations();
        sim.remove("old").service("new").load();
        assertEquals(List.of("old:15"), sim.signalled);
        assertEquals(List.of("new"), sim.spawned);
        assertFalse(sim.state.topology().hasService("old"));
        assertTrue(sim.state.retired().isEmpty());
        assertEquals(0, sim.liveProcessesOf("old"));
        sim.assertStates("web", RUNNING, "new", RUNNING);
    }

    @Test
    void aRemovedServiceThatIgnoresItsSignalIsKilledAfterItsStopTimeout() {
        Sim sim = new Sim().service("web").service("old", "[shutdown]\nstop-timeout = \"2s\"\n").load();
        sim.stubborn.add("old");
        sim.remove("old").load();
        assertEquals(1, sim.state.retired().size());
        sim.advanceSeconds(2);
        assertTrue(sim.signalled.contains("old:9"));
        assertTrue(sim.state.retired().isEmpty());
    }

    @Test
    void aBrokenFileKeepsTheRunningVersion() {
        Sim sim = new Sim().service("web").load();
        sim.clearObservations();
        sim.allowingConfigErrors().service("web", "type = \"sometimes\"\n").load();
        assertTrue(sim.events(ConfigurationLoaded.class).getLast().errors() > 0);
        assertEquals(List.of(), sim.signalled);
        sim.assertStates("web", RUNNING);
        assertEquals("/bin/web", sim.state.topology().spec(sim.state.topology().indexOf("web")).exec().getFirst());
    }

    @Test
    void theSwitchPlanSaysWhatHappensAndWhy() {
        Sim sim = new Sim().service("web").service("db").service("gone").service("same").service("quiet", "description = \"a\"\n")
                .service("stopped").load();
        sim.stop("stopped");
        List<ConfigSource> next = List.of(
                service("web", "exec = [\"/bin/web\", \"--fast\"]\n[restart]\npolicy = \"transient\"\n"),
                service("db", "[cgroup]\nmemory-max = \"1G\"\n"),
                service("same", ""),
                service("quiet", "description = \"b\"\n"),
                service("stopped", "exec = [\"/bin/other\"]\n"),
                service("added", ""),
                service("broken", "nonsense = 1\n"));
        SwitchPlan plan = planFor(sim, next);
        assertEquals(new SwitchPlan.Entry(SwitchPlan.Kind.SERVICE, "web", SwitchPlan.Action.RESTART, List.of("exec", "restart")),
                plan.entry(SwitchPlan.Kind.SERVICE, "web").orElseThrow());
        assertEquals(List.of("limits"), plan.entry(SwitchPlan.Kind.SERVICE, "db").orElseThrow().changes());
        // Limits change live in its cgroup: no restart.
        assertEquals(SwitchPlan.Action.UPDATE, plan.entry(SwitchPlan.Kind.SERVICE, "db").orElseThrow().action());
        assertEquals(SwitchPlan.Action.REMOVE, plan.entry(SwitchPlan.Kind.SERVICE, "gone").orElseThrow().action());
        assertEquals(SwitchPlan.Action.KEEP, plan.entry(SwitchPlan.Kind.SERVICE, "same").orElseThrow().action());
        assertEquals(SwitchPlan.Action.UPDATE, plan.entry(SwitchPlan.Kind.SERVICE, "quiet").orElseThrow().action());
        // Not running: the new exec is used at its next start; no restart.
        assertEquals(SwitchPlan.Action.UPDATE, plan.entry(SwitchPlan.Kind.SERVICE, "stopped").orElseThrow().action());
        assertEquals(SwitchPlan.Action.ADD, plan.entry(SwitchPlan.Kind.SERVICE, "added").orElseThrow().action());
        assertTrue(plan.entry(SwitchPlan.Kind.SERVICE, "broken").isEmpty(), "a new file with errors adds nothing");
        String text = plan.render();
        assertTrue(text.contains("restart  service    web (exec, restart)"), text);
        assertTrue(text.contains("remove   service    gone (stopped)"), text);
        assertTrue(text.contains("add      service    added"), text);
        assertTrue(text.contains("2 unchanged"), text); // same, and root
        String json = plan.toJson();
        assertTrue(json.startsWith("{\"counts\":{\"add\":1,\"remove\":1,\"restart\":1,\"update\":3,\"keep\":2},\"entries\":["), json);
        assertTrue(json.contains("{\"kind\":\"service\",\"name\":\"web\",\"action\":\"restart\",\"changes\":[\"exec\",\"restart\"]}"), json);
    }

    @Test
    void aChangeOfLogSettingsUpdatesTheRunningServiceWithoutARestart() {
        Sim sim = new Sim().service("web").service("db").load();
        List<ConfigSource> next = List.of(service("web", "[logs]\nrate-limit-burst = 50\nline-max = \"4K\"\n"), service("db", ""));
        SwitchPlan plan = planFor(sim, next);
        assertEquals(new SwitchPlan.Entry(SwitchPlan.Kind.SERVICE, "web", SwitchPlan.Action.UPDATE, List.of("logs")),
                plan.entry(SwitchPlan.Kind.SERVICE, "web").orElseThrow());
        assertEquals(SwitchPlan.Action.KEEP, plan.entry(SwitchPlan.Kind.SERVICE, "db").orElseThrow().action());
        sim.clearObservations();
        sim.service("web", "[logs]\nrate-limit-burst = 50\nline-max = \"4K\"\n").load();
        assertEquals(List.of(), sim.signalled);
        assertEquals(List.of(), sim.spawned);
        sim.assertStates("web", RUNNING, "db", RUNNING);
        var logs = sim.state.topology().spec(sim.state.topology().indexOf("web")).logs();
        assertEquals(new dynamod.conf.spec.LogSettings(50, java.time.Duration.ofSeconds(30), 4096), logs);
        // With a restart-worthy change too, the restart lists both.
        SwitchPlan both = planFor(sim, List.of(service("web", "exec = [\"/bin/web2\"]\n"), service("db", "")));
        assertEquals(List.of("exec", "logs"), both.entry(SwitchPlan.Kind.SERVICE, "web").orElseThrow().changes());
        assertEquals(SwitchPlan.Action.RESTART, both.entry(SwitchPlan.Kind.SERVICE, "web").orElseThrow().action());
    }

    @Test
    void aServiceThatNowRequiresAMissingOneIsKeptAsItRuns() {
        Sim sim = new Sim().service("db").service("web", "[dependencies]\nrequires = [\"db\"]\n").load();
        sim.allowingConfigErrors().remove("db").load();
        // web's file now names an unknown service: web is rejected and keeps its running version, which requires db,
        // which is gone: web is blocked, and says by whom.
        sim.assertStates("web", BLOCKED);
        assertEquals(Optional.of("db"), sim.runtime("web").cause());
    }

    @Test
    void aStoppedServiceStaysStoppedAcrossASwitch() {
        Sim sim = new Sim().service("web").service("db").load();
        sim.stop("web");
        sim.service("db", "description = \"changed\"\n").load();
        sim.assertStates("web", STOPPED, "db", RUNNING);
    }

    @Test
    void supervisorChangesApplyWithoutRestarts() {
        Sim sim = new Sim().supervisor("sup", "strategy = \"one-for-one\"\n").service("a", "supervisor = \"sup\"\n").load();
        sim.clearObservations();
        sim.supervisor("sup", "strategy = \"one-for-all\"\n").load();
        assertEquals(List.of(), sim.signalled);
        assertEquals(dynamod.conf.spec.Strategy.ONE_FOR_ALL, sim.state.topology().supervisor("sup").spec().strategy());
    }

    @Test
    void replayRebuildsTheSwitchedConfiguration() {
        Sim sim = new Sim().service("web").service("old").load();
        sim.allowingConfigErrors().remove("old").service("web", "type = \"bad\"\n").service("new", "").load();
        sim.assertReplayReproducesState();
        State replayed = sim.replayed();
        assertEquals(sim.state.topology().startOrder(), replayed.topology().startOrder());
    }
}
