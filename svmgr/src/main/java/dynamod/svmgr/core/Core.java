package dynamod.svmgr.core;

import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.journal.event.Event;
import dynamod.journal.event.ServiceState;
import java.util.ArrayList;
import java.util.List;

/**
 * The service manager's functional core: {@link #decide} turns an input into events and effects, {@link #apply}
 * turns an event into state. Both are pure (no I/O, no clock of their own: time comes in as an argument) and
 * deterministic, so replaying a run's events reproduces its state and its next decisions exactly.
 *
 * <p>The shell's loop: {@code d = core.decide(state, input, now)}; append {@code d.events()} to the journal, each
 * stamped with {@code now}; {@code state.commit(d.after())}; run {@code d.effects()} in order. Replay applies the
 * recorded events at their recorded times.
 */
public final class Core {

    private final Options options;

    public Core(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /**
     * What {@code input} at monotonic time {@code now} (nanoseconds, positive) leads to. {@code state} is not
     * changed: the decision carries the state after it, as a fork to commit.
     */
    public Decision decide(State state, Input input, long now) {
        if (now <= 0) throw new IllegalArgumentException("monotonic time must be positive: " + now);
        return new Decider(options, state.fork(), now).decide(input);
    }

    /** Applies a recorded event: what replay does, and what the shell may do instead of committing a decision. */
    public static void apply(State state, Event event, long now) {
        Apply.apply(state, event, now);
    }

    /**
     * The effects that re-arm what a state waits for, after the manager restarted and rebuilt it: its timers,
     * readiness probes, and the search for a forking daemon that was under way. (Whether recorded processes still
     * live, and how spawns in flight ended, is for the shell to find out and report as inputs.)
     */
    public List<Effect> resume(State state) {
        List<Effect> effects = new ArrayList<>(Timers.armed(state));
        if (state.loaded().isEmpty()) return effects;
        Topology t = state.topology();
        for (int i = 0; i < t.size(); i++) resume(t.spec(i), state.service(i), effects);
        for (var retired : state.retired().values()) resume(retired.spec(), retired.runtime(), effects);
        state.shutdown().filter(s -> state.mode() == State.Mode.SHUTTING_DOWN).ifPresent(s ->
                effects.add(new Effect.StartTimer(new TimerId("", TimerId.Kind.SHUTDOWN_PROGRESS), s.startedAt())));
        return effects;
    }

    private static void resume(ServiceSpec spec, ServiceRuntime r, List<Effect> effects) {
        String name = spec.name();
        boolean starting = r.state() == ServiceState.STARTING || r.state() == ServiceState.STOPPING;
        boolean probe = spec.readiness() instanceof Readiness.TcpPort || spec.readiness() instanceof Readiness.Exec
                || spec.readiness() instanceof Readiness.Fd;
        if (r.state() == ServiceState.STARTING && probe && r.pid() != 0) effects.add(new Effect.StartProbe(name, r.pid(), spec.readiness()));
        if (starting && r.spawned() && r.pid() == 0 && r.forkerPid() == 0) effects.add(new Effect.FindMainPid(name, spec.pidFile(), 0));
    }
}
