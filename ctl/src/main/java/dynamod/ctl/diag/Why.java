package dynamod.ctl.diag;

import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.RestartSpec;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.value.Durations;
import dynamod.journal.Recorded;
import dynamod.journal.event.CommandEvent.CommandAccepted;
import dynamod.journal.event.Event;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceEvent.ServiceTargetSet;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.SupervisorRuntime;
import dynamod.svmgr.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Why a service is in its state: the causal chain through the state the events built and the events themselves,
 * each step citing the event it rests on. Pure: the same state and events always give the same explanation.
 * A blocked or waiting service is explained by what blocks it (recursively); a failed one by its last exit and
 * its restart limit; a supervisor that escalated or gave up by the restarts that exceeded its intensity, down to
 * the exit that began them.
 */
public final class Why {

    /**
     * One step: {@code depth} 0 is the service asked about, each cause one deeper; {@code event} the event it rests
     * on, if one; {@code origin}: a first cause (an exit, a failed spawn, a command, a missing configuration).
     */
    public record Step(int depth, String text, Optional<Recorded> event, boolean origin) {}

    /** The chain for {@code name}; {@code rootCause}: the deepest first cause, if one was found. */
    public record Explanation(String name, Optional<String> state, List<Step> steps, Optional<Step> rootCause) {}

    /** The chain for {@code name} in the state {@code past}; times in the text are in {@code zone}. */
    public static Explanation explain(PastState past, String name, java.time.ZoneId zone) {
        Why why = new Why(past, zone);
        why.service(name, 0);
        Optional<Step> root = Optional.empty();
        for (Step s : why.steps) {
            if (s.origin() && (root.isEmpty() || s.depth() > root.get().depth())) root = Optional.of(s);
        }
        Optional<String> state = past.state().runtimeOf(name).map(r -> lower(r.state()));
        return new Explanation(name, state, List.copyOf(why.steps), root);
    }

    private final State s;
    private final List<Recorded> events;
    private final PastState past;
    private final List<Step> steps = new ArrayList<>();
    private final Set<String> explained = new HashSet<>();

    private final java.time.ZoneId zone;

    private Why(PastState past, java.time.ZoneId zone) {
        this.past = past;
        this.zone = zone;
        this.s = past.state();
        this.events = past.events();
    }

    // ---------------------------------------------------------------- services

    private void service(String name, int depth) {
        if (!explained.add("service " + name)) {
            step(depth, name + ": see above", -1, false);
            return;
        }
        Optional<ServiceRuntime> found = s.runtimeOf(name);
        if (found.isEmpty()) {
            if (s.loaded().isPresent() && s.topology().hasSupervisor(name)) {
                supervisor(name, depth);
                return;
            }
            notConfigured(name, depth);
            return;
        }
        ServiceRuntime r = found.get();
        ServiceSpec spec = s.specOf(name).orElseThrow();
        int entered = last(events.size(), e -> e instanceof ServiceStateChanged c && c.service().equals(name) && c.to() == r.state());
        String cause = r.cause().filter(c -> !r.reason().contains(c)).map(c -> " (by " + c + ")").orElse("");
        step(depth, name + " is " + lower(r.state()) + (entered >= 0 ? " since " + Times.clock(events.get(entered).realtime(), zone) : "")
                + ": " + r.reason() + cause, entered, false);
        int end = events.size();
        switch (r.state()) {
            case RUNNING, RELOADING, STARTING, DONE -> started(name, r, depth + 1);
            case FAILED -> failed(name, r, spec, entered, depth + 1);
            case BLOCKED, WAITING, STOPPING -> {
                if (r.cause().isPresent()) cause(r.cause().get(), depth + 1);
                else if (r.state() == ServiceState.WAITING && r.notBefore() > past.nowMono()) {
                    int scheduled = last(end, e -> e instanceof RestartScheduled x && x.child().equals(name));
                    step(depth + 1, "restart delay: it starts again at " + Times.clock(past.realtimeOf(r.notBefore()), zone), scheduled, false);
                    lastExit(name, scheduled >= 0 ? scheduled : end, depth + 1);
                } else if (r.state() == ServiceState.STOPPING) {
                    unwanted(name, r, depth + 1);
                }
            }
            case STOPPED -> unwanted(name, r, depth + 1);
            case INACTIVE -> {
                if (!r.wanted()) unwanted(name, r, depth + 1);
                else if (entered < 0) step(depth + 1, name + " was never started: " + r.reason(), lastLoad(end), false);
                else if (r.finished()) lastExit(name, entered, depth + 1);
            }
        }
    }

    /** Running, starting or done: how this run began, and when it became ready. */
    private void started(String name, ServiceRuntime r, int depth) {
        int starting = last(events.size(), e -> e instanceof ServiceStateChanged c && c.service().equals(name) && c.to() == ServiceState.STARTING);
        if (starting < 0) return;
        int spawned = first(starting, e -> e instanceof ServiceSpawned x && x.service().equals(name));
        if (spawned >= 0) step(depth, name + "'s process " + ((ServiceSpawned) events.get(spawned).event()).pid() + " started", spawned, false);
        if (r.ready()) {
            int ready = first(starting, e -> e instanceof ServiceReady x && x.service().equals(name));
            if (ready >= 0) step(depth, name + " became ready (" + ((ServiceReady) events.get(ready).event()).detector() + ")", ready, false);
        }
        // What began this run: the nearest of a command, a restart by its supervisor, a supervisor restart, a load.
        Set<String> chain = supervisorsAbove(name);
        int trigger = last(starting, e -> switch (e) {
            case CommandAccepted c -> (c.command().equals("start") || c.command().equals("restart"))
                    && (c.target().equals(name) || chain.contains(c.target()));
            case RestartScheduled x -> x.child().equals(name);
            case SupervisorRestarted x -> chain.contains(x.supervisor());
            case ConfigurationLoaded x -> true;
            default -> false;
        });
        if (trigger < 0) return;
        // A run since then that a requirement ended (it stopped or waited for it): this run is its return.
        int previousRun = last(starting, e -> e instanceof ServiceStateChanged c && c.service().equals(name) && c.to() == ServiceState.STARTING);
        int heldBy = last(starting, e -> e instanceof ServiceStateChanged c && c.service().equals(name) && c.cause().isPresent());
        if (previousRun > trigger && heldBy > previousRun) {
            ServiceStateChanged held = (ServiceStateChanged) events.get(heldBy).event();
            step(depth, "started again once " + held.cause().get() + " was: it had been " + lower(held.to()) + " (" + held.reason() + ")",
                    heldBy, false);
            return;
        }
        switch (events.get(trigger).event()) {
            case CommandAccepted c -> step(depth, "started by the command " + c.command() + " " + c.target()
                    + EventWords.caller(c.callerUid(), c.callerPid()), trigger, true);
            case RestartScheduled x -> {
                step(depth, "restarted by supervisor " + x.supervisor() + " (restart " + x.attempt() + "): " + x.reason(), trigger, false);
                lastExit(name, trigger, depth + 1);
            }
            case SupervisorRestarted x -> {
                step(depth, "started again when supervisor " + x.supervisor() + " was restarted (" + x.strategy() + ")", trigger, false);
                int escalated = last(trigger, e -> e instanceof Escalated esc && esc.supervisor().equals(x.supervisor()));
                if (escalated >= 0) intensity(x.supervisor(), escalated, depth + 1);
            }
            case ConfigurationLoaded c -> step(depth, "started when the configuration was loaded from " + c.path(), trigger, true);
            default -> {}
        }
        if (heldBy > trigger) {
            ServiceStateChanged held = (ServiceStateChanged) events.get(heldBy).event();
            step(depth, "it started once " + held.cause().get() + " was ready (" + held.reason() + ")", heldBy, false);
        }
    }

    private void failed(String name, ServiceRuntime r, ServiceSpec spec, int entered, int depth) {
        int before = entered >= 0 ? entered + 1 : events.size();
        int exit = lastExit(name, before, depth);
        RestartSpec restart = spec.restart();
        if (r.reason().contains("start limit")) {
            int restarts = (int) Arrays.stream(r.restartTimes()).filter(t -> t > entered(entered) - restart.window().toNanos()).count();
            step(depth, "its start limit: at most " + restart.maxRestarts() + " restarts within " + Durations.format(restart.window())
                    + " (it had " + restarts + "); restart = " + restart.policy().tomlName(), entered, false);
        } else if (restart.policy() != RestartPolicy.PERMANENT) {
            step(depth, "restart = " + restart.policy().tomlName() + ": " + (restart.policy() == RestartPolicy.TEMPORARY
                    ? "never restarted" : "restarted only after a clean exit"), entered, false);
        }
        if (exit < 0) {
            int timeout = last(before, e -> e instanceof ReadinessTimedOut x && x.service().equals(name));
            if (timeout >= 0) step(depth, name + " " + EventWords.text(events.get(timeout).event()), timeout, true);
        }
    }

    private long entered(int index) {
        return index >= 0 ? events.get(index).monotonicNanos() : past.nowMono();
    }

    /** The last exit (or failed spawn) of the service before {@code before}: a first cause. The index, or -1. */
    private int lastExit(String name, int before, int depth) {
        int exit = last(before, e -> (e instanceof ServiceExited x && x.service().equals(name) && x.mainProcess())
                || (e instanceof ServiceSpawnFailed f && f.service().equals(name)));
        if (exit < 0) return -1;
        String what = switch (events.get(exit).event()) {
            case ServiceExited x -> name + "'s process " + x.pid() + " " + x.status();
            case ServiceSpawnFailed f -> name + " " + EventWords.text(f);
            default -> throw new IllegalStateException();
        };
        step(depth, what, exit, true);
        return exit;
    }

    /** Stopped, or stopping, or not wanted: by a command, by the shutdown, or by what it requires. */
    private void unwanted(String name, ServiceRuntime r, int depth) {
        if (!r.wanted()) {
            int target = last(events.size(), e -> e instanceof ServiceTargetSet t && t.service().equals(name) && !t.up());
            Set<String> chain = supervisorsAbove(name);
            int command = last(target >= 0 ? target + 1 : events.size(), e -> e instanceof CommandAccepted c && c.command().equals("stop")
                    && (c.target().equals(name) || chain.contains(c.target())));
            if (command >= 0) {
                CommandAccepted c = (CommandAccepted) events.get(command).event();
                step(depth, "stopped by the command stop " + c.target() + EventWords.caller(c.callerUid(), c.callerPid())
                        + "; it stays down until started", command, true);
            } else if (target >= 0) {
                step(depth, "to stay down: " + ((ServiceTargetSet) events.get(target).event()).reason(), target, true);
            }
            return;
        }
        if (s.mode() != State.Mode.NORMAL) {
            int shutdown = last(events.size(), e -> e instanceof ShutdownRequested);
            if (shutdown >= 0) {
                ShutdownRequested q = (ShutdownRequested) events.get(shutdown).event();
                step(depth, "the system is shutting down (" + q.kind() + ", requested by " + q.requestedBy() + ")", shutdown, true);
            }
            return;
        }
        r.cause().ifPresent(c -> cause(c, depth));
    }

    /** What another service or supervisor does to this one: explained in turn. */
    private void cause(String name, int depth) {
        if (s.loaded().isPresent() && s.topology().hasSupervisor(name)) supervisor(name, depth);
        else service(name, depth);
    }

    private void notConfigured(String name, int depth) {
        int load = lastLoad(events.size());
        if (load < 0) {
            step(depth, name + ": no configuration is loaded", -1, true);
            return;
        }
        ConfigurationLoaded c = (ConfigurationLoaded) events.get(load).event();
        List<String> mentions = c.diagnostics().stream().filter(d -> d.contains(name)).toList();
        step(depth, name + " is not in the configuration loaded from " + c.path()
                + (mentions.isEmpty() ? "" : ": " + String.join("; ", mentions)), load, true);
    }

    private int lastLoad(int before) {
        return last(before, e -> e instanceof ConfigurationLoaded);
    }

    // ---------------------------------------------------------------- supervisors

    private void supervisor(String name, int depth) {
        if (!explained.add("supervisor " + name)) {
            step(depth, "supervisor " + name + ": see above", -1, false);
            return;
        }
        SupervisorRuntime r = s.supervisor(name);
        switch (r.status()) {
            case GAVE_UP -> {
                int gave = last(events.size(), e -> e instanceof GaveUp g && g.supervisor().equals(name));
                String policy = gave >= 0 ? ((GaveUp) events.get(gave).event()).policy() : "stop";
                step(depth, "supervisor " + name + " gave up (give-up = " + policy + ")"
                        + (policy.equals("stop") ? ": its services stay down until started" : ""), gave, false);
                intensity(name, gave >= 0 ? gave : events.size(), depth + 1);
            }
            case ESCALATING -> {
                int escalated = last(events.size(), e -> e instanceof Escalated x && x.supervisor().equals(name));
                String parent = s.topology().supervisor(name).parent().orElse("?");
                step(depth, "supervisor " + name + " escalated to " + parent + ": its services stop, then " + parent + " decides",
                        escalated, false);
                intensity(name, escalated >= 0 ? escalated : events.size(), depth + 1);
            }
            case ACTIVE -> step(depth, "supervisor " + name + " is active", -1, false);
        }
    }

    /** The intensity {@code name} exceeded last before {@code before}: which restarts, and the one too many. */
    private void intensity(String name, int before, int depth) {
        int exceeded = last(before, e -> e instanceof IntensityExceeded x && x.supervisor().equals(name));
        if (exceeded < 0) return;
        IntensityExceeded x = (IntensityExceeded) events.get(exceeded).event();
        step(depth, "supervisor " + name + " exceeded its restart intensity: restart " + x.restarts() + " within "
                + EventWords.millis(x.windowMillis()) + ", at most " + x.maxRestarts() + " allowed", exceeded, false);
        long windowStart = events.get(exceeded).monotonicNanos() - Duration.ofMillis(x.windowMillis()).toNanos();
        // A supervisor restarted (itself or above it) starts counting afresh.
        int fresh = last(exceeded, e -> e instanceof SupervisorRestarted r && s.topology().isWithin(name, r.supervisor()));
        Map<String, Integer> restarted = new LinkedHashMap<>();
        for (int i = fresh + 1; i < exceeded; i++) {
            Recorded rec = events.get(i);
            if (rec.monotonicNanos() > windowStart && rec.event() instanceof RestartScheduled rs && rs.supervisor().equals(name)) {
                restarted.merge(rs.child(), 1, Integer::sum);
            }
        }
        if (!restarted.isEmpty()) {
            List<String> counts = new ArrayList<>();
            restarted.forEach((child, n) -> counts.add(child + " " + n + (n == 1 ? " time" : " times")));
            step(depth + 1, "it restarted " + String.join(", ", counts) + " within the window", -1, false);
        }
        // The one too many: a service that ended (its state change follows, caused by this supervisor), or a child
        // supervisor that escalated just before.
        int next = first(exceeded + 1, e -> !(e instanceof IntensityExceeded));
        if (next >= 0 && events.get(next).event() instanceof ServiceStateChanged c && c.cause().equals(Optional.of(name))) {
            step(depth + 1, "the restart too many: " + c.service() + " ended", next, false);
            lastExit(c.service(), exceeded, depth + 2);
        } else {
            int escalated = last(exceeded, e -> e instanceof Escalated esc && esc.parent().equals(name));
            if (escalated >= 0) {
                String child = ((Escalated) events.get(escalated).event()).supervisor();
                step(depth + 1, "the restart too many: supervisor " + child + " escalated to " + name, escalated, false);
                intensity(child, escalated, depth + 2);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private Set<String> supervisorsAbove(String service) {
        if (s.loaded().isEmpty() || !s.topology().hasService(service)) return Set.of();
        Topology t = s.topology();
        return Set.of(t.supervisorChain(t.indexOf(service)));
    }

    /** The index of the last event before {@code before} that matches, or -1. */
    private int last(int before, Predicate<Event> match) {
        for (int i = Math.min(before, events.size()) - 1; i >= 0; i--) if (match.test(events.get(i).event())) return i;
        return -1;
    }

    /** The index of the first event at or after {@code from} that matches, or -1. */
    private int first(int from, Predicate<Event> match) {
        for (int i = Math.max(0, from); i < events.size(); i++) if (match.test(events.get(i).event())) return i;
        return -1;
    }

    private void step(int depth, String text, int event, boolean origin) {
        steps.add(new Step(depth, text, event >= 0 ? Optional.of(events.get(event)) : Optional.empty(), origin));
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
