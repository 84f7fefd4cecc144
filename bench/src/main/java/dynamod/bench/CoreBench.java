package dynamod.bench;

import dynamod.conf.ConfigLoader;
import dynamod.conf.ConfigSource;
import dynamod.conf.LoadResult;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceState;
import dynamod.svmgr.core.Caller;
import dynamod.svmgr.core.Configurations;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.Decision;
import dynamod.svmgr.core.Effect;
import dynamod.svmgr.core.Input;
import dynamod.svmgr.core.Options;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.SwitchPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * The pure core's numbers, in one process with no I/O: a configuration of N generated services (a random
 * dependency DAG, 1 % of them under 50 supervisors), a simulated machine that answers every effect at once.
 *
 * <pre>bin/bench core [--services N]</pre>
 */
public final class CoreBench {

    private static final Caller BENCH = new Caller(0, 1, "bench");
    private static long clock = 1_000_000_000L;

    public static void main(String[] args) {
        int services = 10_000;
        for (int i = 0; i < args.length; i++) if (args[i].equals("--services")) services = Integer.parseInt(args[++i]);
        System.out.printf("core benchmark: %,d services, %d cores%n", services, Runtime.getRuntime().availableProcessors());
        memory(services); // first, while the heap holds nothing else
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up; the second is reported
            boolean report = round == 1;
            frontier(services / 2, report);
            throughput(services, report);
            switchPlan(services / 2, report);
        }
    }

    // ---------------------------------------------------------------- configurations

    static List<ConfigSource> configuration(int n, long seed, int changedEvery) {
        Random random = new Random(seed);
        List<ConfigSource> sources = new ArrayList<>();
        sources.add(supervisor("root", "", 1_000_000));
        for (int s = 0; s < 50; s++) sources.add(supervisor("group" + s, "parent = \"root\"\nstrategy = \"one-for-all\"\n", 1_000_000));
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder("[service]\nname = \"svc" + i + "\"\nexec = [\"/usr/bin/svc\", \"" + i + "\"]\n");
            if (i % 100 == 0) text.append("supervisor = \"group").append(i / 100 % 50).append("\"\n");
            if (changedEvery > 0 && i % changedEvery == 0) text.append("environment = { CHANGED = \"yes\" }\n");
            text.append("[restart]\ndelay = \"0s\"\nmax-restarts = 1000000\nmax-restart-window = \"1s\"\n");
            // A third of the services stand alone; the others depend on one or two earlier ones.
            if (i > 0 && random.nextInt(3) > 0) {
                text.append("[dependencies]\n");
                int a = random.nextInt(i);
                text.append(random.nextBoolean() ? "requires" : "after").append(" = [\"svc").append(a).append("\"]\n");
                if (i > 1 && random.nextInt(3) == 0) text.append("wants = [\"svc").append(random.nextInt(i)).append("\"]\n");
            }
            sources.add(new ConfigSource(Path.of("/etc/dynamod/services/svc" + i + ".toml"), text.toString().getBytes(StandardCharsets.UTF_8),
                    ConfigSource.Kind.SERVICE));
        }
        return sources;
    }

    private static ConfigSource supervisor(String name, String more, int maxRestarts) {
        String text = "[supervisor]\nname = \"" + name + "\"\n" + more + "[restart]\nmax-restarts = " + maxRestarts + "\nmax-restart-window = \"1s\"\n";
        return new ConfigSource(Path.of("/etc/dynamod/supervisors/" + name + ".toml"), text.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SUPERVISOR);
    }

    // ---------------------------------------------------------------- a machine that answers at once

    /** Decides inputs, committing each decision and answering spawns and signals at once; counts what it did. */
    static final class Machine {
        final Core core = new Core(Options.DEFAULT);
        final State state = new State();
        final List<Event> recorded = new ArrayList<>();
        final List<Long> times = new ArrayList<>();
        final boolean record;
        long inputs;
        long events;
        int nextPid = 1000;

        Machine(boolean record) {
            this.record = record;
        }

        Decision run(Input first) {
            Deque<Input> inbox = new ArrayDeque<>();
            inbox.add(first);
            Decision firstDecision = null;
            while (!inbox.isEmpty()) {
                long now = clock++;
                Decision d = core.decide(state, inbox.removeFirst(), now);
                if (firstDecision == null) firstDecision = d;
                inputs++;
                events += d.events().size();
                if (record) {
                    recorded.addAll(d.events());
                    for (int k = 0; k < d.events().size(); k++) times.add(now);
                }
                state.commit(d.after());
                for (Effect effect : d.effects()) {
                    switch (effect) {
                        case Effect.Spawn e -> inbox.add(new Input.ProcessSpawned(e.service(), nextPid++, e.spec().exec().getFirst()));
                        case Effect.Signal e -> inbox.add(new Input.ProcessExited(e.pid(), ExitStatus.killed(e.signal(), false)));
                        default -> {}
                    }
                }
            }
            return firstDecision;
        }
    }

    // ---------------------------------------------------------------- measurements

    /** Median of 5: the load decision, and the parsing it contains; the difference is topology and frontier. */
    private static void frontier(int n, boolean report) {
        List<ConfigSource> sources = configuration(n, 1, 0);
        long[] decides = new long[5];
        long[] parses = new long[5];
        Decision first = null;
        LoadResult parsed = null;
        for (int k = 0; k < decides.length; k++) {
            long t0 = System.nanoTime();
            parsed = ConfigLoader.load(sources);
            parses[k] = System.nanoTime() - t0;
            Machine machine = new Machine(false);
            long t1 = System.nanoTime();
            first = machine.core.decide(machine.state, new Input.LoadConfiguration("/etc/dynamod", sources, BENCH), clock++);
            decides[k] = System.nanoTime() - t1;
        }
        java.util.Arrays.sort(decides);
        java.util.Arrays.sort(parses);
        long spawns = first.effects().stream().filter(e -> e instanceof Effect.Spawn).count();
        if (!report) return;
        System.out.printf("first frontier, %,d-service DAG: load decision %.1f ms, of which parsing the %,d files %.1f ms"
                + " (medians of 5): %,d services spawned at once, %,d events%n", n, decides[2] / 1e6, sources.size(), parses[2] / 1e6,
                spawns, first.events().size());
        if (parsed.hasErrors()) System.out.println("  (the generated configuration has errors: " + parsed.diagnostics().getFirst() + ")");
    }

    private static void throughput(int n, boolean report) {
        Machine machine = new Machine(true);
        long t0 = System.nanoTime();
        machine.run(new Input.LoadConfiguration("/etc/dynamod", configuration(n, 2, 0), BENCH));
        long boot = System.nanoTime() - t0;
        long running = machine.state.view().services().values().stream().filter(r -> r.state() == ServiceState.RUNNING).count();
        long bootInputs = machine.inputs;
        long bootEvents = machine.events;
        // Steady state: crash a random running service, over and over; each is restarted (and whatever requires it).
        Random random = new Random(3);
        long crashes = 100_000;
        long inputsBefore = machine.inputs;
        long eventsBefore = machine.events;
        long t1 = System.nanoTime();
        for (long k = 0; k < crashes; k++) {
            int i = random.nextInt(n);
            var r = machine.state.service(i);
            if (r.pid() == 0) continue;
            machine.run(new Input.ProcessExited(r.pid(), ExitStatus.exited(1)));
            clock += 10_000_000; // 10 ms between crashes keeps intensity windows of 1 s in play
        }
        long steady = System.nanoTime() - t1;
        long steadyInputs = machine.inputs - inputsBefore;
        long steadyEvents = machine.events - eventsBefore;
        // Apply alone: replay everything recorded into a fresh state.
        State fresh = new State();
        long t2 = System.nanoTime();
        for (int k = 0; k < machine.recorded.size(); k++) Core.apply(fresh, machine.recorded.get(k), machine.times.get(k));
        long replay = System.nanoTime() - t2;
        boolean same = fresh.view().equals(machine.state.view());
        if (!report) return;
        System.out.printf("boot of %,d services (all answers at once): %.0f ms, %,d inputs, %,d events, %,d running%n", n, boot / 1e6,
                bootInputs, bootEvents, running);
        System.out.printf("decide+apply, %,d services, crash and restart: %,.0f inputs/s, %,.0f events/s (%,d inputs, %,d events in %.2f s)%n",
                n, steadyInputs / (steady / 1e9), steadyEvents / (steady / 1e9), steadyInputs, steadyEvents, steady / 1e9);
        System.out.printf("apply alone (replay of the %,d recorded events): %,.0f events/s; replayed state equals live state: %s%n",
                machine.recorded.size(), machine.recorded.size() / (replay / 1e9), same);
    }

    private static void switchPlan(int n, boolean report) {
        Machine machine = new Machine(false);
        machine.run(new Input.LoadConfiguration("/etc/dynamod", configuration(n, 4, 0), BENCH));
        List<ConfigSource> next = configuration(n, 4, 10); // every 10th service's environment changed
        long t0 = System.nanoTime();
        LoadResult parsed = ConfigLoader.load(next);
        long parse = System.nanoTime() - t0;
        Configurations.Effective effective = Configurations.effective(machine.state.loaded().map(l -> l.configuration()), parsed);
        long t1 = System.nanoTime();
        SwitchPlan plan = SwitchPlan.compute(machine.state, effective);
        long compute = System.nanoTime() - t1;
        long t2 = System.nanoTime();
        machine.run(new Input.LoadConfiguration("/etc/dynamod", next, BENCH));
        long execute = System.nanoTime() - t2;
        if (!report) return;
        System.out.printf("switch plan, %,d services: %.1f ms to compute (%s), after parsing the new files in %.1f ms;"
                + " the whole switch (restarts included) %.0f ms%n", n, compute / 1e6, plan.counts(), parse / 1e6, execute / 1e6);
    }

    private static void memory(int n) {
        List<ConfigSource> sources = configuration(n, 5, 0);
        long before = Heap.usedAfterGc();
        // The configuration alone: the specs the state holds.
        dynamod.conf.Configuration configuration = ConfigLoader.load(sources).configuration();
        long specs = Heap.usedAfterGc() - before;
        configuration = null;
        long empty = Heap.usedAfterGc();
        Machine machine = new Machine(false);
        machine.run(new Input.LoadConfiguration("/etc/dynamod", sources, BENCH));
        long state = Heap.usedAfterGc() - empty;
        System.out.printf("memory, %,d running services: the whole state %,d bytes per service: the configuration's specs %,d,"
                + " the run-time records and indexes %,d%n", n, state / n, specs / n, (state - specs) / n);
        if (configuration != null || machine.state.loaded().isEmpty()) throw new AssertionError();
    }
}
