package dynamod.svmgr.core;

import dynamod.conf.LoadResult;
import dynamod.conf.spec.GiveUp;
import dynamod.conf.spec.Intensity;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.RestartPolicy;
import dynamod.conf.spec.RestartSpec;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.Strategy;
import dynamod.conf.spec.SupervisorSpec;
import dynamod.conf.value.Durations;
import dynamod.conf.value.Signal;
import dynamod.journal.event.CommandEvent.CommandAccepted;
import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.Event;
import dynamod.journal.event.NotifyEvent.ErrnoReported;
import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.Reloading;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.NotifyEvent.Stopping;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceRestartRequested;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawnRequested;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceEvent.ServiceStopCommandStarted;
import dynamod.journal.event.ServiceEvent.ServiceTargetSet;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.GroupRestarting;
import dynamod.journal.event.SupervisorEvent.GroupStopped;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownProgressed;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One decision: the rules that turn an input into events and effects. Every event is applied to the forked state
 * at once, so each rule sees the consequences of the ones before it; a worklist of services and supervisors whose
 * neighbourhood changed then settles everything that can move (the event-driven frontier: nothing polls).
 */
final class Decider {

    private static final Set<String> SHUTDOWN_KINDS = Set.of("poweroff", "reboot", "halt", "exit");

    private final Options options;
    private final State s;
    private final long now;
    private final List<Event> events = new ArrayList<>();
    private final List<Effect> effects = new ArrayList<>();
    private final BitSet dirty = new BitSet();
    /** Services that entered STOPPING: their stops are sent highest first, so siblings stop in reverse start order. */
    private final BitSet stopDue = new BitSet();
    /** Deepest first: a child supervisor's group or escalation completes before its parent looks. */
    private final TreeSet<SupervisorKey> dirtySupervisors = new TreeSet<>();
    private boolean retiredDirty;

    private record SupervisorKey(int depth, String name) implements Comparable<SupervisorKey> {
        @Override
        public int compareTo(SupervisorKey o) {
            return depth != o.depth ? Integer.compare(o.depth, depth) : name.compareTo(o.name);
        }
    }

    private record Why(ServiceState state, String reason, Optional<String> cause) {
        static Why of(ServiceState state, String reason) {
            return new Why(state, reason, Optional.empty());
        }

        static Why of(ServiceState state, String reason, String cause) {
            return new Why(state, reason, Optional.of(cause));
        }
    }

    /** Settling is the frontier: a service is started when this is what it should do. */
    private static final Why START = Why.of(ServiceState.STARTING, "starting");

    Decider(Options options, State fork, long now) {
        this.options = options;
        this.s = fork;
        this.now = now;
    }

    Decision decide(Input input) {
        switch (input) {
            case Input.LoadConfiguration in -> loadConfiguration(in);
            case Input.Start in -> start(in.service(), in.caller());
            case Input.Stop in -> stop(in.service(), in.caller());
            case Input.Restart in -> restart(in.service(), in.caller());
            case Input.Reload in -> reload(in.service(), in.caller());
            case Input.Shutdown in -> shutdown(in.kind(), in.caller());
            case Input.ProcessSpawned in -> spawned(in);
            case Input.SpawnFailed in -> spawnFailed(in);
            case Input.ProcessExited in -> exited(in);
            case Input.ReadinessObserved in -> readinessObserved(in.service(), in.pid(), in.detector());
            case Input.MainPidFound in -> mainPidFound(in);
            case Input.MainPidNotFound in -> mainPidNotFound(in);
            case Input.Notified in -> notified(in);
            case Input.TimerFired in -> timerFired(in.timer());
        }
        if (s.loaded().isPresent()) settle();
        return new Decision(events, effects, s);
    }

    // ================================================================ emitting

    private void emit(Event event) {
        if (event instanceof ServiceStateChanged e) beforeTransition(e);
        events.add(event);
        Apply.apply(s, event, now);
        if (s.loaded().isEmpty()) return;
        switch (event) {
            case ServiceStateChanged e -> afterTransition(e);
            case ServiceTargetSet e -> markService(e.service());
            case ServiceRestartRequested e -> markService(e.service());
            case Escalated e -> markSupervisorAndSubtree(e.supervisor());
            case GaveUp e -> markSupervisorAndSubtree(e.supervisor());
            case SupervisorRestarted e -> markSupervisorAndSubtree(e.supervisor());
            case GroupRestarting e -> {
                e.services().forEach(this::markService);
                markSupervisor(e.supervisor());
            }
            case GroupStopped e -> e.members().forEach(this::markService);
            case ShutdownRequested e -> markAll();
            case ConfigurationLoaded e -> markAll();
            default -> {}
        }
    }

    private void effect(Effect effect) {
        effects.add(effect);
    }

    /** Timers and probes that belong to the state being left end with it. */
    private void beforeTransition(ServiceStateChanged e) {
        Optional<ServiceRuntime> runtime = Apply.runtimeOf(s, e.service());
        Optional<ServiceSpec> spec = Apply.specOf(s, e.service());
        if (runtime.isEmpty() || spec.isEmpty() || runtime.get().state() == e.to()) return;
        ServiceRuntime r = runtime.get();
        switch (r.state()) {
            case STARTING -> {
                // Whatever was armed at its start, even if a configuration switch changed its readiness since.
                effect(new Effect.CancelTimer(new TimerId(e.service(), TimerId.Kind.READY)));
                effect(new Effect.StopProbe(e.service()));
            }
            case STOPPING -> {
                if (r.stopSignalledAt() != 0 && !r.killed()) effect(new Effect.CancelTimer(new TimerId(e.service(), TimerId.Kind.STOP)));
            }
            case WAITING -> {
                if (r.notBefore() > now) effect(new Effect.CancelTimer(new TimerId(e.service(), TimerId.Kind.RESTART)));
            }
            default -> {}
        }
    }

    private void afterTransition(ServiceStateChanged e) {
        int i = s.topology().indexOf(e.service());
        if (i < 0) {
            retiredDirty = true;
            return;
        }
        Topology t = s.topology();
        dirty.set(i);
        for (int j : t.successors(i)) dirty.set(j);
        for (int j : t.predecessors(i)) dirty.set(j);
        if (!ServiceRuntime.hasProcess(e.to())) for (String sup : t.supervisorChain(i)) markSupervisor(sup);
        if (e.to() == ServiceState.STOPPING) stopDue.set(i);
        if (e.from() == ServiceState.STARTING && options.maxParallelStarts() > 0) dirty.or(s.waiting());
        if (!s.retired().isEmpty() && !ServiceRuntime.hasProcess(e.to())) retiredDirty = true; // a removed one may wait for it
    }

    private void markService(String name) {
        int i = s.topology().indexOf(name);
        if (i >= 0) dirty.set(i);
        else if (s.retired().containsKey(name)) retiredDirty = true;
    }

    private void markSubtree(String supervisor) {
        for (int i : s.topology().supervisor(supervisor).descendants()) dirty.set(i);
    }

    private void markSupervisor(String supervisor) {
        if (s.topology().hasSupervisor(supervisor)) dirtySupervisors.add(new SupervisorKey(s.topology().supervisor(supervisor).depth(), supervisor));
    }

    private void markSupervisorAndSubtree(String supervisor) {
        if (!s.topology().hasSupervisor(supervisor)) return;
        markSubtree(supervisor);
        markSupervisor(supervisor);
    }

    private void markAll() {
        dirty.set(0, s.topology().size());
        s.topology().supervisorNames().forEach(this::markSupervisor);
        retiredDirty = true;
    }

    // ================================================================ settling

    private void settle() {
        Topology t = s.topology();
        long budget = 64L * (t.size() + t.supervisorNames().size() + s.retired().size() + 16);
        while (true) {
            if (--budget < 0) throw new IllegalStateException("the rules did not settle: a bug in the manager's core");
            int i = dirty.nextSetBit(0);
            if (i >= 0) {
                dirty.clear(i);
                settleService(i);
                continue;
            }
            if (retiredDirty) {
                retiredDirty = false;
                settleRetired();
                continue;
            }
            int stopping = stopDue.previousSetBit(stopDue.length() - 1);
            if (stopping >= 0) {
                stopDue.clear(stopping);
                sendStopWhenDue(stopping);
                continue;
            }
            SupervisorKey supervisor = dirtySupervisors.pollFirst();
            if (supervisor != null) {
                if (t.hasSupervisor(supervisor.name())) settleSupervisor(supervisor.name());
                continue;
            }
            break;
        }
        finishShutdownIfDown();
    }

    private void settleService(int i) {
        ServiceRuntime r = s.service(i);
        switch (r.state()) {
            case STARTING, RUNNING, RELOADING -> {
                Why down = downReason(i, r);
                if (down != null) emit(changed(i, r, ServiceState.STOPPING, down.reason(), down.cause()));
            }
            case STOPPING -> stopDue.set(i);
            case INACTIVE, WAITING, STOPPED, DONE, FAILED, BLOCKED -> settleIdle(i, r);
        }
    }

    /** Why a service that has a process must stop, or null if it may stay up. */
    private Why downReason(int i, ServiceRuntime r) {
        Topology t = s.topology();
        if (s.mode() != State.Mode.NORMAL) return Why.of(ServiceState.STOPPING, "shutting down");
        if (!r.wanted()) return Why.of(ServiceState.STOPPING, "stopped by command");
        if (r.restartPending()) return Why.of(ServiceState.STOPPING, "restarting");
        if (r.failure() != null) return Why.of(ServiceState.STOPPING, r.failure());
        String supervisor = inactiveSupervisor(i);
        if (supervisor != null) return Why.of(ServiceState.STOPPING, supervisorWhy(supervisor), supervisor);
        if (r.groupHeld()) {
            String group = groupOf(i);
            return Why.of(ServiceState.STOPPING, "restarted with its group by " + group, group);
        }
        for (String missing : t.missingRequires(i)) {
            return Why.of(ServiceState.STOPPING, "requires " + missing + ", which is not loaded", missing);
        }
        for (int j : t.requires(i)) {
            ServiceRuntime required = s.service(j);
            if (!required.ready()) {
                return Why.of(ServiceState.STOPPING, "requires " + t.name(j) + ", which is " + describe(required), rootCause(j));
            }
        }
        return null;
    }

    /** The state a service without a process should be in, or START if it should start now. */
    private Why idleTarget(int i, ServiceRuntime r) {
        Topology t = s.topology();
        if (s.mode() != State.Mode.NORMAL) {
            return r.finished() || r.state() == ServiceState.STOPPED ? keep(r) : Why.of(ServiceState.STOPPED, "shut down");
        }
        if (!r.wanted()) return r.state() == ServiceState.STOPPED ? keep(r) : Why.of(ServiceState.STOPPED, "stopped by command");
        if (r.finished()) return keep(r);
        String supervisor = inactiveSupervisor(i);
        if (supervisor != null) {
            ServiceState state = s.supervisor(supervisor).status() == SupervisorRuntime.Status.GAVE_UP ? ServiceState.BLOCKED : ServiceState.WAITING;
            return Why.of(state, supervisorWhy(supervisor), supervisor);
        }
        if (r.groupHeld()) {
            String group = groupOf(i);
            return Why.of(ServiceState.WAITING, "waiting for its group to stop (restart by " + group + ")", group);
        }
        for (String missing : t.missingRequires(i)) {
            return Why.of(ServiceState.BLOCKED, "requires " + missing + ", which is not loaded", missing);
        }
        int waitingFor = -1;
        for (int j : t.requires(i)) {
            ServiceRuntime required = s.service(j);
            if (required.ready()) continue;
            if (blocks(required)) return Why.of(ServiceState.BLOCKED, "requires " + t.name(j) + ", which is " + describe(required), rootCause(j));
            if (waitingFor < 0) waitingFor = j;
        }
        if (waitingFor >= 0) return Why.of(ServiceState.WAITING, "waiting for " + t.name(waitingFor), t.name(waitingFor));
        if (r.notBefore() > now) return Why.of(ServiceState.WAITING, r.reason());
        for (int j : t.predecessors(i)) {
            if (comingUp(j)) return Why.of(ServiceState.WAITING, "waiting for " + t.name(j), t.name(j));
        }
        if (options.maxParallelStarts() > 0 && s.starting() >= options.maxParallelStarts()) {
            return Why.of(ServiceState.WAITING, "waiting for a start slot (" + options.maxParallelStarts() + " start at once)");
        }
        return START;
    }

    private static Why keep(ServiceRuntime r) {
        return new Why(r.state(), r.reason(), r.cause());
    }

    private void settleIdle(int i, ServiceRuntime r) {
        Why target = idleTarget(i, r);
        if (target == START) {
            startProcess(i, r);
            return;
        }
        // A waiting service is not re-recorded for each thing it waits for in turn; who blocks it is.
        boolean same = target.state() == r.state() && (target.state() != ServiceState.BLOCKED || target.cause().equals(r.cause()));
        if (!same) emit(changed(i, r, target.state(), target.reason(), target.cause()));
    }

    /** Whether a required service in this state keeps its requirers from starting until someone acts. */
    private static boolean blocks(ServiceRuntime r) {
        return switch (r.state()) {
            case FAILED, BLOCKED, STOPPED -> true;
            case INACTIVE -> r.finished() || !r.wanted();
            case WAITING, STARTING, STOPPING -> !r.wanted();
            case RUNNING, RELOADING, DONE -> false;
        };
    }

    /**
     * Whether a predecessor is on its way up, so that what is ordered after it waits. One waiting out a restart
     * delay, or held by a supervisor that gave up or escalates, is not: ordering never makes a service wait for that.
     */
    private boolean comingUp(int j) {
        ServiceRuntime r = s.service(j);
        return switch (r.state()) {
            case STARTING -> true;
            case WAITING -> r.notBefore() <= now && inactiveSupervisor(j) == null;
            case INACTIVE -> r.wanted() && !r.finished();
            case STOPPING -> r.restartPending() && r.wanted();
            case RUNNING, RELOADING, DONE, FAILED, BLOCKED, STOPPED -> false;
        };
    }

    /** The service that is the origin of a block: a blocked service's own cause, else the service itself. */
    private String rootCause(int j) {
        ServiceRuntime r = s.service(j);
        return r.state() == ServiceState.BLOCKED ? r.cause().orElse(s.topology().name(j)) : s.topology().name(j);
    }

    private static String describe(ServiceRuntime r) {
        return switch (r.state()) {
            case BLOCKED -> "blocked" + r.cause().map(c -> " by " + c).orElse("");
            case INACTIVE -> r.finished() ? "inactive (" + r.reason() + ")" : "not started";
            default -> r.state().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The first supervisor above the service that is not supervising (escalating, or root having given up), or null. */
    private String inactiveSupervisor(int i) {
        String[] chain = s.topology().supervisorChain(i);
        for (int k = chain.length - 1; k >= 0; k--) {
            if (s.supervisor(chain[k]).status() != SupervisorRuntime.Status.ACTIVE) return chain[k];
        }
        return null;
    }

    private String supervisorWhy(String supervisor) {
        return s.supervisor(supervisor).status() == SupervisorRuntime.Status.GAVE_UP
                ? "supervisor " + supervisor + " gave up"
                : "supervisor " + supervisor + " exceeded its restart intensity";
    }

    /** The supervisor whose group restart holds the service. */
    private String groupOf(int i) {
        String name = s.topology().name(i);
        for (String supervisor : s.topology().supervisorChain(i)) {
            if (s.supervisor(supervisor).groupServices().contains(name)) return supervisor;
        }
        return s.topology().spec(i).supervisor();
    }

    private boolean chainActive(String supervisor) {
        Topology t = s.topology();
        for (Optional<String> x = Optional.of(supervisor); x.isPresent(); x = t.supervisor(x.get()).parent()) {
            if (s.supervisor(x.get()).status() != SupervisorRuntime.Status.ACTIVE) return false;
        }
        return true;
    }

    // ================================================================ starting

    private void startProcess(int i, ServiceRuntime r) {
        Topology t = s.topology();
        ServiceSpec spec = t.spec(i);
        int attempt = r.attempt() + 1;
        emit(changed(i, r, ServiceState.STARTING, attempt == 1 ? "starting" : "starting (attempt " + attempt + ")", Optional.empty()));
        emit(new ServiceSpawnRequested(spec.name(), attempt));
        effect(new Effect.Spawn(spec.name(), spec, attempt));
        spec.readiness().timeout().ifPresent(timeout ->
                effect(new Effect.StartTimer(new TimerId(spec.name(), TimerId.Kind.READY), now + timeout.toNanos())));
    }

    private void spawned(Input.ProcessSpawned in) {
        Optional<ServiceRuntime> runtime = Apply.runtimeOf(s, in.service());
        if (runtime.isEmpty() || !awaitingSpawn(runtime.get())) return;
        emit(new ServiceSpawned(in.service(), in.pid(), in.executable()));
        ServiceRuntime r = Apply.runtimeOf(s, in.service()).orElseThrow();
        if (s.mode() == State.Mode.DOWN) { // spawned after the shutdown deadline killed everything else
            kill(in.service(), r);
            return;
        }
        if (r.state() == ServiceState.STOPPING) {
            markService(in.service());
            return;
        }
        ServiceSpec spec = Apply.specOf(s, in.service()).orElseThrow();
        if (spec.type() == ServiceType.FORKING || spec.type() == ServiceType.ONESHOT) return; // their exit decides
        switch (spec.readiness()) {
            case Readiness.Immediate ready -> becameReady(in.service(), "spawn");
            case Readiness.Notify notify -> {}
            case Readiness.Exit exit -> {}
            case Readiness.TcpPort probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
            case Readiness.Exec probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
            case Readiness.Fd probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
        }
    }

    private static boolean awaitingSpawn(ServiceRuntime r) {
        return (r.state() == ServiceState.STARTING || r.state() == ServiceState.STOPPING) && !r.spawned();
    }

    private void spawnFailed(Input.SpawnFailed in) {
        Optional<ServiceRuntime> runtime = Apply.runtimeOf(s, in.service());
        if (runtime.isEmpty() || !awaitingSpawn(runtime.get())) return;
        emit(new ServiceSpawnFailed(in.service(), in.step(), in.errno(), in.message()));
        String reason = "cannot start: " + in.step() + ": " + in.message();
        processGone(in.service(), true, reason);
    }

    private void becameReady(String service, String detector) {
        ServiceRuntime r = Apply.runtimeOf(s, service).orElseThrow();
        emit(new ServiceReady(service, r.pid(), detector, Math.max(0, (now - r.since()) / 1000)));
        emit(changed(service, r, ServiceState.RUNNING, "ready (" + detector + ")", Optional.empty()));
    }

    /** A probe's answer counts for the process it probed, and only for a service that is probed. */
    private void readinessObserved(String service, int pid, String detector) {
        Optional<ServiceRuntime> r = Apply.runtimeOf(s, service);
        Optional<ServiceSpec> spec = Apply.specOf(s, service);
        if (r.isEmpty() || spec.isEmpty() || r.get().state() != ServiceState.STARTING || r.get().pid() == 0 || r.get().pid() != pid) return;
        if (spec.get().type() == ServiceType.ONESHOT || !isProbe(spec.get().readiness())) return;
        becameReady(service, detector);
    }

    private void mainPidFound(Input.MainPidFound in) {
        Optional<ServiceRuntime> runtime = Apply.runtimeOf(s, in.service());
        if (runtime.isEmpty() || !awaitingMainPid(runtime.get())) return;
        emit(new MainPidChanged(in.service(), 0, in.pid()));
        if (runtime.get().state() == ServiceState.STOPPING) {
            ServiceRuntime r = Apply.runtimeOf(s, in.service()).orElseThrow();
            ServiceSpec spec = Apply.specOf(s, in.service()).orElseThrow();
            if (r.stopSignalledAt() != 0) {
                // Its starter was already told to stop: tell the daemon too; the stop timer runs on.
                int signal = spec.shutdown().stopSignal().number();
                emit(new ServiceSignalled(in.service(), in.pid(), signal, false));
                effect(new Effect.Signal(in.service(), in.pid(), signal, false));
            } else {
                markService(in.service());
            }
            return;
        }
        switch (Apply.specOf(s, in.service()).orElseThrow().readiness()) {
            case Readiness.TcpPort probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
            case Readiness.Exec probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
            case Readiness.Fd probe -> effect(new Effect.StartProbe(in.service(), in.pid(), probe));
            case Readiness.Immediate ready -> becameReady(in.service(), "exit");
            case Readiness.Exit exit -> becameReady(in.service(), "exit");
            case Readiness.Notify notify -> {}
        }
    }

    private void mainPidNotFound(Input.MainPidNotFound in) {
        Optional<ServiceRuntime> runtime = Apply.runtimeOf(s, in.service());
        if (runtime.isEmpty() || !awaitingMainPid(runtime.get())) return;
        processGone(in.service(), true, "no main process: " + in.reason());
    }

    /** A forking service whose starting process exited 0 and whose daemon is being looked for. */
    private static boolean awaitingMainPid(ServiceRuntime r) {
        return (r.state() == ServiceState.STARTING || r.state() == ServiceState.STOPPING) && r.spawned() && r.pid() == 0
                && r.forkerPid() == 0;
    }

    // ================================================================ processes ending

    private void exited(Input.ProcessExited in) {
        Optional<String> owner = s.serviceOfPid(in.pid());
        if (owner.isEmpty()) return; // not a process of ours: an adopted orphan init reaped
        String service = owner.get();
        ServiceRuntime r = Apply.runtimeOf(s, service).orElseThrow();
        boolean forker = in.pid() == r.forkerPid();
        boolean main = in.pid() == r.pid();
        emit(new ServiceExited(service, in.pid(), in.status(), main));
        if (!main && !forker) return;
        // The daemon forked: find it, also when the service is stopping (then it is stopped as soon as it is found).
        if (forker && (r.state() == ServiceState.STARTING || r.state() == ServiceState.STOPPING) && in.status().success()) {
            ServiceSpec spec = Apply.specOf(s, service).orElseThrow();
            effect(new Effect.FindMainPid(service, spec.pidFile(), in.pid()));
            return;
        }
        if (forker && r.state() == ServiceState.STARTING) {
            processGone(service, true, "its starting process " + in.status() + " before the daemon started");
            return;
        }
        ServiceSpec spec = Apply.specOf(s, service).orElseThrow();
        if (r.state() == ServiceState.STARTING && spec.type() == ServiceType.ONESHOT && in.status().success()) {
            emit(new ServiceReady(service, in.pid(), "exit", Math.max(0, (now - r.since()) / 1000)));
        }
        processGone(service, !in.status().success(), in.status().toString());
    }

    /** The service's process is gone (or never came): the next state, through the restart policy if it ended by itself. */
    private void processGone(String service, boolean abnormal, String reason) {
        ServiceRuntime r = Apply.runtimeOf(s, service).orElseThrow();
        int i = s.topology().indexOf(service);
        if (i < 0) {
            emit(changed(service, r, ServiceState.STOPPED, "removed from the configuration", Optional.empty()));
            return;
        }
        if (r.state() == ServiceState.STOPPING) {
            if (r.failure() != null) ended(i, r, true, r.failure());
            else rest(i, r, "stopped");
            return;
        }
        ended(i, r, abnormal, reason);
    }

    /** A stop completed: into the state it should rest in (it may start again at once, from there). */
    private void rest(int i, ServiceRuntime r, String reason) {
        Why target = idleTarget(i, r.with().restartPending(false).failure(null).build());
        if (target == START) {
            emit(changed(i, r, ServiceState.WAITING, reason + "; starting again", Optional.empty()));
            return;
        }
        String why = target.state() == ServiceState.WAITING || target.state() == ServiceState.BLOCKED ? reason + "; " + target.reason() : target.reason();
        emit(changed(i, r, target.state(), why, target.cause()));
    }

    /** It ended by itself (or failed): its restart policy, then its start limit, then its supervisor decide. */
    private void ended(int i, ServiceRuntime r, boolean abnormal, String reason) {
        ServiceSpec spec = s.topology().spec(i);
        if (s.mode() != State.Mode.NORMAL || !r.wanted() || r.restartPending() || r.groupHeld() || inactiveSupervisor(i) != null) {
            rest(i, r, reason);
            return;
        }
        RestartSpec policy = spec.restart();
        boolean restart = switch (policy.policy()) {
            case PERMANENT -> true;
            case TRANSIENT -> abnormal;
            case TEMPORARY -> false;
        };
        if (!restart) {
            ServiceState end = abnormal ? ServiceState.FAILED : spec.type() == ServiceType.ONESHOT ? ServiceState.DONE : ServiceState.INACTIVE;
            String why = end == ServiceState.DONE ? "done" : reason + "; " + policy.policy().tomlName() + ": not restarted";
            emit(changed(i, r, end, why, Optional.empty()));
            return;
        }
        long[] recent = Windows.within(r.restartTimes(), now, policy.window().toNanos());
        if (recent.length + 1 > policy.maxRestarts()) {
            emit(changed(i, r, ServiceState.FAILED, reason + "; start limit: more than " + policy.maxRestarts() + " restarts within "
                    + Durations.format(policy.window()), Optional.empty()));
            return;
        }
        long delay = backoff(policy, recent.length);
        restartChild(spec.supervisor(), spec.name(), delay, recent.length + 1, reason);
    }

    /** delay · 2^(restarts already in the window), at most max-delay. */
    static long backoff(RestartSpec policy, int previousRestarts) {
        long delay = policy.delay().toNanos();
        long max = Math.max(delay, policy.maxDelay().toNanos());
        for (int k = 0; k < previousRestarts && delay < max; k++) delay = delay > max / 2 ? max : delay * 2;
        return Math.min(delay, max);
    }

    // ================================================================ supervision

    /**
     * A supervisor restarts a child (a service that ended, or a child supervisor that escalated and is now down):
     * it counts the restart against its intensity (OTP: more than max restarts within the window and it gives up),
     * then applies its strategy.
     */
    private void restartChild(String supervisor, String child, long delayNanos, int attempt, String reason) {
        Topology t = s.topology();
        SupervisorSpec spec = t.supervisor(supervisor).spec();
        Intensity intensity = spec.intensity();
        long[] recent = Windows.within(s.supervisor(supervisor).restartTimes(), now, intensity.window().toNanos());
        int service = t.indexOf(child);
        if (recent.length + 1 > intensity.maxRestarts()) {
            emit(new IntensityExceeded(supervisor, recent.length + 1, intensity.maxRestarts(), intensity.window().toMillis()));
            if (service >= 0) {
                emit(changed(service, s.service(service), ServiceState.WAITING,
                        reason + "; supervisor " + supervisor + " exceeded its restart intensity", Optional.of(supervisor)));
            }
            escalate(supervisor);
            return;
        }
        long delayMillis = Duration.ofNanos(delayNanos).toMillis();
        emit(new RestartScheduled(supervisor, child, delayMillis, attempt, reason));
        if (service >= 0) {
            String when = delayMillis > 0 ? "restart in " + Durations.format(Duration.ofMillis(delayMillis)) : "restarting";
            emit(changed(service, s.service(service), ServiceState.WAITING, reason + "; " + when, Optional.empty()));
            if (delayMillis > 0) {
                effect(new Effect.StartTimer(new TimerId(child, TimerId.Kind.RESTART), s.service(service).notBefore()));
            }
        }
        List<String> children = t.supervisor(supervisor).children();
        List<String> members = switch (spec.strategy()) {
            case ONE_FOR_ONE -> List.of(child);
            case ONE_FOR_ALL -> children;
            case REST_FOR_ONE -> children.subList(children.indexOf(child), children.size());
        };
        if (members.size() <= 1) {
            if (service < 0) emit(new SupervisorRestarted(child, spec.strategy().tomlName() + " restart by " + supervisor));
            return;
        }
        TreeSet<Integer> services = new TreeSet<>();
        List<String> supervisors = new ArrayList<>();
        for (String member : members) {
            if (t.hasService(member)) {
                services.add(t.indexOf(member));
            } else {
                supervisors.add(member);
                for (int d : t.supervisor(member).descendants()) services.add(d);
            }
        }
        emit(new GroupRestarting(supervisor, child, spec.strategy().tomlName(), services.stream().map(t::name).toList(), supervisors));
    }

    /** The supervisor exceeded its intensity: its subtree stops, then its parent decides; root's give-up policy instead. */
    private void escalate(String supervisor) {
        SupervisorSpec spec = s.topology().supervisor(supervisor).spec();
        if (spec.parent().isPresent()) {
            emit(new Escalated(supervisor, spec.parent().get()));
            return;
        }
        emit(new GaveUp(supervisor, spec.giveUp().tomlName()));
        switch (spec.giveUp()) {
            case STOP -> {}
            case RESTART -> effect(new Effect.StartTimer(new TimerId(supervisor, TimerId.Kind.GIVE_UP), now + spec.giveUpDelay().toNanos()));
            case REBOOT -> requestShutdown("reboot", "root supervisor gave up");
            case POWEROFF -> requestShutdown("poweroff", "root supervisor gave up");
        }
    }

    private void settleSupervisor(String name) {
        Topology t = s.topology();
        SupervisorRuntime r = s.supervisor(name);
        if (r.groupRestarting() && r.groupServices().stream().noneMatch(this::hasProcess)) {
            List<String> services = r.groupServices();
            // OTP: a temporary child is never restarted, not even with its group; the group stopped it.
            List<Integer> temporaries = services.stream().filter(t::hasService).map(t::indexOf)
                    .filter(i -> t.spec(i).supervisor().equals(name) && t.spec(i).restart().policy() == RestartPolicy.TEMPORARY)
                    .filter(i -> s.service(i).wanted() && !s.service(i).finished())
                    .toList();
            emit(new GroupStopped(name, services));
            for (String supervisor : r.groupSupervisors()) {
                emit(new SupervisorRestarted(supervisor, t.supervisor(name).spec().strategy().tomlName() + " restart by " + name));
            }
            for (int i : temporaries) {
                emit(changed(i, s.service(i), ServiceState.INACTIVE, "stopped by the group restart of " + name + "; temporary: not restarted",
                        Optional.of(name)));
            }
            r = s.supervisor(name);
        }
        if (r.status() == SupervisorRuntime.Status.ESCALATING) {
            String parent = t.supervisor(name).parent().orElseThrow();
            boolean down = java.util.Arrays.stream(t.supervisor(name).descendants()).noneMatch(i -> s.service(i).hasProcess());
            if (down && chainActive(parent) && !s.supervisor(parent).groupSupervisors().contains(name)) {
                restartChild(parent, name, 0, 1, "supervisor " + name + " exceeded its restart intensity");
            }
        }
    }

    private boolean hasProcess(String service) {
        return Apply.runtimeOf(s, service).map(ServiceRuntime::hasProcess).orElse(false);
    }

    // ================================================================ stopping

    /** Sends the stop (signal or stop-exec) once everything that starts after it and is going down has stopped. */
    private void sendStopWhenDue(int i) {
        ServiceRuntime r = s.service(i);
        if (r.state() != ServiceState.STOPPING || r.stopSignalledAt() != 0) return;
        Topology t = s.topology();
        for (int j : t.successors(i)) {
            ServiceRuntime successor = s.service(j);
            if (successor.hasProcess() && (successor.state() == ServiceState.STOPPING || downReason(j, successor) != null)) return;
        }
        sendStop(t.name(i), t.spec(i), r);
    }

    private void sendStop(String service, ServiceSpec spec, ServiceRuntime r) {
        int pid = r.pid() != 0 ? r.pid() : r.forkerPid();
        if (pid == 0) return; // the spawn is in flight, or a forking daemon is being found: stopped when it is known
        List<String> stopExec = spec.shutdown().stopExec();
        if (!stopExec.isEmpty() && r.pid() != 0) {
            emit(new ServiceStopCommandStarted(service, pid));
            effect(new Effect.RunStopCommand(service, stopExec));
        } else {
            int signal = spec.shutdown().stopSignal().number();
            emit(new ServiceSignalled(service, pid, signal, false));
            effect(new Effect.Signal(service, pid, signal, false));
        }
        effect(new Effect.StartTimer(new TimerId(service, TimerId.Kind.STOP), now + spec.shutdown().stopTimeout().toNanos()));
    }

    private void kill(String service, ServiceRuntime r) {
        int pid = r.pid() != 0 ? r.pid() : r.forkerPid();
        if (pid == 0 || r.killed()) return;
        if (r.state() != ServiceState.STOPPING) {
            emit(changed(service, r, ServiceState.STOPPING, "killed", Optional.empty()));
        }
        emit(new ServiceSignalled(service, pid, Signal.SIGKILL.number(), true));
        effect(new Effect.Signal(service, pid, Signal.SIGKILL.number(), true));
    }

    /** Services no longer configured: stopped at once, in no order (nothing configured depends on them). */
    private void settleRetired() {
        for (var entry : List.copyOf(s.retired().entrySet())) {
            String name = entry.getKey();
            ServiceRuntime r = entry.getValue().runtime();
            if (r.state() != ServiceState.STOPPING) {
                emit(changed(name, r, ServiceState.STOPPING, "removed from the configuration", Optional.empty()));
                r = s.retired().get(name).runtime();
            }
            if (r.stopSignalledAt() == 0 && !dependentsStillUp(name, entry.getValue().spec())) sendStop(name, entry.getValue().spec(), r);
        }
    }

    /**
     * Whether a configured service that names a removed one (requires, wants, after; or is named by its before) still
     * has a process and is going down: the removed one stops after it, as it would have.
     */
    private boolean dependentsStillUp(String removed, ServiceSpec removedSpec) {
        Topology t = s.topology();
        for (int j = 0; j < t.size(); j++) {
            ServiceRuntime r = s.service(j);
            if (!r.hasProcess() || (r.state() != ServiceState.STOPPING && downReason(j, r) == null)) continue;
            var deps = t.spec(j).dependencies();
            if (deps.requires().contains(removed) || deps.wants().contains(removed) || deps.after().contains(removed)
                    || removedSpec.dependencies().before().contains(t.name(j))) {
                return true;
            }
        }
        return false;
    }

    // ================================================================ notify

    private void notified(Input.Notified in) {
        Optional<String> owner = s.serviceOfPid(in.pid());
        if (owner.isEmpty()) return;
        String service = owner.get();
        ServiceRuntime r = Apply.runtimeOf(s, service).orElseThrow();
        if (in.pid() != r.pid()) return; // only the main process speaks for the service (NotifyAccess=main)
        Notification n = in.notification();
        if (n.mainPid().isPresent() && n.mainPid().getAsInt() != r.pid() && n.mainPid().getAsInt() > 0) {
            int claimed = n.mainPid().getAsInt();
            Optional<String> owner2 = s.serviceOfPid(claimed);
            if (owner2.isPresent()) {
                // Another service's process (or this one's starter) cannot become this one's main process.
                warn(service, in.pid(), "MAINPID=" + claimed + " refused: process " + claimed + " belongs to " + owner2.get());
            } else {
                emit(new MainPidChanged(service, r.pid(), claimed));
            }
        }
        int pid = Apply.runtimeOf(s, service).orElseThrow().pid();
        if (n.status().isPresent() && !n.status().equals(r.status())) emit(new StatusText(service, pid, n.status().get()));
        if (n.errno().isPresent()) emit(new ErrnoReported(service, pid, n.errno().getAsInt()));
        r = Apply.runtimeOf(s, service).orElseThrow();
        if (n.reloading() && r.state() == ServiceState.RUNNING) {
            emit(new Reloading(service, pid));
            emit(changed(service, r, ServiceState.RELOADING, "reloading", Optional.empty()));
        }
        r = Apply.runtimeOf(s, service).orElseThrow();
        if (n.ready()) {
            boolean notifyType = Apply.specOf(s, service).orElseThrow().readiness() instanceof Readiness.Notify;
            if (r.state() == ServiceState.STARTING && notifyType) becameReady(service, "notify");
            else if (r.state() == ServiceState.RELOADING) emit(changed(service, r, ServiceState.RUNNING, "reloaded", Optional.empty()));
        }
        if (n.stopping()) emit(new Stopping(service, pid));
    }

    /** A warning about a service, from the manager, in its log. */
    private void warn(String service, int pid, String message) {
        emit(new dynamod.journal.event.LogEvent.LogLine(service, dynamod.journal.event.LogStream.MANAGER, 4, pid, "dynamod",
                message.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0));
    }

    // ================================================================ timers

    private void timerFired(TimerId timer) {
        switch (timer.kind()) {
            case RESTART -> {
                if (s.loaded().isPresent() && s.topology().hasService(timer.owner())) markService(timer.owner());
            }
            case READY -> {
                Optional<ServiceRuntime> r = Apply.runtimeOf(s, timer.owner());
                Optional<ServiceSpec> spec = Apply.specOf(s, timer.owner());
                if (r.isEmpty() || spec.isEmpty() || r.get().state() != ServiceState.STARTING) return;
                Optional<Duration> timeout = spec.get().readiness().timeout();
                if (timeout.isEmpty()) return;
                if (now - r.get().since() < timeout.get().toNanos()) { // the timeout was raised since it was armed
                    effect(new Effect.StartTimer(timer, r.get().since() + timeout.get().toNanos()));
                    return;
                }
                emit(new ReadinessTimedOut(timer.owner(), r.get().pid(), detector(spec.get()), timeout.get().toMillis()));
                markService(timer.owner());
            }
            case STOP -> {
                Optional<ServiceRuntime> r = Apply.runtimeOf(s, timer.owner());
                Optional<ServiceSpec> spec = Apply.specOf(s, timer.owner());
                if (r.isEmpty() || spec.isEmpty() || r.get().state() != ServiceState.STOPPING || r.get().stopSignalledAt() == 0) return;
                if (r.get().killed()) return;
                long due = r.get().stopSignalledAt() + spec.get().shutdown().stopTimeout().toNanos();
                if (now < due) { // the stop timeout was raised since it was armed
                    effect(new Effect.StartTimer(timer, due));
                    return;
                }
                kill(timer.owner(), r.get());
            }
            case SHUTDOWN -> {
                if (s.mode() != State.Mode.SHUTTING_DOWN || now < s.shutdown().orElseThrow().deadline()) return;
                int inFlight = killEverything();
                finishShutdown(s.shutdown().orElseThrow(), false, inFlight);
            }
            case SHUTDOWN_PROGRESS -> {
                if (s.mode() != State.Mode.SHUTTING_DOWN || s.loaded().isEmpty()) return;
                State.Shutdown shutdown = s.shutdown().orElseThrow();
                longestStopping().ifPresent(name -> {
                    ServiceRuntime r = Apply.runtimeOf(s, name).orElseThrow();
                    long limit = Apply.specOf(s, name).orElseThrow().shutdown().stopTimeout().toMillis();
                    emit(new ShutdownProgressed(name, (now - r.since()) / 1_000_000, Math.min(limit, (shutdown.deadline() - r.since()) / 1_000_000)));
                });
                effect(new Effect.StartTimer(timer, now + options.shutdownProgressInterval().toNanos()));
            }
            case GIVE_UP -> {
                if (s.loaded().isEmpty() || !s.topology().hasSupervisor(timer.owner())) return;
                SupervisorRuntime r = s.supervisor(timer.owner());
                SupervisorSpec spec = s.topology().supervisor(timer.owner()).spec();
                if (r.status() != SupervisorRuntime.Status.GAVE_UP || spec.giveUp() != GiveUp.RESTART || s.mode() != State.Mode.NORMAL) return;
                if (now - r.since() < spec.giveUpDelay().toNanos()) { // the delay was raised since it was armed
                    effect(new Effect.StartTimer(timer, r.since() + spec.giveUpDelay().toNanos()));
                    return;
                }
                emit(new SupervisorRestarted(timer.owner(), "give-up-delay of " + Durations.format(spec.giveUpDelay()) + " passed"));
            }
        }
    }

    private static String detector(ServiceSpec spec) {
        return switch (spec.readiness()) {
            case Readiness.Immediate r -> "spawn";
            case Readiness.Exit r -> "exit";
            case Readiness.Notify r -> "notify";
            case Readiness.TcpPort r -> "tcp-port";
            case Readiness.Exec r -> "exec";
            case Readiness.Fd r -> "fd";
        };
    }

    private static boolean isProbe(Readiness readiness) {
        return readiness instanceof Readiness.TcpPort || readiness instanceof Readiness.Exec || readiness instanceof Readiness.Fd;
    }

    // ================================================================ shutdown

    private void shutdown(String kind, Caller caller) {
        if (!SHUTDOWN_KINDS.contains(kind)) {
            reject("shutdown", kind, caller, "unknown shutdown kind \"" + kind + "\"; use poweroff, reboot, halt or exit");
            return;
        }
        if (s.mode() != State.Mode.NORMAL) {
            reject("shutdown", kind, caller, "already " + (s.mode() == State.Mode.DOWN ? "down" : "shutting down (" + s.shutdown().orElseThrow().kind() + ")"));
            return;
        }
        accept("shutdown", kind, caller);
        requestShutdown(kind, caller.name() + " (uid " + caller.uid() + ", pid " + caller.pid() + ")");
    }

    private void requestShutdown(String kind, String requestedBy) {
        if (s.mode() != State.Mode.NORMAL) return;
        emit(new ShutdownRequested(kind, requestedBy, options.shutdownTimeout().toMillis()));
        effect(new Effect.CancelTimer(new TimerId(SupervisorSpec.ROOT, TimerId.Kind.GIVE_UP)));
        effect(new Effect.StartTimer(new TimerId("", TimerId.Kind.SHUTDOWN), s.shutdown().orElseThrow().deadline()));
        effect(new Effect.StartTimer(new TimerId("", TimerId.Kind.SHUTDOWN_PROGRESS), now + options.shutdownProgressInterval().toNanos()));
        if (s.loaded().isEmpty()) finishShutdown(s.shutdown().orElseThrow(), true, 0);
    }

    private void finishShutdownIfDown() {
        if (s.mode() != State.Mode.SHUTTING_DOWN || !s.retired().isEmpty()) return;
        Topology t = s.topology();
        for (int i = 0; i < t.size(); i++) if (s.service(i).hasProcess()) return;
        State.Shutdown shutdown = s.shutdown().orElseThrow();
        finishShutdown(shutdown, shutdown.killed() == 0, 0);
    }

    /** {@code inFlight}: spawns not answered yet, killed as soon as they are (and by init's last sweep). */
    private void finishShutdown(State.Shutdown shutdown, boolean clean, int inFlight) {
        emit(new ShutdownFinished(shutdown.kind(), clean, s.shutdown().orElseThrow().killed() + inFlight));
        effect(new Effect.CancelTimer(new TimerId("", TimerId.Kind.SHUTDOWN)));
        effect(new Effect.CancelTimer(new TimerId("", TimerId.Kind.SHUTDOWN_PROGRESS)));
        effect(new Effect.ShutdownComplete(shutdown.kind()));
    }

    /** SIGKILL to everything that has a process; returns how many spawns are still in flight (no pid to kill yet). */
    private int killEverything() {
        if (s.loaded().isEmpty()) return 0;
        Topology t = s.topology();
        int inFlight = 0;
        for (int i = 0; i < t.size(); i++) {
            ServiceRuntime r = s.service(i);
            if (r.hasProcess() && r.pid() == 0 && r.forkerPid() == 0 && !r.killed()) inFlight++;
            if (r.hasProcess()) kill(t.name(i), r);
        }
        for (var entry : List.copyOf(s.retired().entrySet())) kill(entry.getKey(), entry.getValue().runtime());
        return inFlight;
    }

    private Optional<String> longestStopping() {
        Topology t = s.topology();
        String longest = null;
        long since = Long.MAX_VALUE;
        for (int i = 0; i < t.size(); i++) {
            ServiceRuntime r = s.service(i);
            if (r.hasProcess() && r.since() < since) {
                since = r.since();
                longest = t.name(i);
            }
        }
        for (var entry : s.retired().entrySet()) {
            if (entry.getValue().runtime().since() < since) {
                since = entry.getValue().runtime().since();
                longest = entry.getKey();
            }
        }
        return Optional.ofNullable(longest);
    }

    // ================================================================ commands

    /** A command's target: a service (also as NAME.service, the unit name) or a supervisor. */
    private Optional<String> resolve(String target) {
        Topology t = s.topology();
        if (t.hasService(target) || t.hasSupervisor(target)) return Optional.of(target);
        if (target.endsWith(".service") && t.hasService(target.substring(0, target.length() - 8))) {
            return Optional.of(target.substring(0, target.length() - 8));
        }
        return Optional.empty();
    }

    /** Checks what every command needs; returns the resolved target or empty after rejecting. */
    private Optional<String> target(String command, String target, Caller caller) {
        if (s.loaded().isEmpty()) {
            reject(command, target, caller, "no configuration is loaded");
            return Optional.empty();
        }
        if (s.mode() != State.Mode.NORMAL && !command.equals("stop")) {
            reject(command, target, caller, "the system is " + (s.mode() == State.Mode.DOWN ? "down" : "shutting down"));
            return Optional.empty();
        }
        Optional<String> name = resolve(target);
        if (name.isEmpty()) reject(command, target, caller, "no service or supervisor named \"" + target + "\"");
        return name;
    }

    private void start(String target, Caller caller) {
        Optional<String> name = target("start", target, caller);
        if (name.isEmpty()) return;
        Topology t = s.topology();
        if (t.hasSupervisor(name.get())) {
            accept("start", name.get(), caller);
            if (s.supervisor(name.get()).status() == SupervisorRuntime.Status.GAVE_UP) {
                emit(new SupervisorRestarted(name.get(), "started by " + caller.name()));
            }
            for (int i : t.supervisor(name.get()).descendants()) wantUp(i, "started with " + name.get() + " by " + caller.name());
            return;
        }
        int i = t.indexOf(name.get());
        String given = givenUp(i);
        if (given != null) {
            reject("start", name.get(), caller, "supervisor " + given + " gave up; start " + given + " to start its tree again");
            return;
        }
        accept("start", name.get(), caller);
        pullUp(i, "started by " + caller.name());
    }

    /** The service and, transitively, what it requires and wants are to be up. */
    private void pullUp(int first, String reason) {
        Topology t = s.topology();
        BitSet seen = new BitSet();
        List<Integer> work = new ArrayList<>(List.of(first));
        while (!work.isEmpty()) {
            int i = work.removeLast();
            if (seen.get(i)) continue;
            seen.set(i);
            wantUp(i, i == first ? reason : "needed by " + t.name(first));
            for (int j : t.requires(i)) work.add(j);
            for (int j : t.wants(i)) work.add(j);
        }
    }

    private void wantUp(int i, String reason) {
        ServiceRuntime r = s.service(i);
        if (!r.wanted() || r.finished()) emit(new ServiceTargetSet(s.topology().name(i), true, reason));
    }

    private String givenUp(int i) {
        String supervisor = inactiveSupervisor(i);
        return supervisor != null && s.supervisor(supervisor).status() == SupervisorRuntime.Status.GAVE_UP ? supervisor : null;
    }

    private void stop(String target, Caller caller) {
        Optional<String> name = target("stop", target, caller);
        if (name.isEmpty()) return;
        accept("stop", name.get(), caller);
        Topology t = s.topology();
        int[] services = t.hasSupervisor(name.get()) ? t.supervisor(name.get()).descendants() : new int[] {t.indexOf(name.get())};
        for (int i : services) {
            if (s.service(i).wanted()) emit(new ServiceTargetSet(t.name(i), false, "stopped by " + caller.name()));
        }
    }

    private void restart(String target, Caller caller) {
        Optional<String> name = target("restart", target, caller);
        if (name.isEmpty()) return;
        Topology t = s.topology();
        boolean supervisor = t.hasSupervisor(name.get());
        if (!supervisor) {
            String given = givenUp(t.indexOf(name.get()));
            if (given != null) {
                reject("restart", name.get(), caller, "supervisor " + given + " gave up; start " + given + " to start its tree again");
                return;
            }
        }
        accept("restart", name.get(), caller);
        if (supervisor && s.supervisor(name.get()).status() == SupervisorRuntime.Status.GAVE_UP) {
            emit(new SupervisorRestarted(name.get(), "restarted by " + caller.name()));
        }
        int[] services = supervisor ? t.supervisor(name.get()).descendants() : new int[] {t.indexOf(name.get())};
        for (int i : services) {
            ServiceRuntime r = s.service(i);
            String reason = "restarted by " + caller.name();
            if (r.hasProcess()) emit(new ServiceRestartRequested(t.name(i), reason));
            if (r.state() == ServiceState.WAITING && r.notBefore() > now) { // waiting out a restart delay: now
                emit(new ServiceRestartRequested(t.name(i), reason));
                effect(new Effect.CancelTimer(new TimerId(t.name(i), TimerId.Kind.RESTART)));
            }
            if (!r.wanted() || r.finished()) {
                if (supervisor) wantUp(i, reason);
                else pullUp(i, reason);
            }
        }
    }

    private void reload(String target, Caller caller) {
        Optional<String> name = target("reload", target, caller);
        if (name.isEmpty()) return;
        Topology t = s.topology();
        if (t.hasSupervisor(name.get())) {
            reject("reload", name.get(), caller, "a supervisor has nothing to reload; reload its services");
            return;
        }
        ServiceRuntime r = s.service(t.indexOf(name.get()));
        if (r.state() != ServiceState.RUNNING || r.pid() == 0) {
            reject("reload", name.get(), caller, "it is not running (" + describe(r) + ")");
            return;
        }
        accept("reload", name.get(), caller);
        int hup = 1;
        emit(new ServiceSignalled(name.get(), r.pid(), hup, false));
        effect(new Effect.Signal(name.get(), r.pid(), hup, false));
    }

    private void accept(String command, String target, Caller caller) {
        emit(new CommandAccepted(command, target, caller.uid(), caller.pid()));
    }

    private void reject(String command, String target, Caller caller, String reason) {
        emit(new CommandRejected(command, target, caller.uid(), caller.pid(), reason));
    }

    // ================================================================ configuration

    private void loadConfiguration(Input.LoadConfiguration in) {
        if (s.mode() != State.Mode.NORMAL) {
            reject("load-configuration", in.path(), in.caller(), "the system is shutting down");
            return;
        }
        LoadResult result = Configurations.remember(dynamod.conf.ConfigLoader.load(in.sources()));
        var files = Configurations.files(in.sources());
        Optional<SwitchPlan> plan = s.loaded().map(l -> SwitchPlan.compute(s, Configurations.effective(Optional.of(l.configuration()), result)));
        accept("load-configuration", in.path(), in.caller());
        emit(new ConfigurationLoaded(in.path(), result.contentHash(), result.configuration().services().size(),
                result.configuration().supervisors().size(), (int) result.errorCount(), (int) result.warningCount(),
                result.diagnostics().stream().map(d -> d.headline()).toList(), files));
        if (plan.isEmpty()) return;
        for (SwitchPlan.Entry entry : plan.get().entries()) {
            if (entry.action() == SwitchPlan.Action.RESTART) {
                emit(new ServiceRestartRequested(entry.name(), "configuration changed: " + String.join(", ", entry.changes())));
            }
        }
        // Timeouts may have changed: every pending timer is set again from the new settings (a lowered one fires sooner).
        Timers.armed(s).forEach(this::effect);
    }

    // ================================================================ helpers

    private ServiceStateChanged changed(int i, ServiceRuntime r, ServiceState to, String reason, Optional<String> cause) {
        return changed(s.topology().name(i), r, to, reason, cause);
    }

    private static ServiceStateChanged changed(String service, ServiceRuntime r, ServiceState to, String reason, Optional<String> cause) {
        int pid = r.pid() != 0 ? r.pid() : r.forkerPid();
        // The exit that ended its process, when this transition is that end.
        Optional<dynamod.journal.event.ExitStatus> exit = r.hasProcess() && !ServiceRuntime.hasProcess(to) ? r.lastExit() : Optional.empty();
        return new ServiceStateChanged(service, r.state(), to, pid, exit, reason, cause);
    }
}
