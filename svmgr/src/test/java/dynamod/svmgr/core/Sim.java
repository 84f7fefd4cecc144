package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.conf.ConfigSource;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A simulated shell around the core, for tests: a fake process table, timers on a manual clock, and a record of
 * every event with its time, so that a test can replay the run. By default it behaves like a well-mannered
 * machine: spawns succeed at once, processes exit on their stop signal, forking daemons are found.
 */
final class Sim {

    static final long START = 1_000_000_000L;

    record Recorded(Event event, long at) {}

    final Core core;
    final State state = new State();
    long now = START;
    final List<Recorded> log = new ArrayList<>();
    final List<Effect> effects = new ArrayList<>();
    final Map<TimerId, Long> timers = new LinkedHashMap<>();
    final Map<Integer, String> processes = new HashMap<>();
    final Set<String> probes = new HashSet<>();
    /** Services whose processes ignore their stop signal (only SIGKILL ends them). */
    final Set<String> stubborn = new HashSet<>();
    /** Services whose spawns are not answered: the test answers them. */
    final Set<String> heldSpawns = new HashSet<>();
    /** Forking services whose daemon is never found. */
    final Set<String> noDaemon = new HashSet<>();
    /** Services whose spawn fails. */
    final Set<String> failingSpawns = new HashSet<>();
    final List<String> spawned = new ArrayList<>();
    final List<String> signalled = new ArrayList<>();
    String shutdownComplete;
    private final Deque<Input> inbox = new ArrayDeque<>();
    private int nextPid = 100;
    private final List<ConfigSource> sources = new ArrayList<>();

    Sim() {
        this(Options.DEFAULT);
    }

    Sim(Options options) {
        core = new Core(options);
    }

    // ---------------------------------------------------------------- configuration

    Sim service(String name, String more) {
        sources.removeIf(s -> s.path().equals(servicePath(name)));
        String text = "[service]\nname = \"" + name + "\"\nexec = [\"/bin/" + name + "\"]\n" + more;
        sources.add(new ConfigSource(servicePath(name), text.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SERVICE));
        return this;
    }

    Sim service(String name) {
        return service(name, "");
    }

    Sim supervisor(String name, String more) {
        Path path = Path.of("/etc/dynamod/supervisors/" + name + ".toml");
        sources.removeIf(s -> s.path().equals(path));
        String text = "[supervisor]\nname = \"" + name + "\"\n" + more;
        sources.add(new ConfigSource(path, text.getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SUPERVISOR));
        return this;
    }

    Sim remove(String name) {
        sources.removeIf(s -> s.path().equals(servicePath(name)));
        return this;
    }

    Sim removeSupervisor(String name) {
        Path path = Path.of("/etc/dynamod/supervisors/" + name + ".toml");
        sources.removeIf(s -> s.path().equals(path));
        return this;
    }

    private static Path servicePath(String name) {
        return Path.of("/etc/dynamod/services/" + name + ".toml");
    }

    /** Loads (or switches to) the configuration built so far. */
    Sim load() {
        input(new Input.LoadConfiguration("/etc/dynamod", List.copyOf(sources), Caller.MANAGER));
        var loaded = events(dynamod.journal.event.SystemEvent.ConfigurationLoaded.class).getLast();
        if (!allowConfigErrors && (loaded.errors() > 0 || loaded.warnings() > 0)) {
            throw new AssertionError("the test's configuration has problems:\n" + String.join("\n", loaded.diagnostics()));
        }
        return this;
    }

    /** Set by tests whose configuration is meant to have errors or warnings. */
    boolean allowConfigErrors;

    Sim allowingConfigErrors() {
        allowConfigErrors = true;
        return this;
    }

    // ---------------------------------------------------------------- driving

    /** Decides an input and everything the fake machine answers, until it is quiet. */
    Decision input(Input first) {
        Decision decision = null;
        inbox.add(first);
        while (!inbox.isEmpty()) {
            State.View before = state.view();
            java.util.BitSet waitingBefore = (java.util.BitSet) state.waiting().clone();
            Decision d = core.decide(state, inbox.removeFirst(), now);
            assertEquals(before, state.view(), "decide wrote through to the state it decided on");
            assertEquals(waitingBefore, state.waiting(), "decide wrote through to the waiting index");
            if (decision == null) decision = d;
            for (Event e : d.events()) log.add(new Recorded(e, now));
            state.commit(d.after());
            checkInvariants();
            for (Effect effect : d.effects()) handle(effect);
        }
        return decision;
    }

    /** What must hold after every decision: the derived indexes agree with the records; replay too, when asked. */
    void checkInvariants() {
        if (state.loaded().isEmpty()) return;
        Topology t = state.topology();
        java.util.BitSet waiting = new java.util.BitSet();
        int starting = 0;
        for (int i = 0; i < t.size(); i++) {
            ServiceRuntime r = state.service(i);
            if (r.state() == ServiceState.WAITING) waiting.set(i);
            if (r.state() == ServiceState.STARTING) starting++;
            if (r.pid() > 0) assertEquals(java.util.Optional.of(t.name(i)), state.serviceOfPid(r.pid()), "pid map of " + t.name(i));
            if (!r.hasProcess() && (r.pid() != 0 || r.forkerPid() != 0)) throw new AssertionError("a pid without a process: " + t.name(i) + " " + r);
        }
        assertEquals(waiting, state.waiting(), "the waiting index");
        assertEquals(starting, state.starting(), "the starting count");
        if (replayEveryStep) assertReplayReproducesState();
    }

    /** Replays the whole log after every decision: thorough, and quadratic; for short tests. */
    boolean replayEveryStep;

    private void handle(Effect effect) {
        effects.add(effect);
        switch (effect) {
            case Effect.Spawn e -> {
                spawned.add(e.service());
                if (failingSpawns.contains(e.service())) {
                    inbox.add(new Input.SpawnFailed(e.service(), "exec", 2, "No such file or directory"));
                } else if (!heldSpawns.contains(e.service())) {
                    inbox.add(new Input.ProcessSpawned(e.service(), newProcess(e.service()), e.spec().exec().getFirst()));
                }
            }
            case Effect.Signal e -> {
                signalled.add(e.service() + ":" + e.signal());
                boolean stops = e.signal() == 9 || (e.signal() != 1 && !stubborn.contains(e.service()));
                if (stops && processes.remove(e.pid()) != null) inbox.add(new Input.ProcessExited(e.pid(), ExitStatus.killed(e.signal(), false)));
            }
            case Effect.RunStopCommand e -> {
                signalled.add(e.service() + ":stop-exec");
                int pid = pidOf(e.service());
                if (processes.remove(pid) != null) inbox.add(new Input.ProcessExited(pid, ExitStatus.exited(0)));
            }
            case Effect.StartProbe e -> probes.add(e.service());
            case Effect.StopProbe e -> probes.remove(e.service());
            case Effect.FindMainPid e -> inbox.add(noDaemon.contains(e.service())
                    ? new Input.MainPidNotFound(e.service(), "no pid-file and no surviving child")
                    : new Input.MainPidFound(e.service(), newProcess(e.service())));
            case Effect.StartTimer e -> timers.put(e.timer(), e.atNanos());
            case Effect.CancelTimer e -> timers.remove(e.timer());
            case Effect.ShutdownComplete e -> shutdownComplete = e.kind();
        }
    }

    private int newProcess(String service) {
        int pid = nextPid++;
        processes.put(pid, service);
        return pid;
    }

    private int pidOf(String service) {
        return processes.entrySet().stream().filter(e -> e.getValue().equals(service)).mapToInt(Map.Entry::getKey).max().orElse(-1);
    }

    /** Moves the clock on, firing due timers in time order. */
    Sim advance(Duration by) {
        long target = now + by.toNanos();
        while (true) {
            var due = timers.entrySet().stream().filter(e -> e.getValue() <= target).min(Map.Entry.comparingByValue());
            if (due.isEmpty()) break;
            TimerId timer = due.get().getKey();
            now = Math.max(now, due.get().getValue());
            timers.remove(timer);
            input(new Input.TimerFired(timer));
        }
        now = target;
        return this;
    }

    Sim advanceSeconds(double seconds) {
        return advance(Duration.ofNanos((long) (seconds * 1e9)));
    }

    /** The service's main process exits with {@code code}. */
    Sim exit(String service, int code) {
        int pid = state.service(service).pid();
        if (pid == 0 || processes.remove(pid) == null) throw new AssertionError(service + " has no process: " + state.service(service));
        input(new Input.ProcessExited(pid, ExitStatus.exited(code)));
        return this;
    }

    Sim crash(String service) {
        return exit(service, 1);
    }

    Sim killedBy(String service, int signal) {
        int pid = state.service(service).pid();
        if (pid == 0 || processes.remove(pid) == null) throw new AssertionError(service + " has no process");
        input(new Input.ProcessExited(pid, ExitStatus.killed(signal, false)));
        return this;
    }

    Sim ready(String service) {
        input(new Input.ReadinessObserved(service, state.service(service).pid(), "tcp-port"));
        return this;
    }

    Sim notify(String service, Notification notification) {
        input(new Input.Notified(state.service(service).pid(), notification));
        return this;
    }

    Sim start(String target) {
        input(new Input.Start(target, new Caller(0, 4242, "dynamodctl")));
        return this;
    }

    Sim stop(String target) {
        input(new Input.Stop(target, new Caller(0, 4242, "dynamodctl")));
        return this;
    }

    Sim restart(String target) {
        input(new Input.Restart(target, new Caller(0, 4242, "dynamodctl")));
        return this;
    }

    Sim shutdown(String kind) {
        input(new Input.Shutdown(kind, new Caller(0, 1, "init")));
        return this;
    }

    // ---------------------------------------------------------------- looking

    ServiceState stateOf(String service) {
        return state.service(service).state();
    }

    ServiceRuntime runtime(String service) {
        return state.service(service);
    }

    SupervisorRuntime supervisorOf(String name) {
        return state.supervisor(name);
    }

    void assertStates(Object... serviceAndState) {
        Map<String, ServiceState> expected = new LinkedHashMap<>();
        Map<String, ServiceState> actual = new LinkedHashMap<>();
        for (int i = 0; i < serviceAndState.length; i += 2) {
            String name = (String) serviceAndState[i];
            expected.put(name, (ServiceState) serviceAndState[i + 1]);
            actual.put(name, stateOf(name));
        }
        assertEquals(expected, actual);
    }

    /** The events so far of one type, in order. */
    <T extends Event> List<T> events(Class<T> type) {
        return log.stream().map(Recorded::event).filter(type::isInstance).map(type::cast).toList();
    }

    <T extends Event> List<T> events(Class<T> type, Predicate<T> filter) {
        return events(type).stream().filter(filter).toList();
    }

    long spawnsOf(String service) {
        return spawned.stream().filter(service::equals).count();
    }

    int liveProcessesOf(String service) {
        return (int) processes.values().stream().filter(service::equals).count();
    }

    /** Forgets what was recorded so far (events stay in the log for replay). */
    void clearObservations() {
        spawned.clear();
        signalled.clear();
        effects.clear();
    }

    /** The state that replaying the recorded events gives. */
    State replayed() {
        State fresh = new State();
        for (Recorded r : log) Core.apply(fresh, r.event(), r.at());
        return fresh;
    }

    void assertReplayReproducesState() {
        assertEquals(state.view(), replayed().view());
    }
}
