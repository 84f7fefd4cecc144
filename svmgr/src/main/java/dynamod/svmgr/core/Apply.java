package dynamod.svmgr.core;

import dynamod.conf.spec.Intensity;
import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.RestartSpec;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.journal.event.CommandEvent;
import dynamod.journal.event.Event;
import dynamod.journal.event.JournalEvent;
import dynamod.journal.event.LogEvent;
import dynamod.journal.event.NotifyEvent.ErrnoReported;
import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.Reloading;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.NotifyEvent.Stopping;
import dynamod.journal.event.NotifyEvent.Watchdog;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceOomKilled;
import dynamod.journal.event.ServiceEvent.ServiceRestartRequested;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawnRequested;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceEvent.ServiceStopCommandStarted;
import dynamod.journal.event.ServiceEvent.ServiceTargetSet;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.GroupStopped;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ManagerRecovered;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownProgressed;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import dynamod.conf.value.Durations;
import dynamod.conf.value.Signal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies one event to the state: the only code that changes it. Deterministic: the same events applied at the
 * same times always give the same state, which is what makes replay exact. An event about a service that is not
 * there (a configuration switch removed it) changes nothing.
 */
public final class Apply {

    private Apply() {}

    /** Applies {@code event}, recorded at monotonic time {@code now}. */
    public static void apply(State state, Event event, long now) {
        switch (event) {
            case ConfigurationLoaded e -> load(state, e, now);
            case ShutdownRequested e ->
                    state.mode(State.Mode.SHUTTING_DOWN, new State.Shutdown(e.kind(), e.requestedBy(), now,
                            now + e.timeoutMillis() * 1_000_000, 0));
            case ShutdownFinished e -> state.mode(State.Mode.DOWN, state.shutdown().orElse(null));
            case ShutdownProgressed e -> {}
            case BootStarted e -> {}
            case ManagerStarted e -> {}
            case ManagerRecovered e -> {}
            case dynamod.journal.event.SystemEvent.ManagerExited e -> {}
            case dynamod.journal.event.SystemEvent.ManagerHung e -> {}

            case ServiceStateChanged e -> update(state, e.service(), r -> transition(r, e, now), e);
            case ServiceTargetSet e -> update(state, e.service(), r -> {
                var b = r.with().wanted(e.up());
                if (e.up()) b.finished(false).restartTimes(ServiceRuntime.NO_TIMES).attempt(0);
                return b.build();
            }, e);
            case ServiceRestartRequested e -> update(state, e.service(),
                    r -> r.with().finished(false).restartPending(r.hasProcess()).notBefore(r.hasProcess() ? r.notBefore() : 0).build(), e);
            case ServiceSpawnRequested e -> update(state, e.service(), r -> r.with().attempt(e.attempt()).build(), e);
            case ServiceSpawned e -> {
                boolean forking = specOf(state, e.service()).map(s -> s.type() == ServiceType.FORKING).orElse(false);
                update(state, e.service(), r -> forking ? r.with().spawned(true).forkerPid(e.pid()).build() : r.with().spawned(true).pid(e.pid()).build(), e);
                state.pid(e.pid(), e.service());
            }
            case ServiceSpawnFailed e -> {}
            case ServiceExited e -> {
                update(state, e.service(), r -> {
                    var b = r.with().lastExit(e.status(), now);
                    if (r.pid() == e.pid()) b.pid(0);
                    if (r.forkerPid() == e.pid()) b.forkerPid(0);
                    return b.build();
                }, e);
                state.forgetPid(e.pid());
            }
            case ServiceSignalled e -> update(state, e.service(), r -> {
                if (r.state() != ServiceState.STOPPING) return r;
                var b = r.with();
                if (r.stopSignalledAt() == 0) b.stopSignalledAt(now);
                if (e.signal() == Signal.SIGKILL.number() && !r.killed()) {
                    b.killed(true);
                    state.shutdown().ifPresent(s -> state.mode(state.mode(), s.withKilled(s.killed() + 1)));
                }
                return b.build();
            }, e);
            case ServiceStopCommandStarted e -> update(state, e.service(), r -> r.with().stopSignalledAt(now).build(), e);
            case ServiceOomKilled e -> {} // the kill's exit is what changes the state

            case ServiceReady e -> update(state, e.service(),
                    r -> r.with().readied(Optional.of(new ServiceRuntime.Ready(e.detector(), e.startMicros()))).build(), e);
            case ReadinessTimedOut e -> update(state, e.service(),
                    r -> r.with().failure("not ready within " + Durations.format(java.time.Duration.ofMillis(e.timeoutMillis()))).build(), e);
            case StatusText e -> update(state, e.service(), r -> r.with().status(Optional.of(e.text())).build(), e);
            case Reloading e -> {}
            case Stopping e -> {}
            case Watchdog e -> {}
            case ErrnoReported e -> {}
            case MainPidChanged e -> {
                update(state, e.service(), r -> r.with().pid(e.pid()).build(), e);
                state.forgetPid(e.oldPid());
                state.pid(e.pid(), e.service());
            }

            case RestartScheduled e -> restartScheduled(state, e, now);
            case GroupRestarting e -> {
                state.supervisor(e.supervisor(), state.supervisor(e.supervisor()).withGroup(e.services(), e.supervisors()));
                // A child supervisor this group restarts starts afresh: a group restart of its own (or below it) is void.
                Topology topology = state.topology();
                for (String below : topology.supervisorNames()) {
                    if (e.supervisors().stream().anyMatch(member -> topology.isWithin(below, member)) && state.supervisor(below).groupRestarting()) {
                        state.supervisor(below, state.supervisor(below).withGroup(java.util.List.of(), java.util.List.of()));
                    }
                }
                for (String service : e.services()) update(state, service, r -> r.with().groupHeld(true).build(), e);
            }
            case GroupStopped e -> {
                SupervisorRuntime supervisor = state.supervisor(e.supervisor());
                state.supervisor(e.supervisor(), supervisor.withGroup(java.util.List.of(), java.util.List.of()));
                Topology topology = state.topology();
                for (String service : supervisor.groupServices()) {
                    // OTP: a temporary child of this supervisor is not restarted with its group (one below a
                    // restarted child supervisor is: that supervisor starts all its children afresh).
                    if (!topology.hasService(service)) continue;
                    ServiceSpec spec = topology.spec(topology.indexOf(service));
                    boolean restarts = spec.restart().policy() != RestartPolicy.TEMPORARY || !spec.supervisor().equals(e.supervisor());
                    update(state, service, r -> r.with().groupHeld(false).finished(r.finished() && !restarts).build(), e);
                }
            }
            case IntensityExceeded e -> {}
            case Escalated e -> state.supervisor(e.supervisor(), state.supervisor(e.supervisor()).withStatus(SupervisorRuntime.Status.ESCALATING, now));
            case GaveUp e -> state.supervisor(e.supervisor(), state.supervisor(e.supervisor()).withStatus(SupervisorRuntime.Status.GAVE_UP, now));
            case SupervisorRestarted e -> supervisorRestarted(state, e.supervisor(), now);

            case CommandEvent e -> {}
            case LogEvent e -> {}
            case JournalEvent e -> {}
        }
        state.changed();
    }

    private static ServiceRuntime transition(ServiceRuntime r, ServiceStateChanged e, long now) {
        var b = r.with().state(e.to(), now, e.reason(), e.cause());
        if (e.to() == ServiceState.STARTING) {
            b.notBefore(0).stopSignalledAt(0).killed(false).groupHeld(false).restartPending(false).failure(null).finished(false)
                    .spawned(false).pid(0).forkerPid(0).lastExit(Optional.empty()).readied(Optional.empty());
        } else if (!ServiceRuntime.hasProcess(e.to())) {
            b.restartPending(false).failure(null).stopSignalledAt(0).killed(false).spawned(false).pid(0).forkerPid(0);
            b.finished(e.to() == ServiceState.DONE || e.to() == ServiceState.FAILED || e.to() == ServiceState.INACTIVE);
            if (e.to() != ServiceState.WAITING) b.notBefore(0);
        }
        return b.build();
    }

    // ---------------------------------------------------------------- configuration

    private static void load(State state, ConfigurationLoaded e, long now) {
        var previous = state.loaded();
        Configurations.Effective effective = Configurations.effective(previous.map(l -> l.configuration()), Configurations.load(e.contentHash(), e.files()));
        Topology topology = Topology.of(effective.configuration());
        ServiceRuntime[] runtimes = new ServiceRuntime[topology.size()];
        Map<String, ServiceRuntime> kept = new HashMap<>();
        if (previous.isPresent()) {
            Topology old = previous.get().topology();
            for (int i = 0; i < old.size(); i++) {
                String name = old.name(i);
                ServiceRuntime r = state.service(i);
                if (topology.hasService(name)) kept.put(name, r);
                else if (r.hasProcess()) state.retire(name, new State.Retired(old.spec(i), r));
                else {
                    state.forgetPid(r.pid());
                    state.forgetPid(r.forkerPid());
                }
            }
        }
        for (int i = 0; i < topology.size(); i++) {
            String name = topology.name(i);
            State.Retired back = state.retired().get(name);
            if (back != null) {
                state.retire(name, null);
                runtimes[i] = back.runtime();
            } else {
                runtimes[i] = kept.getOrDefault(name, ServiceRuntime.initial(now));
            }
        }
        Map<String, SupervisorRuntime> supervisors = new HashMap<>();
        for (String name : topology.supervisorNames()) {
            SupervisorRuntime r = previous.isPresent() && previous.get().topology().hasSupervisor(name) ? state.supervisor(name) : null;
            supervisors.put(name, r != null ? r : SupervisorRuntime.initial(now));
        }
        releaseGroupsOfTheOldTopology(topology, runtimes, supervisors);
        state.load(new State.Loaded(e.path(), e.contentHash(), effective.configuration(), topology), runtimes, supervisors);
    }

    /**
     * A group restart in progress keeps the members that are still below its supervisor (a removed or moved member
     * leaves it, and so does a child supervisor no longer its child); a service no group holds any more is released.
     */
    private static void releaseGroupsOfTheOldTopology(Topology topology, ServiceRuntime[] runtimes, Map<String, SupervisorRuntime> supervisors) {
        java.util.Set<String> held = new java.util.HashSet<>();
        for (var entry : supervisors.entrySet()) {
            SupervisorRuntime r = entry.getValue();
            if (!r.groupRestarting()) continue;
            String supervisor = entry.getKey();
            var services = r.groupServices().stream()
                    .filter(name -> topology.hasService(name) && Arrays.asList(topology.supervisorChain(topology.indexOf(name))).contains(supervisor))
                    .toList();
            var children = r.groupSupervisors().stream()
                    .filter(name -> topology.hasSupervisor(name) && topology.supervisor(name).parent().equals(Optional.of(supervisor)))
                    .toList();
            entry.setValue(r.withGroup(services, children));
            held.addAll(services);
        }
        for (int i = 0; i < runtimes.length; i++) {
            if (runtimes[i].groupHeld() && !held.contains(topology.name(i))) runtimes[i] = runtimes[i].with().groupHeld(false).build();
        }
    }

    // ---------------------------------------------------------------- supervision

    private static void restartScheduled(State state, RestartScheduled e, long now) {
        SupervisorRuntime supervisor = state.supervisor(e.supervisor());
        if (supervisor == null) return;
        Intensity intensity = state.topology().supervisor(e.supervisor()).spec().intensity();
        state.supervisor(e.supervisor(), supervisor.withRestartTimes(
                Windows.record(supervisor.restartTimes(), now, intensity.window().toNanos(), intensity.maxRestarts() + 1)));
        if (state.topology().hasService(e.child())) {
            RestartSpec restart = state.topology().spec(state.topology().indexOf(e.child())).restart();
            update(state, e.child(), r -> r.with()
                    .restartTimes(Windows.record(r.restartTimes(), now, restart.window().toNanos(), restart.maxRestarts() + 1))
                    .notBefore(now + e.delayMillis() * 1_000_000)
                    .finished(false)
                    .build(), e);
        }
    }

    /** A supervisor restarted by its parent (or root by its give-up policy): it and everything below it start afresh. */
    private static void supervisorRestarted(State state, String name, long now) {
        Topology topology = state.topology();
        for (String s : topology.supervisorNames()) {
            if (topology.isWithin(s, name)) state.supervisor(s, SupervisorRuntime.initial(now));
        }
        for (int i : topology.supervisor(name).descendants()) {
            ServiceRuntime r = state.service(i);
            state.service(i, r.with().finished(false).restartTimes(ServiceRuntime.NO_TIMES).notBefore(0).groupHeld(false).attempt(0).build());
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void update(State state, String service, java.util.function.UnaryOperator<ServiceRuntime> change, Event e) {
        if (state.loaded().isEmpty()) return;
        Topology topology = state.topology();
        int i = topology.indexOf(service);
        if (i >= 0) {
            state.service(i, change.apply(state.service(i)));
            return;
        }
        State.Retired retired = state.retired().get(service);
        if (retired == null) return;
        ServiceRuntime r = change.apply(retired.runtime());
        if (e instanceof ServiceStateChanged && !r.hasProcess()) state.retire(service, null);
        else state.retire(service, new State.Retired(retired.spec(), r));
    }

    static Optional<ServiceSpec> specOf(State state, String service) {
        if (state.loaded().isEmpty()) return Optional.empty();
        int i = state.topology().indexOf(service);
        if (i >= 0) return Optional.of(state.topology().spec(i));
        return Optional.ofNullable(state.retired().get(service)).map(State.Retired::spec);
    }

    static Optional<ServiceRuntime> runtimeOf(State state, String service) {
        if (state.loaded().isEmpty()) return Optional.empty();
        int i = state.topology().indexOf(service);
        if (i >= 0) return Optional.of(state.service(i));
        return Optional.ofNullable(state.retired().get(service)).map(State.Retired::runtime);
    }
}
