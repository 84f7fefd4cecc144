package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.BLOCKED;
import static dynamod.journal.event.ServiceState.DONE;
import static dynamod.journal.event.ServiceState.FAILED;
import static dynamod.journal.event.ServiceState.RUNNING;
import static dynamod.journal.event.ServiceState.STARTING;
import static dynamod.journal.event.ServiceState.STOPPED;
import static dynamod.journal.event.ServiceState.STOPPING;
import static dynamod.journal.event.ServiceState.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** requires, wants, after and before: the frontier that starts services, and what a failure or a stop does. */
class DependencyTest {

    private static String requires(String... names) {
        return "[dependencies]\nrequires = [" + quoted(names) + "]\n";
    }

    private static String after(String... names) {
        return "[dependencies]\nafter = [" + quoted(names) + "]\n";
    }

    private static String quoted(String... names) {
        return String.join(", ", java.util.Arrays.stream(names).map(n -> "\"" + n + "\"").toList());
    }

    private static final String NOTIFY = "type = \"notify\"\n";
    private static final String TEMPORARY = "[restart]\npolicy = \"temporary\"\n";

    @Test
    void aRequirerStartsOnlyOnceWhatItRequiresIsReady() {
        Sim sim = new Sim().service("db", NOTIFY).service("web", requires("db")).load();
        sim.assertStates("db", STARTING, "web", WAITING);
        assertEquals(Optional.of("db"), sim.runtime("web").cause());
        sim.notify("db", Notification.ofReady());
        sim.assertStates("db", RUNNING, "web", RUNNING);
    }

    @Test
    void independentServicesStartInParallel() {
        Sim sim = new Sim().service("a", NOTIFY).service("b", NOTIFY).service("c", NOTIFY).load();
        sim.assertStates("a", STARTING, "b", STARTING, "c", STARTING);
        assertEquals(List.of("a", "b", "c"), sim.spawned);
    }

    @Test
    void theFrontierFollowsADiamond() {
        Sim sim = new Sim().service("base", NOTIFY).service("left", NOTIFY + requires("base")).service("right", NOTIFY + requires("base"))
                .service("top", requires("left", "right")).load();
        assertEquals(List.of("base"), sim.spawned);
        sim.notify("base", Notification.ofReady());
        assertEquals(List.of("base", "left", "right"), sim.spawned);
        sim.notify("left", Notification.ofReady());
        sim.assertStates("top", WAITING);
        sim.notify("right", Notification.ofReady());
        sim.assertStates("top", RUNNING);
    }

    @Test
    void aFailureBlocksTheTransitiveRequirersAndTellsEachWho() {
        Sim sim = new Sim().service("db", NOTIFY + TEMPORARY).service("api", requires("db")).service("web", requires("api")).load();
        sim.crash("db");
        sim.assertStates("db", FAILED, "api", BLOCKED, "web", BLOCKED);
        assertEquals(Optional.of("db"), sim.runtime("api").cause());
        assertEquals(Optional.of("db"), sim.runtime("web").cause());
        assertTrue(sim.runtime("web").reason().contains("requires api"), sim.runtime("web").reason());
        // Once db is started and ready, everything comes back.
        sim.start("db");
        sim.notify("db", Notification.ofReady());
        sim.assertStates("db", RUNNING, "api", RUNNING, "web", RUNNING);
    }

    @Test
    void aFailureStopsRunningRequirersFirst() {
        Sim sim = new Sim().service("db", TEMPORARY).service("api", requires("db")).service("web", requires("api")).load();
        sim.assertStates("db", RUNNING, "api", RUNNING, "web", RUNNING);
        sim.crash("db");
        sim.assertStates("db", FAILED, "api", BLOCKED, "web", BLOCKED);
        assertEquals(List.of("web:15", "api:15"), sim.signalled);
    }

    @Test
    void aStopStopsRequirersBeforeTheServiceAndTheyComeBackWithIt() {
        Sim sim = new Sim().service("db").service("api", requires("db")).service("web", requires("api")).load();
        sim.stubborn.add("web");
        sim.stop("db");
        // web ignores SIGTERM: api and db wait for it (reverse order), SIGKILL after web's stop-timeout.
        sim.assertStates("web", STOPPING, "api", STOPPING, "db", STOPPING);
        assertEquals(List.of("web:15"), sim.signalled);
        sim.advanceSeconds(10);
        assertEquals(List.of("web:15", "web:9", "api:15", "db:15"), sim.signalled);
        sim.assertStates("db", STOPPED, "api", BLOCKED, "web", BLOCKED);
        assertEquals(Optional.of("db"), sim.runtime("web").cause());
        sim.start("db");
        sim.assertStates("db", RUNNING, "api", RUNNING, "web", RUNNING);
    }

    @Test
    void startPullsUpWhatItRequiresAndWants() {
        Sim sim = new Sim().service("db").service("cache").service("web", requires("db") + "wants = [\"cache\"]\n").load();
        sim.stop("db").stop("cache").stop("web");
        sim.assertStates("db", STOPPED, "cache", STOPPED, "web", STOPPED);
        sim.start("web");
        sim.assertStates("db", RUNNING, "cache", RUNNING, "web", RUNNING);
    }

    @Test
    void aRequirementThatIsNotLoadedBlocksOnlyItsRequirers() {
        Sim sim = new Sim().allowingConfigErrors().service("db", "exec = \"not a list\"\n").service("web", requires("db")).service("other").load();
        assertTrue(sim.events(ConfigurationLoaded.class).getFirst().errors() > 0);
        sim.assertStates("web", BLOCKED, "other", RUNNING);
        assertTrue(sim.runtime("web").reason().contains("requires db, which is not loaded"), sim.runtime("web").reason());
    }

    @Test
    void wantsOrdersButNeverBlocks() {
        Sim sim = new Sim().service("cache", NOTIFY + TEMPORARY).service("web", "[dependencies]\nwants = [\"cache\"]\n").load();
        sim.assertStates("cache", STARTING, "web", WAITING);
        sim.crash("cache");
        sim.assertStates("cache", FAILED, "web", RUNNING);
    }

    @Test
    void afterOrdersButAFailedOrBlockedPredecessorLetsItStart() {
        Sim sim = new Sim().service("db", NOTIFY + TEMPORARY).service("api", NOTIFY + requires("db"))
                .service("late", after("api")).load();
        sim.assertStates("api", WAITING, "late", WAITING);
        sim.crash("db");
        sim.assertStates("db", FAILED, "api", BLOCKED, "late", RUNNING);
    }

    @Test
    void beforeIsAfterTheOtherWayRound() {
        Sim sim = new Sim().service("first", NOTIFY + "[dependencies]\nbefore = [\"second\"]\n").service("second").load();
        sim.assertStates("first", STARTING, "second", WAITING);
        sim.notify("first", Notification.ofReady());
        sim.assertStates("second", RUNNING);
    }

    @Test
    void aOneshotRequirementIsMetWhenDone() {
        Sim sim = new Sim().service("setup", "type = \"oneshot\"\n").service("web", requires("setup")).load();
        sim.assertStates("setup", STARTING, "web", WAITING);
        sim.exit("setup", 0);
        sim.assertStates("setup", DONE, "web", RUNNING);
    }

    @Test
    void aCycleIsRefusedAtLoadAndTheRestStarts() {
        Sim sim = new Sim().allowingConfigErrors().service("a", after("b")).service("b", after("a")).service("c").load();
        ConfigurationLoaded loaded = sim.events(ConfigurationLoaded.class).getFirst();
        assertTrue(loaded.diagnostics().stream().anyMatch(d -> d.contains("dependency cycle: a → b → a")), loaded.diagnostics()::toString);
        assertEquals(List.of("c"), sim.state.topology().startOrder());
        sim.assertStates("c", RUNNING);
    }

    @Test
    void theConcurrencyCapLimitsStartsAndKeepsStartOrder() {
        Sim sim = new Sim(Options.DEFAULT.withMaxParallelStarts(2));
        for (String name : List.of("a", "b", "c", "d", "e")) sim.service(name, NOTIFY);
        sim.load();
        assertEquals(List.of("a", "b"), sim.spawned);
        sim.assertStates("c", WAITING, "d", WAITING, "e", WAITING);
        sim.notify("a", Notification.ofReady());
        assertEquals(List.of("a", "b", "c"), sim.spawned);
        sim.crash("b"); // leaving STARTING by failing frees a slot too
        assertEquals(List.of("a", "b", "c", "d"), sim.spawned);
    }

    @Test
    void aRestartOfARequiredServiceRestartsItsRequirersAfterIt() {
        Sim sim = new Sim().service("db").service("web", requires("db")).load();
        sim.clearObservations();
        sim.restart("db");
        assertEquals(List.of("web:15", "db:15"), sim.signalled);
        assertEquals(List.of("db", "web"), sim.spawned);
        sim.assertStates("db", RUNNING, "web", RUNNING);
        assertEquals(2, sim.events(ServiceSignalled.class).size());
    }
}
