package dynamod.ctl.boot;

import dynamod.ctl.boot.ServiceTimeline.Attempt;
import dynamod.ctl.boot.ServiceTimeline.Incident;
import dynamod.ctl.boot.ServiceTimeline.Outcome;
import dynamod.ctl.boot.ServiceTimeline.Phase;
import dynamod.ctl.boot.ServiceTimeline.Predecessor;
import dynamod.ctl.boot.ServiceTimeline.Relation;
import dynamod.ctl.boot.ServiceTimeline.Wait;
import dynamod.conf.value.Durations;
import dynamod.journal.event.Event;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import dynamod.svmgr.core.Core;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Folds one boot's events, in journal order, into a {@link BootReport}. Pure: no I/O, and the same events give the
 * same report. What a service is ordered after comes from the journal itself: the events are also applied to the
 * service manager's own state ({@link Core#apply}), whose topology is the configuration the manager had loaded
 * when the service started. The window ends when the boot finished — the first moment, between two decisions, with
 * no service waiting, starting or stopping — or at a shutdown request, or at the last event.
 */
public final class BootAnalyzer {

    private final State manager = new State();
    private final Map<String, Track> tracks = new LinkedHashMap<>();
    private static final int MAX_WARNINGS = 5;
    private final List<String> warnings = new ArrayList<>();
    private int unfollowed;
    private long zero = Long.MIN_VALUE;
    private Optional<String> mode = Optional.empty();
    private OptionalLong userspaceAt = OptionalLong.empty();
    private boolean loaded;
    private int configuredServices;
    private long decisionAt = Long.MIN_VALUE;
    private long lastAt = Long.MIN_VALUE;
    private OptionalLong finishedAt = OptionalLong.empty();
    private OptionalLong shutdownAt = OptionalLong.empty();

    /** Whether the window has ended: later events change nothing (a reader may stop). */
    public boolean done() {
        return finishedAt.isPresent() || shutdownAt.isPresent();
    }

    /** The next event of the boot, at its monotonic time; events of one decision share theirs. */
    public void accept(long monotonicNanos, Event event) {
        if (done()) return;
        if (decisionAt != Long.MIN_VALUE && monotonicNanos != decisionAt) checkFinished(decisionAt);
        if (done()) return;
        if (zero == Long.MIN_VALUE) zero = monotonicNanos;
        decisionAt = monotonicNanos;
        lastAt = Math.max(lastAt, monotonicNanos);
        try {
            Core.apply(manager, event, monotonicNanos);
        } catch (RuntimeException e) {
            // A journal the manager could not have written; the timelines go on, the dependencies may be off.
            unfollowed++;
            if (warnings.size() < MAX_WARNINGS) {
                warnings.add("the manager's state could not follow " + event.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        long now = monotonicNanos;
        switch (event) {
            case BootStarted e -> {
                mode = Optional.of(e.mode());
                if (!loaded) zero = now; // the boot's start; what came before it (init's early events) starts nothing
                if (e.mode().equals("boot")) userspaceAt = OptionalLong.of(now);
            }
            case ConfigurationLoaded e -> {
                loaded = manager.loaded().isPresent();
                configuredServices = Math.max(configuredServices, e.services());
            }
            case ShutdownRequested e -> shutdownAt = OptionalLong.of(now);
            case ServiceStateChanged e -> transition(e, now);
            case ServiceSpawned e -> {
                Track t = tracks.get(e.service());
                if (t != null && t.attempt() != null && t.attempt().spawnedAt.isEmpty()) t.attempt().spawnedAt = OptionalLong.of(now);
            }
            case ServiceSpawnFailed e -> attemptEnded(e.service(), now, Outcome.SPAWN_FAILED,
                    "could not " + e.step() + ": " + e.message(), Incident.Kind.SPAWN_FAILED);
            case ServiceExited e -> {
                if (e.mainProcess()) attemptEnded(e.service(), now, Outcome.EXITED, e.status().toString(), Incident.Kind.EXITED);
            }
            case ReadinessTimedOut e -> attemptEnded(e.service(), now, Outcome.TIMED_OUT,
                    "not ready (" + e.detector() + ") within " + Durations.format(Duration.ofMillis(e.timeoutMillis())), Incident.Kind.READINESS_TIMED_OUT);
            case ServiceReady e -> {
                Track t = tracks.get(e.service());
                if (t != null && t.detector.isEmpty()) t.detector = Optional.of(e.detector());
            }
            case RestartScheduled e -> {
                Track t = tracks.get(e.child());
                if (t != null) {
                    t.restartScheduledAt = now;
                    t.incidents.add(new Incident(now, Incident.Kind.RESTART_SCHEDULED,
                            "restart " + e.attempt() + " in " + Durations.format(Duration.ofMillis(e.delayMillis())) + " by " + e.supervisor() + ": " + e.reason()));
                }
            }
            case GroupRestarting e -> {
                for (String service : e.services()) {
                    Track t = tracks.get(service);
                    if (t != null) t.incidents.add(new Incident(now, Incident.Kind.GROUP_RESTART,
                            e.strategy() + " restart by " + e.supervisor() + " after " + e.trigger()));
                }
            }
            default -> {}
        }
    }

    private void transition(ServiceStateChanged e, long now) {
        Track t = tracks.get(e.service());
        if (t == null) {
            if (e.to() == ServiceState.INACTIVE) return; // never asked to start in this boot
            t = new Track(e.service(), now);
            tracks.put(e.service(), t);
        }
        t.phase(kind(t, e.to(), now), now);
        t.state = e.to();
        t.reason = e.reason();
        t.cause = e.cause();
        switch (e.to()) {
            case STARTING -> {
                AttemptBuilder a = new AttemptBuilder(t.attempts.size() + 1, now);
                t.attempts.add(a);
                if (t.firstStartAt.isEmpty()) {
                    t.firstStartAt = OptionalLong.of(now);
                    t.predecessors = predecessors(e.service());
                }
            }
            case RUNNING, RELOADING, DONE -> {
                AttemptBuilder a = t.attempt();
                if (a != null && a.outcome == Outcome.EXITED && e.to() == ServiceState.DONE) {
                    // A oneshot's exit is its readiness, not a failed attempt: the exit recorded just before is undone.
                    t.incidents.removeIf(i -> i.kind() == Incident.Kind.EXITED && i.at() == a.endedAt.getAsLong());
                    a.outcome = Outcome.PENDING;
                }
                if (a != null && a.outcome == Outcome.PENDING) a.end(now, Outcome.READY, e.reason());
                if (t.readyAt.isEmpty()) t.readyAt = OptionalLong.of(now);
                t.release(now, true);
            }
            case FAILED, BLOCKED, STOPPED, INACTIVE -> {
                AttemptBuilder a = t.attempt();
                if (a != null && a.outcome == Outcome.PENDING) a.end(now, Outcome.STOPPED, e.reason());
                if (e.to() == ServiceState.FAILED) t.incidents.add(new Incident(now, Incident.Kind.FAILED, e.reason()));
                if (e.to() == ServiceState.BLOCKED) {
                    t.incidents.add(new Incident(now, Incident.Kind.BLOCKED, e.reason() + e.cause().map(c -> " (" + c + ")").orElse("")));
                }
                t.release(now, false);
            }
            case WAITING, STOPPING -> {}
        }
    }

    private static Phase.Kind kind(Track t, ServiceState to, long now) {
        return switch (to) {
            case WAITING -> t.restartScheduledAt == now ? Phase.Kind.RESTART_DELAY : Phase.Kind.WAITING;
            case STARTING -> Phase.Kind.STARTING;
            case RUNNING, RELOADING, DONE -> Phase.Kind.READY;
            case STOPPING -> Phase.Kind.STOPPING;
            case INACTIVE, STOPPED, FAILED, BLOCKED -> Phase.Kind.DOWN;
        };
    }

    private void attemptEnded(String service, long now, Outcome outcome, String detail, Incident.Kind incident) {
        Track t = tracks.get(service);
        if (t == null) return;
        t.incidents.add(new Incident(now, incident, detail));
        AttemptBuilder a = t.attempt();
        boolean underWay = t.state == ServiceState.STARTING || t.state == ServiceState.STOPPING;
        if (a != null && a.outcome == Outcome.PENDING && underWay) a.end(now, outcome, detail);
    }

    /** What the service is ordered after in the configuration the manager has now. */
    private List<Predecessor> predecessors(String service) {
        if (manager.loaded().isEmpty()) return List.of();
        Topology topology = manager.topology();
        int i = topology.indexOf(service);
        if (i < 0) return List.of();
        Set<Integer> requires = new HashSet<>(), wants = new HashSet<>();
        for (int r : topology.requires(i)) requires.add(r);
        for (int w : topology.wants(i)) wants.add(w);
        List<Predecessor> list = new ArrayList<>();
        for (int p : topology.predecessors(i)) {
            Relation relation = requires.contains(p) ? Relation.REQUIRES : wants.contains(p) ? Relation.WANTS : Relation.AFTER;
            list.add(new Predecessor(topology.name(p), relation));
        }
        list.sort(Comparator.comparing(Predecessor::relation).thenComparing(Predecessor::name));
        return list;
    }

    /**
     * Between two decisions: the boot is finished once a configuration is loaded, its services were asked to start
     * (the manager does that in the loading decision; a journal that has it later is still read right) and none is on
     * its way.
     */
    private void checkFinished(long at) {
        if (!loaded || finishedAt.isPresent() || tracks.isEmpty() && configuredServices > 0) return;
        for (Track t : tracks.values()) {
            if (t.state == ServiceState.WAITING || t.state == ServiceState.STARTING || t.state == ServiceState.STOPPING) return;
        }
        finishedAt = OptionalLong.of(at);
    }

    /** The report of what was accepted so far; an unfinished boot has its pending services. */
    public BootReport report() {
        if (decisionAt != Long.MIN_VALUE && !done()) checkFinished(decisionAt);
        long end = finishedAt.isPresent() ? finishedAt.getAsLong() : shutdownAt.isPresent() ? shutdownAt.getAsLong() : lastAt;
        long base = zero == Long.MIN_VALUE ? 0 : zero;
        Map<String, Track> byName = tracks;
        List<ServiceTimeline> services = new ArrayList<>();
        for (Track t : tracks.values()) {
            List<Predecessor> predecessors = t.firstStartAt.isPresent() ? t.predecessors : predecessors(t.name);
            Optional<Wait> waited = Optional.empty();
            if (t.firstStartAt.isPresent()) {
                long start = t.firstStartAt.getAsLong();
                for (Predecessor p : predecessors) {
                    Track d = byName.get(p.name());
                    if (d == null || d.releasedAt.isEmpty() || d.releasedAt.getAsLong() > start) continue;
                    long at = d.releasedAt.getAsLong();
                    // Predecessors are sorted by relation, then name: on a tie the first (the stronger relation) stays.
                    if (waited.isEmpty() || at - base > waited.get().releasedAt()) {
                        waited = Optional.of(new Wait(p.name(), p.relation(), at - base, d.releasedReady));
                    }
                }
            }
            List<Phase> phases = new ArrayList<>(t.phases);
            if (t.phaseKind != null) phases.add(new Phase(t.phaseKind, t.phaseFrom, Math.max(t.phaseFrom, end)));
            services.add(new ServiceTimeline(t.name, t.startableAt - base, shift(t.firstStartAt, base), shift(t.readyAt, base), t.detector,
                    predecessors, waited, shift(t.releasedAt, base),
                    t.attempts.stream().map(a -> a.toAttempt(base)).toList(),
                    phases.stream().map(p -> new Phase(p.kind(), p.from() - base, p.to() - base)).toList(),
                    t.incidents.stream().map(i -> new Incident(i.at() - base, i.kind(), i.text())).toList(), t.state, t.reason, t.cause));
        }
        List<String> told = new ArrayList<>(warnings);
        if (unfollowed > warnings.size()) told.add("and " + (unfollowed - warnings.size()) + " more events the manager's state could not follow");
        return new BootReport(mode, userspaceAt, shift(finishedAt, base), end == Long.MIN_VALUE ? 0 : end - base, loaded, services, told);
    }

    private static OptionalLong shift(OptionalLong t, long base) {
        return t.isPresent() ? OptionalLong.of(t.getAsLong() - base) : t;
    }

    private static final class Track {
        final String name;
        final long startableAt;
        OptionalLong firstStartAt = OptionalLong.empty();
        OptionalLong readyAt = OptionalLong.empty();
        OptionalLong releasedAt = OptionalLong.empty();
        boolean releasedReady;
        Optional<String> detector = Optional.empty();
        List<Predecessor> predecessors = List.of();
        final List<AttemptBuilder> attempts = new ArrayList<>();
        final List<Phase> phases = new ArrayList<>();
        final List<Incident> incidents = new ArrayList<>();
        Phase.Kind phaseKind;
        long phaseFrom;
        long restartScheduledAt = Long.MIN_VALUE;
        ServiceState state = ServiceState.INACTIVE;
        String reason = "";
        Optional<String> cause = Optional.empty();

        Track(String name, long startableAt) {
            this.name = name;
            this.startableAt = startableAt;
        }

        AttemptBuilder attempt() {
            return attempts.isEmpty() ? null : attempts.getLast();
        }

        void phase(Phase.Kind kind, long now) {
            if (kind == phaseKind) return;
            if (phaseKind != null) phases.add(new Phase(phaseKind, phaseFrom, now));
            phaseKind = kind;
            phaseFrom = now;
        }

        void release(long now, boolean ready) {
            if (releasedAt.isPresent()) return;
            releasedAt = OptionalLong.of(now);
            releasedReady = ready;
        }
    }

    /** An attempt as it is being built. */
    private static final class AttemptBuilder {
        final int number;
        final long startedAt;
        OptionalLong spawnedAt = OptionalLong.empty();
        OptionalLong endedAt = OptionalLong.empty();
        Outcome outcome = Outcome.PENDING;
        String detail = "";

        AttemptBuilder(int number, long startedAt) {
            this.number = number;
            this.startedAt = startedAt;
        }

        void end(long now, Outcome outcome, String detail) {
            this.endedAt = OptionalLong.of(now);
            this.outcome = outcome;
            this.detail = detail;
        }

        Attempt toAttempt(long base) {
            return new Attempt(number, startedAt - base, shift(spawnedAt, base), shift(endedAt, base), outcome, detail);
        }
    }
}
