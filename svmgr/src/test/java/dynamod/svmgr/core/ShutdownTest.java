package dynamod.svmgr.core;

import static dynamod.journal.event.ServiceState.DONE;
import static dynamod.journal.event.ServiceState.FAILED;
import static dynamod.journal.event.ServiceState.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownProgressed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownTest {

    @Test
    void everythingStopsInReverseDependencyOrderInParallelWhereItCan() {
        Sim sim = new Sim().service("db").service("api", "[dependencies]\nrequires = [\"db\"]\n")
                .service("web", "[dependencies]\nafter = [\"api\"]\n").service("clock").load();
        sim.clearObservations();
        sim.shutdown("poweroff");
        // web and clock first (nothing is after them), then api, then db.
        assertEquals(List.of("web:15", "clock:15", "api:15", "db:15"), sim.signalled);
        sim.assertStates("db", STOPPED, "api", STOPPED, "web", STOPPED, "clock", STOPPED);
        assertEquals("poweroff", sim.shutdownComplete);
        ShutdownFinished finished = sim.events(ShutdownFinished.class).getFirst();
        assertTrue(finished.clean());
        assertEquals(0, finished.killed());
    }

    @Test
    void theOrderHoldsWhenAServiceTakesItsTime() {
        Sim sim = new Sim().service("db").service("web", "[dependencies]\nrequires = [\"db\"]\n[shutdown]\nstop-timeout = \"20s\"\n").load();
        sim.stubborn.add("web");
        sim.clearObservations();
        sim.shutdown("reboot");
        assertEquals(List.of("web:15"), sim.signalled);
        sim.advanceSeconds(19);
        assertEquals(List.of("web:15"), sim.signalled);
        sim.advanceSeconds(1);
        assertEquals(List.of("web:15", "web:9", "db:15"), sim.signalled);
        assertEquals("reboot", sim.shutdownComplete);
        assertFalse(sim.events(ShutdownFinished.class).getFirst().clean());
        assertEquals(1, sim.events(ShutdownFinished.class).getFirst().killed());
    }

    @Test
    void theGlobalDeadlineKillsWhatIsLeftAndSaysWhatItWaitedFor() {
        Sim sim = new Sim(new Options(Duration.ofSeconds(30), 0, Duration.ofSeconds(5)))
                .service("a", "[shutdown]\nstop-timeout = \"1h\"\n").service("b", "[shutdown]\nstop-timeout = \"1h\"\n").load();
        sim.stubborn.add("a");
        sim.stubborn.add("b");
        sim.shutdown("poweroff");
        sim.advanceSeconds(29);
        assertNull(sim.shutdownComplete);
        List<ShutdownProgressed> progress = sim.events(ShutdownProgressed.class);
        assertEquals(5, progress.size()); // at 5, 10, 15, 20, 25 s
        assertEquals("a", progress.getLast().waitingFor());
        assertEquals(25_000, progress.getLast().waitedMillis());
        sim.advanceSeconds(1);
        assertEquals("poweroff", sim.shutdownComplete);
        assertEquals(2, sim.events(ShutdownFinished.class).getFirst().killed());
        assertTrue(sim.signalled.containsAll(List.of("a:9", "b:9")));
    }

    @Test
    void nothingRestartsDuringAShutdown() {
        Sim sim = new Sim().service("a", "[restart]\ndelay = \"0s\"\n").service("b", "[shutdown]\nstop-timeout = \"5s\"\n").load();
        sim.stubborn.add("b");
        sim.shutdown("halt");
        // a has stopped, b is still stopping. Start commands are refused.
        sim.start("a");
        assertTrue(sim.events(CommandRejected.class).getFirst().reason().contains("shutting down"));
        assertTrue(sim.events(RestartScheduled.class).isEmpty());
        sim.advanceSeconds(5);
        assertEquals("halt", sim.shutdownComplete);
    }

    @Test
    void finishedServicesStayAsTheyWere() {
        Sim sim = new Sim().service("setup", "type = \"oneshot\"\n").service("bad", "[restart]\npolicy = \"temporary\"\n").load();
        sim.exit("setup", 0).crash("bad");
        sim.shutdown("poweroff");
        sim.assertStates("setup", DONE, "bad", FAILED);
        assertEquals("poweroff", sim.shutdownComplete);
    }

    @Test
    void aSecondShutdownIsRefused() {
        Sim sim = new Sim().service("a").load();
        sim.stubborn.add("a");
        sim.shutdown("poweroff").shutdown("reboot");
        assertTrue(sim.events(CommandRejected.class).getFirst().reason().contains("already shutting down (poweroff)"));
    }

    @Test
    void anUnknownKindIsRefused() {
        Sim sim = new Sim().service("a").load();
        sim.shutdown("explode");
        assertTrue(sim.events(CommandRejected.class).getFirst().reason().contains("unknown shutdown kind"));
        assertNull(sim.shutdownComplete);
    }
}
