package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Liveness under abuse: random systems (nested supervisors, dependencies, every type) driven by random commands,
 * crashes, configuration switches that add, change and remove services and supervisors, stubborn processes,
 * held spawns, and stale or duplicated inputs (timers fired again, exits and spawn results for unknown or old pids).
 * Then the machine turns well-behaved for a long while, and nothing may be left stuck: no group restart that never
 * completes, no service stopping forever or waiting on nothing, no service running on a dead pid, no removed
 * service never forgotten. {@code -Druns=N -Dbase=S} for more; {@code -Dseed=S} prints one run.
 */
class LivenessFuzzTest {
    static final String[] TYPES = {"", "type = \"notify\"\n", "type = \"oneshot\"\n", "type = \"forking\"\n",
        "[readiness]\ntype = \"tcp-port\"\nport = 80\ntimeout = \"3s\"\n"};
    static final String[] SUPS = {"root", "sup", "inner"};

    @Test
    void nothingIsLeftStuckOnceTheMachineBehaves() {
        Map<String, Integer> problems = new TreeMap<>();
        Map<String, String> examples = new TreeMap<>();
        Random seeds = new Random(Long.getLong("base", 11));
        int runs = Integer.getInteger("runs", 400);
        String only = System.getProperty("seed");
        for (int run = 0; run < runs; run++) {
            long seed = seeds.nextLong();
            if (only != null) { seed = Long.parseLong(only); if (run > 0) break; }
            Random random = new Random(seed);
            Sim sim = new Sim(Options.DEFAULT.withMaxParallelStarts(random.nextBoolean() ? 0 : 1 + random.nextInt(3))).allowingConfigErrors();
            List<String> names = new ArrayList<>();
            try {
                sim.supervisor("sup", sup("root", random));
                sim.supervisor("inner", sup("sup", random));
                sim.supervisor("root", "give-up = \"restart\"\ngive-up-delay = \"5s\"\n[restart]\nmax-restarts = 3\nmax-restart-window = \"30s\"\n");
                int n = 2 + random.nextInt(8);
                for (int k = 0; k < n; k++) { names.add("s" + k); sim.service("s" + k, text(random, names)); }
                sim.load();
                int steps = 20 + random.nextInt(80);
                for (int step = 0; step < steps; step++) act(sim, random, names);
                // From here the machine behaves: processes obey, spawns are answered, time passes.
                sim.stubborn.clear();
                sim.heldSpawns.clear();
                List<String> all = new ArrayList<>(sim.state.topology().startOrder());
                all.addAll(sim.state.retired().keySet());
                for (String h : all) {
                    ServiceRuntime r = Apply.runtimeOf(sim.state, h).orElse(null);
                    if (r != null && !r.spawned() && r.hasProcess()) sim.input(new Input.SpawnFailed(h, "exec", 2, "gone"));
                }
                for (int k = 0; k < 60; k++) {
                    for (var p : List.copyOf(sim.processes.entrySet())) {
                        // Starting processes of forking services exit 0, so that their daemons are found.
                        Optional<String> owner = sim.state.serviceOfPid(p.getKey());
                        if (owner.isPresent() && Apply.runtimeOf(sim.state, owner.get()).map(r -> r.forkerPid() == p.getKey()).orElse(false)) {
                            sim.processes.remove(p.getKey());
                            sim.input(new Input.ProcessExited(p.getKey(), ExitStatus.exited(0)));
                        }
                    }
                    sim.advanceSeconds(0.5);
                    Topology t = sim.state.topology();
                    for (int i = 0; i < t.size(); i++) {
                        ServiceRuntime x = sim.state.service(i);
                        if (x.state() == ServiceState.STARTING && x.pid() != 0) {
                            if (t.spec(i).type() == dynamod.conf.spec.ServiceType.ONESHOT) { if (sim.processes.containsKey(x.pid())) sim.exit(t.name(i), 0); }
                            else if (t.spec(i).readiness() instanceof dynamod.conf.spec.Readiness.Notify) sim.notify(t.name(i), Notification.ofReady());
                            else sim.ready(t.name(i));
                        }
                    }
                    sim.advanceSeconds(k % 10 == 9 ? 400 : 2);
                }
                String l = liveness(sim);
                if (only != null) {
                    System.out.println("LIVENESS: " + l);
                    for (var rec : sim.log) System.out.println((rec.at() - Sim.START) / 1_000_000 + "ms " + rec.event());
                    Topology t = sim.state.topology();
                    for (int i = 0; i < t.size(); i++) System.out.println(t.name(i) + " " + t.spec(i).supervisor() + ": " + sim.state.service(i));
                    for (String x : t.supervisorNames()) System.out.println(x + ": " + sim.state.supervisor(x));
                    System.out.println("processes " + sim.processes + " retired " + sim.state.retired());
                }
                if (l != null) { problems.merge(l, 1, Integer::sum); examples.putIfAbsent(l, "seed " + seed); }
            } catch (Throwable t) {
                String key = t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).lines().findFirst().orElse("") + " @ " + t.getStackTrace()[Math.min(2, t.getStackTrace().length - 1)];
                problems.merge(key, 1, Integer::sum);
                examples.putIfAbsent(key, "seed " + seed);
            }
        }
        StringBuilder report = new StringBuilder();
        problems.forEach((k, v) -> report.append(v).append("x  ").append(k).append("   e.g. ").append(examples.get(k)).append('\n'));
        assertEquals("", report.toString());
    }

    /** What is stuck, or null. */
    static String liveness(Sim sim) {
        if (sim.state.mode() != State.Mode.NORMAL) return null;
        Topology t = sim.state.topology();
        for (String s : t.supervisorNames()) if (sim.state.supervisor(s).groupRestarting()) return "stuck: supervisor group restart never completes";
        for (int i = 0; i < t.size(); i++) {
            ServiceRuntime r = sim.state.service(i);
            if (r.groupHeld()) return "stuck: service group-held forever";
            if (r.state() == ServiceState.STOPPING) return "stuck: STOPPING forever " + r.reason();
            if (r.state() == ServiceState.WAITING && r.cause().isPresent() && t.hasSupervisor(r.cause().get())
                    && sim.state.supervisor(r.cause().get()).status() == SupervisorRuntime.Status.ACTIVE && sim.state.starting() == 0) return "stuck: WAITING on active supervisor: " + r.reason();
            if (r.state() == ServiceState.WAITING && r.notBefore() < sim.now && r.cause().isEmpty() && sim.state.starting() == 0) return "stuck: WAITING with no cause: " + r.reason();
            if (r.state() == ServiceState.STARTING && r.pid() != 0 && !sim.processes.containsKey(r.pid())) return "phantom: STARTING with a dead pid";
            if ((r.state() == ServiceState.RUNNING) && r.pid() != 0 && !sim.processes.containsKey(r.pid())) return "phantom: RUNNING with a dead pid";
        }
        if (!sim.state.retired().isEmpty()) return "stuck: retired never forgotten";
        return null;
    }

    static String sup(String parent, Random random) {
        return "parent = \"" + parent + "\"\nstrategy = \"" + List.of("one-for-one", "one-for-all", "rest-for-one").get(random.nextInt(3))
                + "\"\n[restart]\nmax-restarts = " + random.nextInt(5) + "\nmax-restart-window = \"20s\"\n";
    }

    static String text(Random random, List<String> existing) {
        StringBuilder text = new StringBuilder(TYPES[random.nextInt(TYPES.length)]);
        text.append("supervisor = \"").append(SUPS[random.nextInt(3)]).append("\"\n");
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

    static void act(Sim sim, Random random, List<String> names) {
        String name = names.get(random.nextInt(names.size()));
        boolean configured = sim.state.topology().hasService(name);
        ServiceRuntime r = configured ? sim.runtime(name) : null;
        switch (random.nextInt(18)) {
            case 0, 1 -> sim.advanceSeconds(random.nextDouble() * 5);
            case 2, 3 -> {
                if (r != null && r.pid() != 0 && sim.processes.containsKey(r.pid())) {
                    if (random.nextBoolean()) sim.exit(name, random.nextInt(3));
                    else sim.killedBy(name, random.nextBoolean() ? 9 : 11);
                }
            }
            case 4 -> { if (r != null && r.state() == ServiceState.STARTING && r.pid() != 0) sim.notify(name, Notification.ofReady()); }
            case 5 -> { if (r != null && r.state() == ServiceState.STARTING) sim.ready(name); }
            case 6 -> {
                if (r != null && r.forkerPid() != 0 && sim.processes.remove(r.forkerPid()) != null) {
                    sim.input(new Input.ProcessExited(r.forkerPid(), ExitStatus.exited(random.nextInt(4) == 0 ? 1 : 0)));
                }
            }
            case 7 -> { if (random.nextBoolean()) sim.stubborn.add(name); else sim.stubborn.remove(name); }
            case 8 -> sim.stop(random.nextInt(5) == 0 ? SUPS[random.nextInt(3)] : name);
            case 9 -> sim.start(random.nextInt(5) == 0 ? SUPS[random.nextInt(3)] : name);
            case 10 -> sim.restart(random.nextInt(5) == 0 ? SUPS[random.nextInt(3)] : name);
            case 11 -> {
                switch (random.nextInt(5)) {
                    case 0 -> sim.service(name, text(random, names.subList(0, names.indexOf(name) + 1)));
                    case 1 -> sim.remove(name);
                    case 2 -> sim.removeSupervisor(random.nextBoolean() ? "sup" : "inner");
                    case 3 -> sim.supervisor(random.nextBoolean() ? "sup" : "inner", sup(random.nextBoolean() ? "root" : "sup", random));
                    default -> sim.service(name, "environment = { N = \"" + random.nextInt(100) + "\" }\n");
                }
                sim.load();
            }
            // Stale and duplicated inputs.
            case 12 -> sim.input(new Input.TimerFired(new TimerId(name, TimerId.Kind.values()[random.nextInt(TimerId.Kind.values().length)])));
            case 13 -> sim.input(new Input.ProcessExited(90 + random.nextInt(40), ExitStatus.exited(1)));
            case 14 -> { int pid = 5000 + random.nextInt(100); if (sim.processes.containsKey(pid)) break; var d = sim.input(new Input.ProcessSpawned(name, pid, "/bin/x")); if (!d.events().isEmpty()) sim.processes.put(pid, name); }
            case 15 -> sim.input(new Input.SpawnFailed(name, "exec", 2, "x"));
            case 16 -> { if (random.nextBoolean()) sim.heldSpawns.add(name); else sim.heldSpawns.remove(name); }
            case 17 -> { int pid = 6000 + random.nextInt(100); if (sim.processes.containsKey(pid)) break; var d = sim.input(new Input.MainPidFound(name, pid)); if (!d.events().isEmpty()) sim.processes.put(pid, name); }
            default -> throw new AssertionError();
        }
    }
}
