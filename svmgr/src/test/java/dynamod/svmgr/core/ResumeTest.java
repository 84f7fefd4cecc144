package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** After a restart of the manager, the state rebuilt by replay lists the timers and probes it waits on. */
class ResumeTest {

    @Test
    void aReplayedStateReArmsExactlyTheTimersTheLiveOneHad() {
        Sim sim = new Sim().service("slow", "[restart]\ndelay = \"30s\"\n")
                .service("probe", "[readiness]\ntype = \"tcp-port\"\nport = 80\ntimeout = \"1m\"\n")
                .service("stubborn", "[shutdown]\nstop-timeout = \"20s\"\n").load();
        sim.stubborn.add("stubborn");
        sim.crash("slow");
        sim.advanceSeconds(1);
        sim.stop("stubborn");
        State replayed = sim.replayed();
        Map<TimerId, Long> armed = new HashMap<>();
        List<Effect> effects = sim.core.resume(replayed);
        for (Effect e : effects) if (e instanceof Effect.StartTimer t) armed.put(t.timer(), t.atNanos());
        assertEquals(sim.timers, armed);
        assertTrue(effects.contains(new Effect.StartProbe("probe", sim.runtime("probe").pid(),
                sim.state.topology().spec(sim.state.topology().indexOf("probe")).readiness())));
    }

    @Test
    void aShutdownInProgressReArmsItsDeadline() {
        Sim sim = new Sim().service("a", "[shutdown]\nstop-timeout = \"1h\"\n").load();
        sim.stubborn.add("a");
        sim.shutdown("reboot");
        List<Effect> effects = sim.core.resume(sim.replayed());
        long deadline = sim.state.shutdown().orElseThrow().deadline();
        assertTrue(effects.contains(new Effect.StartTimer(new TimerId("", TimerId.Kind.SHUTDOWN), deadline)), effects::toString);
    }
}
