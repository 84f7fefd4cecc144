package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dynamod.svmgr.control.Views;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code status} and {@code list} report comes from the state the events made, and only from it. */
class StatusViewTest {

    /** Wall-clock time at the simulation's monotonic {@link Sim#START}. */
    private static final long REAL_AT_START = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();

    private static Map<String, Object> status(Sim sim, String name) {
        return Views.status(sim.state, name, sim.now, REAL_AT_START + (sim.now - Sim.START) / 1_000_000);
    }

    @Test
    void readinessTimeToReadyAndTheDetectorAreThoseOfTheCurrentStart() {
        Sim sim = new Sim().service("web", "[readiness]\ntype = \"tcp-port\"\nport = 8080\ntimeout = \"30s\"\n").load();
        assertNull(status(sim, "web").get("ready"), "not ready yet");
        assertEquals("activating", status(sim, "web").get("activeState"));
        sim.advance(Duration.ofMillis(1500)).ready("web");
        Map<String, Object> s = status(sim, "web");
        assertEquals("active", s.get("activeState"));
        assertEquals("running", s.get("state"));
        assertEquals("tcp-port 127.0.0.1:8080, timeout 30s", s.get("readiness"));
        assertEquals(Map.of("detector", "tcp-port", "afterMicros", 1_500_000L), s.get("ready"));
        assertEquals("2026-12-01T10:00:01.500Z", s.get("since"));
    }

    @Test
    void lastExitHasItsTimeAndRestartsCountOnlyWithinTheStartLimitWindow() {
        Sim sim = new Sim().service("web", "[restart]\ndelay = \"1s\"\nmax-restarts = 3\nmax-restart-window = \"1m\"\n").load();
        sim.advance(Duration.ofSeconds(10)).killedBy("web", 9);
        Map<String, Object> waiting = status(sim, "web");
        assertEquals("waiting", waiting.get("state"));
        assertEquals("activating", waiting.get("activeState"), "a restart delay is systemd's activating (auto-restart)");
        @SuppressWarnings("unchecked")
        Map<String, Object> exit = (Map<String, Object>) waiting.get("lastExit");
        assertEquals(9, exit.get("signal"));
        assertNull(exit.get("code"));
        assertEquals("killed by signal 9", exit.get("text"));
        assertEquals("2026-12-01T10:00:10Z", exit.get("at"));
        assertEquals(3, waiting.get("restartLimit"));
        assertEquals("1m", waiting.get("restartWindow"));

        sim.advance(Duration.ofSeconds(2));
        Map<String, Object> restarted = status(sim, "web");
        assertEquals("running", restarted.get("state"));
        assertEquals(1, restarted.get("restarts"));
        assertNull(restarted.get("lastExit"), "a new start has no exit yet");
        assertEquals(1, Views.service(sim.state, "web", sim.now, 0).get("restarts"));

        // The restart time is still stored, but a minute later it is outside the window: the count says so.
        sim.advance(Duration.ofSeconds(61));
        assertEquals(0, status(sim, "web").get("restarts"));
    }

    @Test
    void theStatesSystemdHasNoWordForGetTheNearestOne() {
        assertEquals("active", Views.activeState(dynamod.journal.event.ServiceState.DONE));
        assertEquals("inactive", Views.activeState(dynamod.journal.event.ServiceState.BLOCKED));
        assertEquals("deactivating", Views.activeState(dynamod.journal.event.ServiceState.STOPPING));
    }
}
