package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.BLOCKED;
import static dynamod.journal.event.ServiceState.FAILED;
import static dynamod.journal.event.ServiceState.INACTIVE;
import static dynamod.journal.event.ServiceState.RUNNING;
import static dynamod.journal.event.ServiceState.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Erlang/OTP supervisor semantics (restart strategies, restart types, intensity and escalation), case by case:
 * what OTP's {@code supervisor} does with the same tree and the same exits, dynamod must do.
 */
class SupervisionConformanceTest {

    /** A supervisor {@code name} under {@code parent} with a strategy and intensity. */
    private static String supervisor(String parent, String strategy, int maxRestarts, String window) {
        return "parent = \"" + parent + "\"\nstrategy = \"" + strategy + "\"\n[restart]\nmax-restarts = " + maxRestarts
                + "\nmax-restart-window = \"" + window + "\"\n";
    }

    private static String child(String supervisor, String policy) {
        return "supervisor = \"" + supervisor + "\"\n[restart]\npolicy = \"" + policy + "\"\ndelay = \"0s\"\nmax-restarts = 1000\n";
    }

    private static String child(String supervisor) {
        return child(supervisor, "permanent");
    }

    /** a, b, c under sup (started in that order), b with the given policy. */
    private static Sim tree(String strategy, String policyOfB) {
        return new Sim().supervisor("sup", supervisor("root", strategy, 100, "1h"))
                .service("a", child("sup")).service("b", child("sup", policyOfB)).service("c", child("sup")).load();
    }

    enum End {
        NORMAL, ERROR, KILLED;

        boolean abnormal() {
            return this != NORMAL;
        }
    }

    static Stream<Arguments> strategiesPoliciesAndEnds() {
        List<Arguments> cases = new ArrayList<>();
        for (String strategy : List.of("one-for-one", "one-for-all", "rest-for-one")) {
            for (String policy : List.of("permanent", "transient", "temporary")) {
                for (End end : End.values()) cases.add(Arguments.of(strategy, policy, end));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, b {1}, b ends {2}")
    @MethodSource("strategiesPoliciesAndEnds")
    void everyStrategyWithEveryRestartTypeAndEnd(String strategy, String policy, End end) {
        Sim sim = tree(strategy, policy);
        sim.clearObservations();
        switch (end) {
            case NORMAL -> sim.exit("b", 0);
            case ERROR -> sim.exit("b", 1);
            case KILLED -> sim.killedBy("b", 9);
        }
        boolean restarted = policy.equals("permanent") || (policy.equals("transient") && end.abnormal());
        List<String> expectedSpawns = !restarted ? List.of() : switch (strategy) {
            case "one-for-one" -> List.of("b");
            case "one-for-all" -> List.of("a", "b", "c");
            default -> List.of("b", "c");
        };
        assertEquals(expectedSpawns, sim.spawned, "spawned");
        List<String> expectedStops = !restarted ? List.of() : switch (strategy) {
            case "one-for-one" -> List.of();
            case "one-for-all" -> List.of("c:15", "a:15"); // siblings, in reverse start order
            default -> List.of("c:15");
        };
        assertEquals(expectedStops, sim.signalled, "stopped");
        ServiceState b = restarted ? RUNNING : end.abnormal() ? FAILED : INACTIVE;
        sim.assertStates("a", RUNNING, "b", b, "c", RUNNING);
        assertEquals(restarted ? 1 : 0, sim.events(RestartScheduled.class).size(), "restarts counted");
        assertEquals(restarted ? 1 : 0, sim.supervisorOf("sup").restartTimes().length);
        sim.assertReplayReproducesState();
    }

    @Nested
    class GroupRestarts {

        @Test
        void aTemporarySiblingIsStoppedWithTheGroupAndNotRestarted() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-all", 10, "1m"))
                    .service("a", child("sup", "temporary")).service("b", child("sup")).service("c", child("sup", "transient")).load();
            sim.clearObservations();
            sim.crash("b");
            // The transient sibling was killed by its supervisor: restarted, as OTP does.
            assertEquals(List.of("b", "c"), sim.spawned);
            sim.assertStates("a", INACTIVE, "b", RUNNING, "c", RUNNING);
        }

        @Test
        void theGroupRestartsOnlyOnceEveryMemberHasStopped() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-all", 10, "1m"))
                    .service("a", child("sup")).service("b", child("sup")).service("c", child("sup")).load();
            sim.stubborn.add("c");
            sim.clearObservations();
            sim.crash("a");
            sim.assertStates("a", WAITING, "b", WAITING, "c", ServiceState.STOPPING);
            assertEquals(List.of(), sim.spawned, "nothing restarts while c still runs");
            sim.advanceSeconds(10);
            assertEquals(List.of("a", "b", "c"), sim.spawned);
            assertEquals(1, sim.events(GroupRestarting.class).size());
            assertEquals(List.of("a", "b", "c"), sim.events(GroupRestarting.class).getFirst().services());
        }

        @Test
        void aGroupRestartCountsAsOneRestart() {
            Sim sim = tree("one-for-all", "permanent");
            sim.crash("a");
            assertEquals(1, sim.supervisorOf("sup").restartTimes().length);
        }

        @Test
        void restForOneRestartsTheChildSupervisorsAfterTheFailedOne() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "rest-for-one", 10, "1m"))
                    .supervisor("inner", supervisor("sup", "one-for-one", 10, "1m"))
                    .service("a", child("sup")).service("b", child("inner") + "[dependencies]\nafter = [\"a\"]\n").load();
            assertEquals(List.of("a", "inner"), sim.state.topology().supervisor("sup").children());
            sim.clearObservations();
            sim.crash("a");
            assertEquals(List.of("a", "b"), sim.spawned);
            assertEquals(List.of("inner"), sim.events(SupervisorRestarted.class).stream().map(SupervisorRestarted::supervisor).toList());
        }

        @Test
        void anOperatorStoppedMemberStaysStopped() {
            Sim sim = tree("one-for-all", "permanent");
            sim.stop("c");
            sim.clearObservations();
            sim.crash("a");
            assertEquals(List.of("a", "b"), sim.spawned);
            sim.assertStates("c", ServiceState.STOPPED);
        }
    }

    @Nested
    class Intensity {

        @Test
        void maxRestartsWithinTheWindowAreAllowedAndOneMoreEscalates() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-one", 3, "1m")).service("a", child("sup")).load();
            for (int k = 0; k < 3; k++) sim.crash("a").advanceSeconds(1);
            sim.assertStates("a", RUNNING);
            assertTrue(sim.events(IntensityExceeded.class).isEmpty());
            sim.crash("a");
            IntensityExceeded exceeded = sim.events(IntensityExceeded.class).getFirst();
            assertEquals("sup", exceeded.supervisor());
            assertEquals(4, exceeded.restarts());
            assertEquals(List.of(new Escalated("sup", "root")), sim.events(Escalated.class));
        }

        @Test
        void restartsThatLeaveTheSlidingWindowNoLongerCount() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-one", 3, "1m")).service("a", child("sup")).load();
            for (int k = 0; k < 20; k++) sim.crash("a").advanceSeconds(21);
            assertTrue(sim.events(IntensityExceeded.class).isEmpty());
            assertEquals(20, sim.events(RestartScheduled.class).size());
        }

        @Test
        void zeroRestartsMeansTheFirstExitEscalates() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-one", 0, "1m")).service("a", child("sup")).load();
            sim.crash("a");
            assertEquals(1, sim.events(Escalated.class).size());
        }

        @Test
        void temporaryChildrenAndNormalExitsOfTransientOnesAreNotRestartsAndNotCounted() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-one", 0, "1m"))
                    .service("t", child("sup", "temporary")).service("u", child("sup", "transient")).load();
            sim.crash("t").exit("u", 0);
            assertTrue(sim.events(IntensityExceeded.class).isEmpty());
            sim.assertStates("t", FAILED, "u", INACTIVE);
        }

        @Test
        void aServicesStartLimitFailsItWithoutCountingAgainstItsSupervisor() {
            Sim sim = new Sim().supervisor("sup", supervisor("root", "one-for-one", 2, "1m"))
                    .service("a", "supervisor = \"sup\"\n[restart]\ndelay = \"0s\"\nmax-restarts = 1\n").load();
            sim.crash("a").crash("a");
            sim.assertStates("a", FAILED);
            assertEquals(1, sim.supervisorOf("sup").restartTimes().length);
            assertTrue(sim.events(IntensityExceeded.class).isEmpty());
        }
    }

    @Nested
    class Escalation {

        /** root ⊃ mid (one-for-one, 1 restart) ⊃ inner (one-for-one, 1 restart) ⊃ x; mid also has y. */
        private Sim nested(String midStrategy) {
            return new Sim().supervisor("mid", supervisor("root", midStrategy, 1, "1m"))
                    .supervisor("inner", supervisor("mid", "one-for-one", 1, "1m"))
                    .service("x", child("inner")).service("y", child("mid")).service("z").load();
        }

        @Test
        void anEscalatingSupervisorStopsItsChildrenAndItsParentRestartsIt() {
            Sim sim = nested("one-for-one");
            sim.crash("x"); // inner's first restart
            sim.clearObservations();
            sim.crash("x"); // inner's second: more than 1 → inner fails to mid
            assertEquals(List.of(new Escalated("inner", "mid")), sim.events(Escalated.class));
            // mid restarts inner (one-for-one): x starts again, y and z are untouched.
            assertEquals(List.of("inner"), sim.events(SupervisorRestarted.class).stream().map(SupervisorRestarted::supervisor).toList());
            assertEquals(List.of("x"), sim.spawned);
            sim.assertStates("x", RUNNING, "y", RUNNING, "z", RUNNING);
            // Restarted, inner supervises with a fresh intensity.
            assertEquals(0, sim.supervisorOf("inner").restartTimes().length);
            assertEquals(1, sim.supervisorOf("mid").restartTimes().length);
            RestartScheduled byMid = sim.events(RestartScheduled.class, r -> r.supervisor().equals("mid")).getFirst();
            assertEquals("inner", byMid.child());
        }

        @Test
        void theParentAppliesItsOwnStrategyToTheFailedChildSupervisor() {
            Sim sim = nested("one-for-all");
            sim.crash("x");
            sim.clearObservations();
            sim.crash("x");
            // mid is one-for-all: y is stopped and restarted with inner.
            assertEquals(List.of("y:15"), sim.signalled);
            assertEquals(List.of("x", "y"), sim.spawned.stream().sorted().toList());
            sim.assertStates("x", RUNNING, "y", RUNNING, "z", RUNNING);
        }

        @Test
        void escalationClimbsUntilASupervisorCopes() {
            Sim sim = nested("one-for-one");
            sim.crash("x");
            sim.crash("x"); // inner escalates, mid restarts it (mid: 1 restart)
            sim.crash("x");
            sim.crash("x"); // inner escalates again, mid's second restart: mid escalates to root
            assertEquals(List.of(new Escalated("inner", "mid"), new Escalated("inner", "mid"), new Escalated("mid", "root")),
                    sim.events(Escalated.class));
            // root restarts mid, and with it everything below.
            assertTrue(sim.events(SupervisorRestarted.class).stream().anyMatch(r -> r.supervisor().equals("mid")));
            sim.assertStates("x", RUNNING, "y", RUNNING, "z", RUNNING);
            assertEquals(1, sim.supervisorOf("root").restartTimes().length);
        }

        @Test
        void whileItsSubtreeStopsNothingBelowAnEscalatingSupervisorStarts() {
            Sim sim = nested("one-for-one");
            sim.stubborn.add("y");
            sim.crash("x");
            sim.crash("x");
            sim.crash("x");
            sim.clearObservations();
            sim.crash("x"); // mid escalates; y ignores SIGTERM
            sim.assertStates("x", WAITING, "y", ServiceState.STOPPING);
            assertEquals(List.of(), sim.spawned);
            sim.advanceSeconds(10); // y is killed; mid's subtree is down; root restarts mid
            sim.assertStates("x", RUNNING, "y", RUNNING);
        }
    }

    @Nested
    class RootGivesUp {

        private Sim withRoot(String giveUp) {
            return new Sim().supervisor("root", giveUp + "[restart]\nmax-restarts = 1\nmax-restart-window = \"1m\"\n")
                    .service("a", "[restart]\ndelay = \"0s\"\n").service("b").load();
        }

        @Test
        void byDefaultEverythingStopsAndWaitsForAnOperator() {
            Sim sim = withRoot("");
            sim.crash("a").crash("a");
            assertEquals(List.of(new GaveUp("root", "stop")), sim.events(GaveUp.class));
            sim.assertStates("a", BLOCKED, "b", BLOCKED);
            assertEquals(0, sim.liveProcessesOf("a") + sim.liveProcessesOf("b"));
            sim.advanceSeconds(3600);
            sim.assertStates("a", BLOCKED, "b", BLOCKED);
            // Starting one service is refused with what to do instead; starting root starts the tree.
            sim.start("a");
            assertTrue(sim.events(CommandRejected.class).getFirst().reason().contains("start root"));
            sim.start("root");
            sim.assertStates("a", RUNNING, "b", RUNNING);
            assertEquals(0, sim.supervisorOf("root").restartTimes().length);
        }

        @Test
        void restartStartsEverythingAgainAfterTheDelay() {
            Sim sim = withRoot("give-up = \"restart\"\ngive-up-delay = \"30s\"\n");
            sim.crash("a").crash("a");
            sim.assertStates("a", BLOCKED, "b", BLOCKED);
            sim.advanceSeconds(29);
            sim.assertStates("a", BLOCKED);
            sim.advanceSeconds(2);
            sim.assertStates("a", RUNNING, "b", RUNNING);
        }

        @Test
        void rebootAndPoweroffShutTheSystemDown() {
            for (String kind : List.of("reboot", "poweroff")) {
                Sim sim = withRoot("give-up = \"" + kind + "\"\n");
                sim.crash("a").crash("a");
                assertEquals(kind, sim.events(ShutdownRequested.class).getFirst().kind());
                assertEquals(kind, sim.shutdownComplete);
            }
        }
    }
}
