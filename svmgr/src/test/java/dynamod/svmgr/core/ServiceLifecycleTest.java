package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.BLOCKED;
import static dynamod.journal.event.ServiceState.DONE;
import static dynamod.journal.event.ServiceState.FAILED;
import static dynamod.journal.event.ServiceState.INACTIVE;
import static dynamod.journal.event.ServiceState.RELOADING;
import static dynamod.journal.event.ServiceState.RUNNING;
import static dynamod.journal.event.ServiceState.STARTING;
import static dynamod.journal.event.ServiceState.STOPPED;
import static dynamod.journal.event.ServiceState.STOPPING;
import static dynamod.journal.event.ServiceState.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The state machine of one service, per type, and the commands on it. */
class ServiceLifecycleTest {

    private static final String NO_DELAY = "[restart]\ndelay = \"0s\"\n";

    @Nested
    class Types {

        @Test
        void aSimpleServiceIsReadyWhenSpawned() {
            Sim sim = new Sim().service("web").load();
            sim.assertStates("web", RUNNING);
            assertEquals("spawn", sim.events(ServiceReady.class).getFirst().detector());
            assertEquals(List.of(INACTIVE, STARTING, RUNNING), transitions(sim, "web"));
        }

        @Test
        void aOneshotIsDoneWhenItExitsZeroAndFailsOtherwise() {
            Sim sim = new Sim().service("setup", "type = \"oneshot\"\n").service("bad", "type = \"oneshot\"\n[restart]\npolicy = \"temporary\"\n").load();
            sim.assertStates("setup", STARTING, "bad", STARTING);
            sim.exit("setup", 0).exit("bad", 3);
            sim.assertStates("setup", DONE, "bad", FAILED);
            assertEquals("exit", sim.events(ServiceReady.class).getFirst().detector());
            assertTrue(sim.runtime("bad").reason().contains("exited 3"), sim.runtime("bad").reason());
        }

        @Test
        void aForkingServiceRunsOnceItsStarterExitedAndItsDaemonWasFound() {
            Sim sim = new Sim().service("legacy", "type = \"forking\"\npid-file = \"/run/legacy.pid\"\n").load();
            int starter = sim.runtime("legacy").forkerPid();
            assertTrue(starter > 0);
            sim.assertStates("legacy", STARTING);
            sim.processes.remove(starter);
            sim.input(new Input.ProcessExited(starter, dynamod.journal.event.ExitStatus.exited(0)));
            sim.assertStates("legacy", RUNNING);
            int daemon = sim.runtime("legacy").pid();
            assertTrue(daemon > 0 && daemon != starter);
            assertEquals(Optional.of("legacy"), sim.state.serviceOfPid(daemon));
            assertEquals(Optional.empty(), sim.state.serviceOfPid(starter));
            // The daemon's death is the service's end, restarted as any other.
            sim.crash("legacy");
            sim.assertStates("legacy", WAITING);
        }

        @Test
        void aForkingServiceWhoseStarterFailsHasFailedToStart() {
            Sim sim = new Sim().service("legacy", "type = \"forking\"\n[restart]\npolicy = \"transient\"\nmax-restarts = 0\n").load();
            int starter = sim.runtime("legacy").forkerPid();
            sim.processes.remove(starter);
            sim.input(new Input.ProcessExited(starter, dynamod.journal.event.ExitStatus.exited(1)));
            sim.assertStates("legacy", FAILED);
        }

        @Test
        void aForkingServiceWithoutADaemonFails() {
            Sim sim = new Sim().service("legacy", "type = \"forking\"\n[restart]\npolicy = \"temporary\"\n");
            sim.noDaemon.add("legacy");
            sim.load();
            int starter = sim.runtime("legacy").forkerPid();
            // An answer about the daemon before the starter exited is stale and changes nothing.
            sim.input(new Input.MainPidNotFound("legacy", "too early"));
            sim.assertStates("legacy", STARTING);
            sim.processes.remove(starter);
            sim.input(new Input.ProcessExited(starter, dynamod.journal.event.ExitStatus.exited(0)));
            sim.assertStates("legacy", FAILED);
            assertTrue(sim.runtime("legacy").reason().contains("no main process: no pid-file and no surviving child"),
                    sim.runtime("legacy").reason());
        }

        @Test
        void aNotifyServiceIsReadyOnReady1AndReloadsOnReloading1() {
            Sim sim = new Sim().service("db", "type = \"notify\"\n").load();
            sim.assertStates("db", STARTING);
            sim.notify("db", new Notification(false, false, false, false, Optional.of("warming up"), OptionalInt.empty(), OptionalInt.empty()));
            sim.assertStates("db", STARTING);
            assertEquals(Optional.of("warming up"), sim.runtime("db").status());
            sim.notify("db", Notification.ofReady());
            sim.assertStates("db", RUNNING);
            sim.notify("db", new Notification(false, true, false, false, Optional.empty(), OptionalInt.empty(), OptionalInt.empty()));
            sim.assertStates("db", RELOADING);
            sim.notify("db", Notification.ofReady());
            sim.assertStates("db", RUNNING);
            assertEquals(1, sim.events(StatusText.class).size());
        }

        @Test
        void mainPidMovesTheServiceToAnotherProcess() {
            Sim sim = new Sim().service("db", "type = \"notify\"\n").load();
            int first = sim.runtime("db").pid();
            sim.notify("db", new Notification(true, false, false, false, Optional.empty(), OptionalInt.of(777), OptionalInt.empty()));
            assertEquals(777, sim.runtime("db").pid());
            sim.assertStates("db", RUNNING);
            // The old process may now exit: it is not the service any more.
            sim.processes.remove(first);
            sim.input(new Input.ProcessExited(first, dynamod.journal.event.ExitStatus.exited(0)));
            sim.assertStates("db", RUNNING);
        }

        @Test
        void onlyTheMainProcessSpeaksForTheService() {
            Sim sim = new Sim().service("db", "type = \"notify\"\n").load();
            sim.input(new Input.Notified(99999, Notification.ofReady()));
            sim.assertStates("db", STARTING);
        }

        @Test
        void aProbedServiceIsReadyWhenTheProbeSaysSo() {
            Sim sim = new Sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 8080\n").load();
            sim.assertStates("web", STARTING);
            assertTrue(sim.probes.contains("web"));
            sim.ready("web");
            sim.assertStates("web", RUNNING);
        }
    }

    @Nested
    class Readiness {

        @Test
        void aReadinessTimeoutIsAFailureThatGoesThroughTheRestartPolicy() {
            Sim sim = new Sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 8080\ntimeout = \"5s\"\n" + NO_DELAY).load();
            sim.advanceSeconds(4.9);
            sim.assertStates("web", STARTING);
            sim.advanceSeconds(0.2);
            assertEquals(1, sim.events(ReadinessTimedOut.class).size());
            // It was stopped (its probe with it), then restarted by its supervisor as a failure.
            int stopProbe = sim.effects.indexOf(new Effect.StopProbe("web"));
            int secondSpawn = sim.effects.stream().filter(e -> e instanceof Effect.Spawn).skip(1).findFirst().map(sim.effects::indexOf).orElse(-1);
            assertTrue(stopProbe >= 0 && stopProbe < secondSpawn, sim.effects::toString);
            assertTrue(sim.signalled.contains("web:15"));
            assertEquals(1, sim.events(RestartScheduled.class).size());
            assertEquals(2, sim.spawnsOf("web"));
            sim.assertStates("web", STARTING);
            assertTrue(sim.events(RestartScheduled.class).getFirst().reason().contains("not ready within 5s"));
        }

        @Test
        void readinessAfterTheTimeoutWasHandledIsIgnored() {
            Sim sim = new Sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 8080\ntimeout = \"1s\"\n[restart]\npolicy = \"temporary\"\n").load();
            sim.advanceSeconds(2);
            sim.assertStates("web", FAILED);
            sim.ready("web");
            sim.assertStates("web", FAILED);
        }

        @Test
        void stopDuringStartCancelsReadiness() {
            Sim sim = new Sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 8080\ntimeout = \"5s\"\n").load();
            sim.stop("web");
            sim.assertStates("web", STOPPED);
            assertFalse(sim.probes.contains("web"));
            assertFalse(sim.timers.containsKey(new TimerId("web", TimerId.Kind.READY)));
            sim.advanceSeconds(10);
            sim.assertStates("web", STOPPED);
            assertTrue(sim.events(ReadinessTimedOut.class).isEmpty());
        }

        @Test
        void stopWhileTheSpawnIsInFlightStopsTheProcessOnceItExists() {
            Sim sim = new Sim().service("web");
            sim.heldSpawns.add("web");
            sim.load();
            sim.assertStates("web", STARTING);
            sim.stop("web");
            sim.assertStates("web", STOPPING);
            sim.input(new Input.ProcessSpawned("web", 555, "/bin/web"));
            sim.processes.put(555, "web");
            // The sim's process 555 was not known to it as a live process, so answer its exit by hand.
            sim.processes.remove(555);
            sim.input(new Input.ProcessExited(555, dynamod.journal.event.ExitStatus.killed(15, false)));
            sim.assertStates("web", STOPPED);
            assertTrue(sim.signalled.contains("web:15"));
        }
    }

    @Nested
    class Commands {

        @Test
        void aStopSticksUntilAStart() {
            Sim sim = new Sim().service("web", "[restart]\npolicy = \"permanent\"\n" + NO_DELAY.substring(10)).load();
            sim.stop("web");
            sim.assertStates("web", STOPPED);
            sim.advanceSeconds(60);
            sim.assertStates("web", STOPPED);
            assertEquals(1, sim.spawnsOf("web"));
            sim.start("web");
            sim.assertStates("web", RUNNING);
            assertEquals(2, sim.spawnsOf("web"));
        }

        @Test
        void aStoppedServiceIsNotCountedAsAFailure() {
            Sim sim = new Sim().service("web").load();
            sim.stop("web");
            assertTrue(sim.events(RestartScheduled.class).isEmpty());
        }

        @Test
        void restartNeverRunsTwoInstances() {
            Sim sim = new Sim().service("web").load();
            sim.stubborn.add("web");
            sim.restart("web");
            sim.assertStates("web", STOPPING);
            assertEquals(1, sim.liveProcessesOf("web"));
            assertEquals(1, sim.spawnsOf("web"));
            sim.restart("web"); // a second restart while the first is stopping changes nothing
            assertEquals(1, sim.spawnsOf("web"));
            sim.advanceSeconds(10); // stop-timeout: SIGKILL
            assertTrue(sim.signalled.contains("web:9"));
            sim.assertStates("web", RUNNING);
            assertEquals(1, sim.liveProcessesOf("web"));
            assertEquals(2, sim.spawnsOf("web"));
            assertTrue(sim.events(RestartScheduled.class).isEmpty(), "a restart command is not a failure");
        }

        @Test
        void restartStartsAStoppedService() {
            Sim sim = new Sim().service("web").load();
            sim.stop("web").restart("web");
            sim.assertStates("web", RUNNING);
        }

        @Test
        void restartReRunsADoneOneshot() {
            Sim sim = new Sim().service("setup", "type = \"oneshot\"\n").load();
            sim.exit("setup", 0);
            sim.assertStates("setup", DONE);
            sim.restart("setup");
            sim.assertStates("setup", STARTING);
            assertEquals(2, sim.spawnsOf("setup"));
        }

        @Test
        void startClearsAFailureAndItsStartLimit() {
            Sim sim = new Sim().service("web", "[restart]\ndelay = \"0s\"\nmax-restarts = 1\n").load();
            sim.crash("web").crash("web");
            sim.assertStates("web", FAILED);
            assertTrue(sim.runtime("web").reason().contains("start limit"), sim.runtime("web").reason());
            sim.start("web");
            sim.assertStates("web", RUNNING);
            sim.crash("web");
            sim.assertStates("web", RUNNING); // one restart is allowed again
        }

        @Test
        void anUnknownTargetIsRejectedWithAClearReason() {
            Sim sim = new Sim().service("web").load();
            sim.start("wbe");
            CommandRejected rejected = sim.events(CommandRejected.class).getFirst();
            assertEquals("no service or supervisor named \"wbe\"", rejected.reason());
        }

        @Test
        void unitNamesAreAccepted() {
            Sim sim = new Sim().service("web").load();
            sim.stop("web.service");
            sim.assertStates("web", STOPPED);
        }

        @Test
        void reloadSendsSighupToARunningService() {
            Sim sim = new Sim().service("web").service("db", "type = \"notify\"\n").load();
            sim.input(new Input.Reload("web", Caller.MANAGER));
            assertTrue(sim.signalled.contains("web:1"));
            sim.assertStates("web", RUNNING);
            sim.input(new Input.Reload("db", Caller.MANAGER));
            assertTrue(sim.events(CommandRejected.class).getFirst().reason().contains("not running"));
        }

        @Test
        void aStopExecRunsInsteadOfTheSignal() {
            Sim sim = new Sim().service("db", "[shutdown]\nstop-exec = [\"/bin/db-stop\"]\n").load();
            sim.stop("db");
            assertEquals(List.of("db:stop-exec"), sim.signalled);
            sim.assertStates("db", STOPPED);
        }
    }

    @Nested
    class Ends {

        @Test
        void aSpawnFailureIsAFailure() {
            Sim sim = new Sim().service("web", "[restart]\nmax-restarts = 2\ndelay = \"0s\"\n");
            sim.failingSpawns.add("web");
            sim.load();
            sim.assertStates("web", FAILED);
            assertEquals(3, sim.events(ServiceSpawnFailed.class).size());
            assertTrue(sim.runtime("web").reason().contains("cannot start: exec: No such file or directory"), sim.runtime("web").reason());
        }

        @Test
        void aTransientServiceThatExitsZeroIsNotRestarted() {
            Sim sim = new Sim().service("job", "[restart]\npolicy = \"transient\"\n").load();
            sim.exit("job", 0);
            sim.assertStates("job", INACTIVE);
            assertTrue(sim.events(RestartScheduled.class).isEmpty());
        }

        @Test
        void theRestartDelayDoublesUpToMaxDelay() {
            Sim sim = new Sim().service("web", "[restart]\ndelay = \"1s\"\nmax-delay = \"5s\"\nmax-restarts = 100\nmax-restart-window = \"1h\"\n")
                    .supervisor("root", "[restart]\nmax-restarts = 100\n").load();
            for (int k = 0; k < 5; k++) {
                sim.crash("web");
                sim.advanceSeconds(10);
            }
            assertEquals(List.of(1000L, 2000L, 4000L, 5000L, 5000L),
                    sim.events(RestartScheduled.class).stream().map(RestartScheduled::delayMillis).toList());
        }

        @Test
        void aRestartDelayBlocksNothingElse() {
            Sim sim = new Sim().service("web", "[restart]\ndelay = \"30s\"\n").service("other").load();
            sim.crash("web");
            sim.assertStates("web", WAITING);
            sim.stop("other").start("other");
            sim.assertStates("other", RUNNING, "web", WAITING);
            sim.advanceSeconds(30);
            sim.assertStates("web", RUNNING);
        }

        @Test
        void aStopDuringTheRestartDelayCancelsTheRestart() {
            Sim sim = new Sim().service("web", "[restart]\ndelay = \"30s\"\n").load();
            sim.crash("web").stop("web");
            sim.assertStates("web", STOPPED);
            assertFalse(sim.timers.containsKey(new TimerId("web", TimerId.Kind.RESTART)));
            sim.advanceSeconds(60);
            sim.assertStates("web", STOPPED);
        }

        @Test
        void aStubbornProcessIsKilledAfterItsStopTimeout() {
            Sim sim = new Sim().service("web", "[shutdown]\nstop-timeout = \"3s\"\n").load();
            sim.stubborn.add("web");
            sim.stop("web");
            sim.advanceSeconds(2.9);
            sim.assertStates("web", STOPPING);
            sim.advanceSeconds(0.2);
            sim.assertStates("web", STOPPED);
            assertEquals(List.of("web:15", "web:9"), sim.signalled);
        }
    }

    private static List<dynamod.journal.event.ServiceState> transitions(Sim sim, String service) {
        List<dynamod.journal.event.ServiceState> states = new java.util.ArrayList<>();
        for (ServiceStateChanged e : sim.events(ServiceStateChanged.class, e -> e.service().equals(service))) {
            if (states.isEmpty()) states.add(e.from());
            states.add(e.to());
        }
        return states;
    }

    @Test
    void blockedIsNotUsedWithoutDependencies() {
        Sim sim = new Sim().service("web").load();
        assertFalse(sim.events(ServiceStateChanged.class).stream().anyMatch(e -> e.to() == BLOCKED));
    }
}
