package dynamod.svmgr.control;

import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.value.Durations;
import dynamod.journal.event.ServiceState;
import dynamod.journal.text.Json;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.SupervisorRuntime;
import dynamod.svmgr.core.Topology;
import dynamod.svmgr.core.Windows;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The state as the control protocol shows it: plain maps, ready for JSON. One place, so dynamodctl, the future
 * systemd1 D-Bus service and the offline views of the journal can agree on names.
 */
public final class Views {

    private Views() {}

    /** One line of {@code list}: name, state (systemd's active state and dynamod's own), since, pid, supervisor, restarts, and why. */
    public static Map<String, Object> service(State state, String name, long nowMono, long nowRealMillis) {
        ServiceRuntime r = state.runtimeOf(name).orElseThrow();
        ServiceSpec spec = state.specOf(name).orElseThrow();
        Map<String, Object> m = Json.object();
        m.put("name", name);
        m.put("state", r.state().name().toLowerCase(Locale.ROOT));
        m.put("activeState", activeState(r.state()));
        m.put("since", instant(r.since(), nowMono, nowRealMillis));
        m.put("pid", r.pid());
        m.put("supervisor", spec.supervisor());
        m.put("restarts", restartsInWindow(r, spec, nowMono));
        m.put("reason", r.reason());
        m.put("cause", r.cause().orElse(null));
        m.put("wanted", r.wanted());
        m.put("removed", state.loaded().isPresent() && !state.topology().hasService(name));
        return m;
    }

    /**
     * {@code status}: the list line plus what the configuration says, how its start became ready, its start limit,
     * and how its last process ended. The state's view; the control server adds {@link #cgroup}, read from the
     * machine.
     */
    public static Map<String, Object> status(State state, String name, long nowMono, long nowRealMillis) {
        Map<String, Object> m = service(state, name, nowMono, nowRealMillis);
        ServiceRuntime r = state.runtimeOf(name).orElseThrow();
        ServiceSpec spec = state.specOf(name).orElseThrow();
        m.put("description", spec.description().orElse(null));
        m.put("unit", spec.unitName());
        m.put("type", spec.type().name().toLowerCase(Locale.ROOT));
        m.put("readiness", readiness(spec.readiness()));
        m.put("ready", r.readied().map(ready -> {
            Map<String, Object> o = Json.object();
            o.put("detector", ready.detector());
            o.put("afterMicros", ready.afterMicros());
            return o;
        }).orElse(null));
        m.put("restartLimit", spec.restart().maxRestarts());
        m.put("restartWindow", Durations.format(spec.restart().window()));
        m.put("exec", spec.exec());
        m.put("origin", spec.origin().toString());
        m.put("statusText", r.status().orElse(null));
        m.put("lastExit", r.lastExit().map(exit -> {
            Map<String, Object> o = Json.object();
            o.put("code", exit.bySignal() ? null : exit.code());
            o.put("signal", exit.bySignal() ? exit.signal() : null);
            o.put("coreDumped", exit.coreDumped());
            o.put("text", exit.toString());
            o.put("at", r.lastExitAt() == 0 ? null : instant(r.lastExitAt(), nowMono, nowRealMillis));
            return o;
        }).orElse(null));
        m.put("attempt", r.attempt());
        m.put("failure", r.failure());
        m.put("forkerPid", r.forkerPid());
        return m;
    }

    /**
     * A service's cgroup in {@code status}: its directory and, while it exists, {@code memoryCurrent} (bytes),
     * {@code tasks} (pids.current) and {@code cpuUsageMicros} (cpu.stat usage_usec); each null where its file is
     * missing. {@code current} is null when the group is not there (the service is not running).
     */
    public static Map<String, Object> cgroup(String dir, long[] current) {
        Map<String, Object> m = Json.object();
        m.put("path", dir);
        m.put("memoryCurrent", current == null || current[0] < 0 ? null : current[0]);
        m.put("tasks", current == null || current[1] < 0 ? null : current[1]);
        m.put("cpuUsageMicros", current == null || current[2] < 0 ? null : current[2]);
        return m;
    }

    /**
     * systemd's ActiveState for a dynamod state, so that scripts and the future systemd1 D-Bus service read the
     * same words: {@code waiting} (for dependencies, or for a restart delay) is systemd's activating, {@code done}
     * (a oneshot that succeeded, ready for what needs it) is active, {@code blocked} (a dependency failed) inactive.
     */
    public static String activeState(ServiceState state) {
        return switch (state) {
            case RUNNING, DONE -> "active";
            case RELOADING -> "reloading";
            case WAITING, STARTING -> "activating";
            case STOPPING -> "deactivating";
            case FAILED -> "failed";
            case INACTIVE, STOPPED, BLOCKED -> "inactive";
        };
    }

    /** The readiness detector as configured: its kind, and what it watches. */
    static String readiness(Readiness readiness) {
        String kind = switch (readiness) {
            case Readiness.Immediate i -> "immediate";
            case Readiness.Exit e -> "exit";
            case Readiness.Notify n -> "notify";
            case Readiness.TcpPort t -> "tcp-port " + t.host() + ":" + t.port();
            case Readiness.Exec e -> "exec " + String.join(" ", e.command());
            case Readiness.Fd f -> "fd " + f.fd();
        };
        return kind + readiness.timeout().map(t -> ", timeout " + Durations.format(t)).orElse("");
    }

    /** Its restarts within its start-limit window now (older ones are forgotten only when the next is recorded). */
    private static int restartsInWindow(ServiceRuntime r, ServiceSpec spec, long nowMono) {
        return Windows.within(r.restartTimes(), nowMono, spec.restart().window().toNanos()).length;
    }

    /** A monotonic time as wall-clock time, against a pair of clock readings taken together. */
    private static String instant(long mono, long nowMono, long nowRealMillis) {
        return Instant.ofEpochMilli(nowRealMillis - (nowMono - mono) / 1_000_000).toString();
    }

    public static List<Map<String, Object>> services(State state, long nowMono, long nowRealMillis) {
        List<Map<String, Object>> list = new ArrayList<>();
        if (state.loaded().isEmpty()) return list;
        for (String name : state.topology().startOrder()) list.add(service(state, name, nowMono, nowRealMillis));
        for (String name : state.retired().keySet()) list.add(service(state, name, nowMono, nowRealMillis));
        return list;
    }

    /** The supervisor tree from the root: each supervisor with its strategy, status and children in start order. */
    public static Map<String, Object> tree(State state) {
        if (state.loaded().isEmpty()) return Json.object();
        return supervisor(state, state.topology().root().name());
    }

    private static Map<String, Object> supervisor(State state, String name) {
        Topology t = state.topology();
        Topology.SupervisorNode node = t.supervisor(name);
        SupervisorRuntime r = state.supervisor(name);
        Map<String, Object> m = Json.object();
        m.put("name", name);
        m.put("kind", "supervisor");
        m.put("strategy", node.spec().strategy().toString().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("status", r.status().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("restarts", r.restartTimes().length);
        List<Object> children = new ArrayList<>();
        for (String child : node.children()) {
            if (t.hasSupervisor(child)) {
                children.add(supervisor(state, child));
            } else {
                Map<String, Object> s = Json.object();
                ServiceRuntime sr = state.service(child);
                s.put("name", child);
                s.put("kind", "service");
                s.put("state", sr.state().name().toLowerCase(Locale.ROOT));
                s.put("pid", sr.pid());
                children.add(s);
            }
        }
        m.put("children", children);
        return m;
    }
}
