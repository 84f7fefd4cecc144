package dynamod.ctl.diag;

import dynamod.conf.ConfigSource;
import dynamod.journal.Boot;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.svmgr.core.Caller;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.Decision;
import dynamod.svmgr.core.Effect;
import dynamod.svmgr.core.Input;
import dynamod.svmgr.core.Options;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.TimerId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The manager's real core driven by hand, its events recorded as the journal would (seq, wall clock, monotonic
 * clock): a boot's events for the diagnostics to read, without processes. Spawns succeed at once; a signalled
 * process exits; timers fire when the test lets time pass.
 */
public final class CoreRun {

    static final Instant BOOT = Instant.parse("2026-12-01T12:00:00Z");
    public static final Caller OPERATOR = new Caller(1000, 4242, "dynamodctl");

    private final Core core = new Core(Options.DEFAULT);
    private final State state = new State();
    private final List<ConfigSource> sources = new ArrayList<>();
    private final UUID boot = UUID.fromString("0b5e55ed-0000-4000-8000-000000000001");
    public final List<Recorded> events = new ArrayList<>();
    private final Map<TimerId, Long> timers = new LinkedHashMap<>();
    private final Map<String, Integer> pids = new HashMap<>();
    private final Deque<Input> inbox = new ArrayDeque<>();
    long now = 1_000_000_000L;
    private int nextPid = 100;

    public CoreRun service(String name, String toml) {
        String text = "[service]\nname = \"" + name + "\"\nexec = [\"/bin/" + name + "\"]\n" + toml;
        sources.add(new ConfigSource(Path.of("/etc/dynamod/services/" + name + ".toml"), text.getBytes(StandardCharsets.UTF_8),
                ConfigSource.Kind.SERVICE));
        return this;
    }

    public CoreRun supervisor(String name, String toml) {
        String text = "[supervisor]\nname = \"" + name + "\"\n" + toml;
        sources.add(new ConfigSource(Path.of("/etc/dynamod/supervisors/" + name + ".toml"), text.getBytes(StandardCharsets.UTF_8),
                ConfigSource.Kind.SUPERVISOR));
        return this;
    }

    public CoreRun remove(String service) {
        sources.removeIf(c -> c.path().equals(Path.of("/etc/dynamod/services/" + service + ".toml")));
        return this;
    }

    public CoreRun load() {
        return input(new Input.LoadConfiguration("/etc/dynamod", List.copyOf(sources), Caller.MANAGER));
    }

    /** The service's process ends with {@code code}. */
    public CoreRun exit(String service, int code) {
        Integer pid = pids.remove(service);
        if (pid == null) throw new AssertionError(service + " has no process");
        return input(new Input.ProcessExited(pid, ExitStatus.exited(code)));
    }

    public boolean hasProcess(String service) {
        return pids.containsKey(service);
    }

    /** Lets {@code d} pass, firing the timers due by then. */
    public CoreRun pass(Duration d) {
        now += d.toNanos();
        for (var due : timers.entrySet().stream().filter(t -> t.getValue() <= now).toList()) {
            timers.remove(due.getKey());
            input(new Input.TimerFired(due.getKey()));
        }
        return this;
    }

    public CoreRun input(Input first) {
        inbox.add(first);
        while (!inbox.isEmpty()) {
            Decision d = core.decide(state, inbox.removeFirst(), now);
            for (Event e : d.events()) record(e);
            state.commit(d.after());
            for (Effect effect : d.effects()) handle(effect);
        }
        return this;
    }

    private void record(Event e) {
        long real = BOOT.getEpochSecond() * 1_000_000_000L + now;
        events.add(new Recorded(Stream.EVENTS, events.size(), real, now, boot, Origin.SVMGR, 1, e));
    }

    private void handle(Effect effect) {
        switch (effect) {
            case Effect.Spawn e -> {
                int pid = nextPid++;
                pids.put(e.service(), pid);
                inbox.add(new Input.ProcessSpawned(e.service(), pid, e.spec().exec().getFirst()));
            }
            case Effect.Signal e -> {
                if (pids.remove(e.service(), e.pid())) inbox.add(new Input.ProcessExited(e.pid(), ExitStatus.killed(e.signal(), false)));
            }
            case Effect.StartTimer e -> timers.put(e.timer(), e.atNanos());
            case Effect.CancelTimer e -> timers.remove(e.timer());
            default -> {}
        }
    }

    BootEvents boot() {
        return new BootEvents(new Boot(boot, events.getFirst().realtime(), events.getLast().realtime(),
                Map.of(Stream.EVENTS, new long[] {0, events.size() - 1})), events);
    }

    PastState past() {
        return PastState.of(boot(), Optional.empty());
    }

    /** Writes the recorded events into a journal directory, at their recorded times. */
    public java.nio.file.Path writeJournal(java.nio.file.Path directory) throws java.io.IOException {
        dynamod.journal.ManualClock clock = new dynamod.journal.ManualClock(BOOT);
        try (dynamod.journal.Journal journal = dynamod.journal.Journal.open(dynamod.journal.JournalOptions.defaults(directory, Origin.SVMGR)
                .withClock(clock).withBootId(boot))) {
            for (Recorded r : events) {
                clock.set(r.realtime(), Duration.ofNanos(r.monotonicNanos()));
                journal.append(r.event(), r.monotonicNanos());
            }
        }
        return directory;
    }

    /** The wall-clock time the run is at now. */
    public Instant wallClock() {
        return BOOT.plusNanos(now);
    }
}
