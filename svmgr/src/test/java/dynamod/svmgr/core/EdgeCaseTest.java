package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.BLOCKED;
import static dynamod.journal.event.ServiceState.FAILED;
import static dynamod.journal.event.ServiceState.RUNNING;
import static dynamod.journal.event.ServiceState.STARTING;
import static dynamod.journal.event.ServiceState.STOPPED;
import static dynamod.journal.event.ServiceState.STOPPING;
import static dynamod.journal.event.ServiceState.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The awkward orders and overlaps a real machine produces: group restarts inside group restarts, switches in the
 * middle of them, settings changed while their timers run, stale and hostile inputs. Each was once a bug.
 */
class EdgeCaseTest {

    private static String supervisor(String parent, String strategy) {
        return "parent = \"" + parent + "\"\nstrategy = \"" + strategy + "\"\n[restart]\nmax-restarts = 100\nmax-restart-window = \"1h\"\n";
    }

    private static String child(String supervisor) {
        return "supervisor = \"" + supervisor + "\"\n[restart]\ndelay = \"0s\"\nmax-restarts = 1000\n[shutdown]\nstop-timeout = \"5s\"\n";
    }

    private static Sim sim() {
        Sim sim = new Sim();
        sim.replayEveryStep = true;
        return sim;
    }

    @Nested
    class GroupsAndSwitches {

        @Test
        void aGroupRestartInsideAnotherOneCompletesWithTheOuterOne() {
            Sim sim = sim().supervisor("outer", supervisor("root", "one-for-all")).supervisor("inner", supervisor("outer", "one-for-all"))
                    .service("z", child("outer")).service("x", child("inner")).service("y", child("inner")).load();
            sim.stubborn.add("x");
            sim.crash("y"); // inner's group restart waits for x, which ignores SIGTERM
            sim.crash("z"); // outer's group restart takes inner in: inner's own is void
            assertFalse(sim.supervisorOf("inner").groupRestarting());
            sim.advanceSeconds(6); // x is killed; everything starts again once
            sim.assertStates("x", RUNNING, "y", RUNNING, "z", RUNNING);
            assertFalse(sim.supervisorOf("outer").groupRestarting());
            assertEquals(1, sim.liveProcessesOf("x"));
        }

        @Test
        void aSwitchThatRemovesAMemberOfAGroupRestartLetsTheRestComplete() {
            Sim sim = sim().supervisor("sup", supervisor("root", "one-for-all"))
                    .service("a", child("sup")).service("b", child("sup")).service("c", child("sup")).load();
            sim.stubborn.add("a");
            sim.crash("b");
            sim.remove("c").load();
            sim.advanceSeconds(6);
            sim.assertStates("a", RUNNING, "b", RUNNING);
        }

        @Test
        void aSwitchThatRemovesTheSupervisorOfAGroupRestartReleasesItsMembers() {
            Sim sim = sim().supervisor("sup", supervisor("root", "one-for-all")).service("a", child("sup")).service("b", child("sup")).load();
            sim.stubborn.add("a");
            sim.crash("b");
            sim.removeSupervisor("sup").service("a", child("root")).service("b", child("root")).load();
            sim.advanceSeconds(6);
            sim.assertStates("a", RUNNING, "b", RUNNING);
        }

        @Test
        void aSwitchThatRemovesAChildSupervisorOfAGroupRestartLetsItComplete() {
            Sim sim = sim().supervisor("sup", supervisor("root", "one-for-all")).supervisor("inner", supervisor("sup", "one-for-one"))
                    .service("a", child("sup")).service("b", child("inner")).service("c", child("sup")).load();
            sim.stubborn.add("c");
            sim.crash("a");
            sim.removeSupervisor("inner").service("b", child("sup")).load();
            sim.advanceSeconds(6);
            sim.assertStates("a", RUNNING, "b", RUNNING, "c", RUNNING);
        }

        @Test
        void aMemberMovedToAnotherSupervisorLeavesTheGroup() {
            Sim sim = sim().supervisor("sup", supervisor("root", "one-for-all")).supervisor("other", supervisor("root", "one-for-one"))
                    .service("a", child("sup")).service("b", child("sup")).load();
            sim.stubborn.add("a");
            sim.crash("b");
            sim.service("a", child("other")).load();
            sim.assertStates("b", RUNNING); // the group is b alone now, and b has stopped
            sim.advanceSeconds(6);
            sim.assertStates("a", RUNNING, "b", RUNNING);
        }

        @Test
        void aRemovedServiceStopsAfterWhatRequiresIt() {
            Sim sim = sim().allowingConfigErrors().service("db").service("web", "[dependencies]\nrequires = [\"db\"]\n").load();
            sim.stubborn.add("web");
            sim.clearObservations();
            sim.remove("db").load();
            assertEquals(List.of("web:15"), sim.signalled);
            sim.advanceSeconds(10);
            assertEquals(List.of("web:15", "web:9", "db:15"), sim.signalled);
            sim.assertStates("web", BLOCKED);
        }
    }

    @Nested
    class SettingsChangedWhileTheirTimersRun {

        @Test
        void aRaisedReadinessTimeoutStillTimesOut() {
            Sim sim = sim().service("db", "type = \"notify\"\n[readiness]\ntimeout = \"10s\"\n[restart]\npolicy = \"temporary\"\n").load();
            sim.advanceSeconds(5);
            sim.service("db", "type = \"notify\"\n[readiness]\ntimeout = \"20s\"\n[restart]\npolicy = \"temporary\"\n").load();
            sim.advanceSeconds(14);
            sim.assertStates("db", STARTING);
            sim.advanceSeconds(2);
            sim.assertStates("db", FAILED);
        }

        @Test
        void aLoweredStopTimeoutKillsSooner() {
            Sim sim = sim().service("web", "[shutdown]\nstop-timeout = \"1m\"\n").load();
            sim.stubborn.add("web");
            sim.stop("web");
            sim.service("web", "[shutdown]\nstop-timeout = \"5s\"\n").load();
            sim.advanceSeconds(5);
            sim.assertStates("web", STOPPED);
        }

        @Test
        void aRaisedStopTimeoutStillKills() {
            Sim sim = sim().service("web", "[shutdown]\nstop-timeout = \"5s\"\n").load();
            sim.stubborn.add("web");
            sim.stop("web");
            sim.service("web", "[shutdown]\nstop-timeout = \"10s\"\n").load();
            sim.advanceSeconds(9);
            sim.assertStates("web", STOPPING);
            sim.advanceSeconds(1);
            sim.assertStates("web", STOPPED);
            assertEquals(List.of("web:15", "web:9"), sim.signalled);
        }

        @Test
        void aRaisedGiveUpDelayStillRestarts() {
            String root = "give-up = \"restart\"\ngive-up-delay = \"%s\"\n[restart]\nmax-restarts = 0\nmax-restart-window = \"30s\"\n";
            Sim sim = sim().supervisor("root", root.formatted("5s")).service("a", "[restart]\ndelay = \"0s\"\n").load();
            sim.crash("a");
            sim.supervisor("root", root.formatted("10s")).load();
            sim.advanceSeconds(9);
            sim.assertStates("a", BLOCKED);
            sim.advanceSeconds(1);
            sim.assertStates("a", RUNNING);
        }

        @Test
        void aReadinessChangeWhileStartingRestartsItWithTheNewOne() {
            Sim sim = sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 80\ntimeout = \"10s\"\n").load();
            assertTrue(sim.probes.contains("web"));
            sim.service("web", "[readiness]\ntype = \"none\"\n").load();
            assertFalse(sim.probes.contains("web"), "the old probe is stopped");
            sim.assertStates("web", RUNNING);
            assertEquals(2, sim.spawnsOf("web"));
            assertEquals(1, sim.liveProcessesOf("web"));
        }
    }

    @Nested
    class Processes {

        @Test
        void aForkingServiceStoppedWhileStartingHasItsDaemonStoppedToo() {
            Sim sim = sim().service("legacy", "type = \"forking\"\npid-file = \"/run/legacy.pid\"\n").load();
            int starter = sim.runtime("legacy").forkerPid();
            sim.stubborn.add("legacy");
            sim.stop("legacy");
            sim.stubborn.remove("legacy");
            sim.processes.remove(starter);
            sim.input(new Input.ProcessExited(starter, ExitStatus.exited(0))); // it forked its daemon, then exited
            sim.assertStates("legacy", STOPPED);
            assertEquals(0, sim.liveProcessesOf("legacy"), "the daemon was found and stopped");
            sim.start("legacy");
            assertEquals(1, sim.liveProcessesOf("legacy"), "only the new starting process");
        }

        @Test
        void mainPidCannotTakeAnotherServicesProcess() {
            Sim sim = sim().service("a", "type = \"notify\"\n").service("b").load();
            int b = sim.runtime("b").pid();
            sim.notify("a", new Notification(true, false, false, false, Optional.empty(), OptionalInt.of(b), OptionalInt.empty()));
            assertEquals(Optional.of("b"), sim.state.serviceOfPid(b));
            LogLine warning = sim.events(LogLine.class).getFirst();
            assertEquals("MAINPID=" + b + " refused: process " + b + " belongs to b", new String(warning.message(), StandardCharsets.UTF_8));
            sim.assertStates("a", RUNNING);
        }

        @Test
        void aStaleProbeAnswerDoesNotReadyTheNextInstance() {
            Sim sim = sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 80\n[restart]\ndelay = \"0s\"\n").load();
            int first = sim.runtime("web").pid();
            sim.crash("web");
            sim.input(new Input.ReadinessObserved("web", first, "tcp-port"));
            sim.assertStates("web", STARTING);
            sim.ready("web");
            sim.assertStates("web", RUNNING);
        }

        @Test
        void aProbeAnswerDoesNotFinishAOneshot() {
            Sim sim = sim().service("setup", "type = \"oneshot\"\n").service("app", "[dependencies]\nrequires = [\"setup\"]\n").load();
            sim.ready("setup");
            sim.assertStates("setup", STARTING, "app", WAITING);
        }

        @Test
        void aSpawnStillInFlightAtTheShutdownDeadlineIsKilledWhenItArrives() {
            Sim sim = sim().service("a").service("slow");
            sim.heldSpawns.add("slow");
            sim.load();
            sim.shutdown("poweroff");
            sim.advanceSeconds(91);
            assertEquals("poweroff", sim.shutdownComplete);
            assertEquals(1, sim.events(ShutdownFinished.class).getFirst().killed());
            sim.processes.put(900, "slow");
            sim.input(new Input.ProcessSpawned("slow", 900, "/bin/slow"));
            assertTrue(sim.signalled.contains("slow:9"), sim.signalled::toString);
            assertEquals(0, sim.liveProcessesOf("slow"));
        }
    }

    @Nested
    class Commands {

        @Test
        void restartCutsARestartDelayShort() {
            Sim sim = sim().service("a", "[restart]\ndelay = \"5min\"\nmax-delay = \"5min\"\n").load();
            sim.crash("a");
            sim.assertStates("a", WAITING);
            sim.restart("a");
            sim.assertStates("a", RUNNING);
            assertFalse(sim.timers.containsKey(new TimerId("a", TimerId.Kind.RESTART)));
        }

        @Test
        void aServiceInARestartDelayDoesNotHoldBackWhatIsOrderedAfterIt() {
            Sim sim = sim().service("a", "[restart]\ndelay = \"5min\"\nmax-delay = \"5min\"\n").service("b", "[dependencies]\nafter = [\"a\"]\n").load();
            sim.crash("a");
            sim.stop("b").start("b");
            sim.assertStates("a", WAITING, "b", RUNNING);
        }

        @Test
        void inputsBeforeAnyConfigurationAndAfterTheEndChangeNothingAndThrowNothing() {
            Sim sim = sim();
            Caller caller = new Caller(0, 1, "test");
            List<Input> odd = new java.util.ArrayList<>(List.of(new Input.Start("a", caller), new Input.Stop("a", caller),
                    new Input.Restart("root", caller), new Input.Reload("a", caller), new Input.ProcessSpawned("a", 5, "/x"),
                    new Input.SpawnFailed("a", "exec", 2, "gone"), new Input.ProcessExited(5, ExitStatus.exited(0)),
                    new Input.ReadinessObserved("a", 5, "tcp-port"), new Input.MainPidFound("a", 6), new Input.MainPidNotFound("a", "none"),
                    new Input.Notified(5, Notification.ofReady())));
            for (TimerId.Kind kind : TimerId.Kind.values()) {
                for (String owner : List.of("a", "", "root")) odd.add(new Input.TimerFired(new TimerId(owner, kind)));
            }
            for (Input input : odd) sim.input(input);
            assertTrue(sim.state.loaded().isEmpty());
            sim.service("a").load();
            for (Input input : odd) sim.input(input);
            sim.shutdown("halt");
            for (Input input : odd) sim.input(input);
            assertEquals(State.Mode.DOWN, sim.state.mode());
            assertEquals(0, sim.liveProcessesOf("a"));
        }
    }
}
