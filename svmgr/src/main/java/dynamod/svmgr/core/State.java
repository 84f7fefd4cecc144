package dynamod.svmgr.core;

import dynamod.conf.Configuration;
import dynamod.conf.spec.ServiceSpec;
import dynamod.journal.event.ServiceState;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The manager's state: the loaded configuration and every service's and supervisor's run-time record, changed only
 * by {@link Apply} from events. {@link Core#decide} works on a {@link #fork()} (a copy-on-write layer over this
 * state) so that deciding never changes the state it decides on; {@link #commit} adopts a fork once its events are
 * in the journal.
 */
public final class State {

    /** The configuration in force: where it came from, its content hash, and its shape. */
    public record Loaded(String path, String contentHash, Configuration configuration, Topology topology) {}

    /** A service no longer configured whose process still runs: it is stopped, then forgotten. */
    public record Retired(ServiceSpec spec, ServiceRuntime runtime) {}

    public enum Mode {
        /** Services start and are supervised. */
        NORMAL,
        /** Everything stops in reverse dependency order. */
        SHUTTING_DOWN,
        /** Everything is down; nothing starts again. */
        DOWN
    }

    /** A shutdown in progress: what for, who asked, when it began, by when everything must be down, how many were killed. */
    public record Shutdown(String kind, String requestedBy, long startedAt, long deadline, int killed) {
        Shutdown withKilled(int value) {
            return new Shutdown(kind, requestedBy, startedAt, deadline, value);
        }
    }

    private final State base;
    private final long baseVersion;
    private long version;

    private Loaded loaded;
    private Mode mode = Mode.NORMAL;
    private Shutdown shutdown;
    private int starting;

    // A root state owns its arrays and maps; a fork reads through to its base until it writes.
    private ServiceRuntime[] services = new ServiceRuntime[0];
    private final Map<Integer, ServiceRuntime> serviceLayer;
    private Map<String, SupervisorRuntime> supervisors;
    private final Map<String, SupervisorRuntime> supervisorLayer;
    private Map<Integer, String> pids;
    private final Map<Integer, String> pidLayer;
    private Map<String, Retired> retired;
    private boolean retiredCopied;
    private BitSet waiting;
    private boolean waitingCopied;

    private static final String NO_PID = new String("no pid"); // a removed pid in a fork's layer

    public State() {
        base = null;
        baseVersion = 0;
        serviceLayer = null;
        supervisors = new HashMap<>();
        supervisorLayer = null;
        pids = new HashMap<>();
        pidLayer = null;
        retired = new TreeMap<>();
        waiting = new BitSet();
    }

    private State(State base) {
        if (base.base != null) throw new IllegalStateException("a fork of a fork");
        this.base = base;
        baseVersion = base.version;
        loaded = base.loaded;
        mode = base.mode;
        shutdown = base.shutdown;
        starting = base.starting;
        services = null;
        serviceLayer = new HashMap<>();
        supervisorLayer = new HashMap<>();
        pidLayer = new HashMap<>();
        retired = base.retired;
        waiting = base.waiting;
    }

    /** A layer over this state that the decision writes to; this state stays as it is. */
    public State fork() {
        return new State(this);
    }

    /** Adopts a fork of this state, taken when this state was as it is now. */
    public void commit(State fork) {
        if (fork.base != this || fork.baseVersion != version) throw new IllegalStateException("the fork is not of this state as it is");
        loaded = fork.loaded;
        mode = fork.mode;
        shutdown = fork.shutdown;
        starting = fork.starting;
        if (fork.services != null) {
            services = fork.services;
        } else {
            fork.serviceLayer.forEach((i, r) -> services[i] = r);
        }
        if (fork.supervisors != null) supervisors = fork.supervisors;
        else supervisors.putAll(fork.supervisorLayer);
        fork.pidLayer.forEach((pid, name) -> {
            if (name == NO_PID) pids.remove(pid);
            else pids.put(pid, name);
        });
        retired = fork.retired;
        waiting = fork.waiting;
        version++;
    }

    public boolean isFork() {
        return base != null;
    }

    void changed() {
        version++;
    }

    // ---------------------------------------------------------------- configuration and mode

    public Optional<Loaded> loaded() {
        return Optional.ofNullable(loaded);
    }

    public Topology topology() {
        if (loaded == null) throw new IllegalStateException("no configuration loaded");
        return loaded.topology();
    }

    public Mode mode() {
        return mode;
    }

    public Optional<Shutdown> shutdown() {
        return Optional.ofNullable(shutdown);
    }

    /** How many services are spawned and not yet ready. */
    public int starting() {
        return starting;
    }

    void mode(Mode value, Shutdown details) {
        mode = value;
        shutdown = details;
    }

    /** Replaces the configuration and every service record (reindexed to the new topology). */
    void load(Loaded value, ServiceRuntime[] runtimes, Map<String, SupervisorRuntime> supervisorRuntimes) {
        loaded = value;
        services = runtimes;
        if (base != null) serviceLayer.clear();
        if (base == null) {
            supervisors = new HashMap<>(supervisorRuntimes);
        } else {
            supervisorLayer.clear();
            supervisors = new HashMap<>(supervisorRuntimes); // a fork that reloads owns its supervisors
        }
        starting = 0;
        BitSet newWaiting = new BitSet(runtimes.length);
        for (int i = 0; i < runtimes.length; i++) {
            if (runtimes[i].state() == ServiceState.STARTING) starting++;
            if (runtimes[i].state() == ServiceState.WAITING) newWaiting.set(i);
        }
        waiting = newWaiting;
        waitingCopied = true;
    }

    // ---------------------------------------------------------------- services

    public ServiceRuntime service(int index) {
        if (services != null) return services[index];
        ServiceRuntime layered = serviceLayer.get(index);
        return layered != null ? layered : base.service(index);
    }

    public ServiceRuntime service(String name) {
        int i = topology().indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no service " + name);
        return service(i);
    }

    /** The spec of a configured service, or of a removed one that is still stopping. */
    public Optional<ServiceSpec> specOf(String service) {
        return Apply.specOf(this, service);
    }

    /** The run-time state of a configured service, or of a removed one that is still stopping. */
    public Optional<ServiceRuntime> runtimeOf(String service) {
        return Apply.runtimeOf(this, service);
    }

    void service(int index, ServiceRuntime runtime) {
        ServiceState before = service(index).state();
        if (services != null) services[index] = runtime;
        else serviceLayer.put(index, runtime);
        if (before == ServiceState.STARTING) starting--;
        if (runtime.state() == ServiceState.STARTING) starting++;
        if ((before == ServiceState.WAITING) != (runtime.state() == ServiceState.WAITING)) {
            if (base != null && !waitingCopied) {
                waiting = (BitSet) waiting.clone();
                waitingCopied = true;
            }
            waiting.set(index, runtime.state() == ServiceState.WAITING);
        }
    }

    /** Services in state WAITING, by index (start order). */
    public BitSet waiting() {
        return waiting;
    }

    // ---------------------------------------------------------------- supervisors

    public SupervisorRuntime supervisor(String name) {
        if (base != null) {
            SupervisorRuntime layered = supervisorLayer.get(name);
            if (layered != null) return layered;
            if (supervisors != null) return supervisors.get(name);
            return base.supervisor(name);
        }
        return supervisors.get(name);
    }

    void supervisor(String name, SupervisorRuntime runtime) {
        if (base != null && supervisors == null) supervisorLayer.put(name, runtime);
        else supervisors.put(name, runtime);
    }

    // ---------------------------------------------------------------- pids

    /** The service (current or retired) whose main or starting process this is. */
    public Optional<String> serviceOfPid(int pid) {
        if (base != null) {
            String layered = pidLayer.get(pid);
            if (layered == NO_PID) return Optional.empty();
            if (layered != null) return Optional.of(layered);
            return base.serviceOfPid(pid);
        }
        return Optional.ofNullable(pids.get(pid));
    }

    void pid(int pid, String service) {
        if (pid <= 0) return;
        if (base != null) pidLayer.put(pid, service);
        else pids.put(pid, service);
    }

    void forgetPid(int pid) {
        if (pid <= 0) return;
        if (base != null) pidLayer.put(pid, NO_PID);
        else pids.remove(pid);
    }

    // ---------------------------------------------------------------- retired services

    public Map<String, Retired> retired() {
        return java.util.Collections.unmodifiableMap(retired);
    }

    void retire(String name, Retired value) {
        if (base != null && !retiredCopied) {
            retired = new TreeMap<>(retired);
            retiredCopied = true;
        }
        if (value == null) retired.remove(name);
        else retired.put(name, value);
    }

    // ---------------------------------------------------------------- comparison

    /** Everything the state holds, by name: what replay must reproduce exactly. */
    public record View(Optional<String> contentHash, Mode mode, Optional<Shutdown> shutdown, SortedMap<String, ServiceRuntime> services,
            SortedMap<String, SupervisorRuntime> supervisors, SortedMap<Integer, String> pids, Map<String, Retired> retired, int starting) {}

    public View view() {
        SortedMap<String, ServiceRuntime> byName = new TreeMap<>();
        SortedMap<String, SupervisorRuntime> supervisorsByName = new TreeMap<>();
        SortedMap<Integer, String> pidMap = new TreeMap<>();
        if (loaded != null) {
            Topology t = loaded.topology();
            for (int i = 0; i < t.size(); i++) byName.put(t.name(i), service(i));
            for (String s : t.supervisorNames()) supervisorsByName.put(s, supervisor(s));
            for (int i = 0; i < t.size(); i++) {
                int pid = service(i).pid();
                if (pid > 0) serviceOfPid(pid).ifPresent(name -> pidMap.put(pid, name));
                int forker = service(i).forkerPid();
                if (forker > 0) serviceOfPid(forker).ifPresent(name -> pidMap.put(forker, name));
            }
        }
        for (var r : retired.entrySet()) {
            int pid = r.getValue().runtime().pid();
            if (pid > 0) serviceOfPid(pid).ifPresent(name -> pidMap.put(pid, name));
        }
        return new View(loaded().map(Loaded::contentHash), mode, shutdown(), byName, supervisorsByName, pidMap,
                new LinkedHashMap<>(retired), starting);
    }

    @Override
    public String toString() {
        return "State[" + mode + ", " + (loaded == null ? "no configuration" : loaded.topology()) + "]";
    }
}
