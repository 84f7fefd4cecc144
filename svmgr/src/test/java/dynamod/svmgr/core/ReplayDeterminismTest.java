package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Replaying the events a run recorded, at their recorded times, reproduces the run's state exactly, and from
 * that state the core decides exactly what it decides from the live one. Random runs: dependencies, every
 * service type, probes, timeouts, stubborn processes, commands, configuration switches and shutdowns.
 */
class ReplayDeterminismTest {

    private static final int RUNS = 200;
    private static final String[] TYPES = {
        "", "type = \"notify\"\n", "type = \"oneshot\"\n", "type = \"forking\"\n",
        "[readiness]\ntype = \"tcp-port\"\nport = 80\ntimeout = \"3s\"\n"
    };

    @Test
    void replayReproducesStateAndNextDecisions() {
        Random seeds = new Random(7);
        for (int run = 0; run < RUNS; run++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            Sim sim = new Sim(Options.DEFAULT.withMaxParallelStarts(random.nextBoolean() ? 0 : 1 + random.nextInt(3))).allowingConfigErrors();
            int serviceCount = 2 + random.nextInt(10);
            List<String> names = new ArrayList<>();
            sim.supervisor("sup", "strategy = \"" + List.of("one-for-one", "one-for-all", "rest-for-one").get(random.nextInt(3))
                    + "\"\n[restart]\nmax-restarts = " + random.nextInt(4) + "\nmax-restart-window = \"20s\"\n");
            sim.supervisor("root", "give-up = \"restart\"\ngive-up-delay = \"5s\"\n[restart]\nmax-restarts = 3\nmax-restart-window = \"30s\"\n");
            for (int k = 0; k < serviceCount; k++) {
                String name = "s" + k;
                names.add(name);
                sim.service(name, serviceText(random, names));
            }
            sim.load();
            String context = "run " + run + " (seed " + seed + ")";
            int steps = 20 + random.nextInt(60);
            for (int step = 0; step < steps; step++) {
                act(sim, random, names);
                if (step % 10 == 0 || step == steps - 1) check(sim, context + " step " + step);
            }
            if (random.nextBoolean()) {
                sim.shutdown("poweroff");
                sim.advanceSeconds(100);
                check(sim, context + " after shutdown");
            }
        }
    }

    private static String serviceText(Random random, List<String> existing) {
        StringBuilder text = new StringBuilder(TYPES[random.nextInt(TYPES.length)]);
        if (random.nextBoolean()) text.append("supervisor = \"sup\"\n");
        text.append("[restart]\npolicy = \"").append(List.of("permanent", "transient", "temporary").get(random.nextInt(3)))
                .append("\"\ndelay = \"").append(random.nextBoolean() ? "0s" : "1s").append("\"\nmax-restarts = 3\n");
        text.append("[shutdown]\nstop-timeout = \"").append(1 + random.nextInt(4)).append("s\"\n");
        List<String> earlier = existing.subList(0, existing.size() - 1);
        if (!earlier.isEmpty() && random.nextInt(3) > 0) {
            text.append("[dependencies]\n");
            String relation = List.of("requires", "wants", "after").get(random.nextInt(3));
            text.append(relation).append(" = [\"").append(earlier.get(random.nextInt(earlier.size()))).append("\"]\n");
        }
        return text.toString();
    }

    private static void act(Sim sim, Random random, List<String> names) {
        String name = names.get(random.nextInt(names.size()));
        boolean configured = sim.state.topology().hasService(name);
        ServiceRuntime r = configured ? sim.runtime(name) : null;
        switch (random.nextInt(12)) {
            case 0, 1 -> sim.advanceSeconds(random.nextDouble() * 5);
            case 2, 3 -> {
                if (r != null && r.pid() != 0 && sim.processes.containsKey(r.pid())) {
                    if (random.nextBoolean()) sim.exit(name, random.nextInt(3));
                    else sim.killedBy(name, random.nextBoolean() ? 9 : 11);
                }
            }
            case 4 -> {
                if (r != null && r.state() == ServiceState.STARTING && r.pid() != 0) sim.notify(name, Notification.ofReady());
            }
            case 5 -> {
                if (r != null && r.state() == ServiceState.STARTING) sim.ready(name);
            }
            case 6 -> {
                if (r != null && r.forkerPid() != 0 && sim.processes.remove(r.forkerPid()) != null) {
                    sim.input(new Input.ProcessExited(r.forkerPid(), ExitStatus.exited(random.nextInt(4) == 0 ? 1 : 0)));
                }
            }
            case 7 -> {
                if (random.nextBoolean()) sim.stubborn.add(name);
                else sim.stubborn.remove(name);
            }
            case 8 -> sim.stop(random.nextInt(5) == 0 ? "sup" : name);
            case 9 -> sim.start(random.nextInt(5) == 0 ? "root" : name);
            case 10 -> sim.restart(random.nextInt(5) == 0 ? "sup" : name);
            case 11 -> {
                switch (random.nextInt(3)) {
                    case 0 -> sim.service(name, serviceText(random, names.subList(0, names.indexOf(name) + 1)));
                    case 1 -> sim.remove(name);
                    default -> sim.service(name, "environment = { N = \"" + random.nextInt(100) + "\" }\n");
                }
                sim.load();
            }
            default -> throw new AssertionError();
        }
    }

    private static void check(Sim sim, String context) {
        State replayed = sim.replayed();
        assertEquals(sim.state.view(), replayed.view(), context);
        for (Input input : candidates(sim)) {
            Decision live = sim.core.decide(sim.state, input, sim.now + 1);
            Decision again = sim.core.decide(replayed, input, sim.now + 1);
            assertEquals(live.events(), again.events(), () -> context + ": events for " + input);
            assertEquals(live.effects(), again.effects(), () -> context + ": effects for " + input);
        }
        // Deciding works on forks: neither state was changed by all those decisions.
        assertEquals(sim.state.view(), replayed.view(), context + ": after deciding");
        assertEquals(sim.replayed().view(), sim.state.view(), context + ": the live state after deciding");
    }

    /** Inputs that could come next: commands on every service, every armed timer, the exit of every live process. */
    private static List<Input> candidates(Sim sim) {
        List<Input> inputs = new ArrayList<>();
        if (sim.state.loaded().isEmpty()) return inputs;
        for (String name : sim.state.topology().startOrder()) {
            inputs.add(new Input.Start(name, Caller.MANAGER));
            inputs.add(new Input.Stop(name, Caller.MANAGER));
            inputs.add(new Input.Restart(name, Caller.MANAGER));
        }
        for (TimerId timer : sim.timers.keySet()) inputs.add(new Input.TimerFired(timer));
        for (Map.Entry<Integer, String> process : sim.processes.entrySet()) {
            inputs.add(new Input.ProcessExited(process.getKey(), ExitStatus.exited(1)));
        }
        inputs.add(new Input.Shutdown("reboot", Caller.MANAGER));
        return inputs;
    }
}
