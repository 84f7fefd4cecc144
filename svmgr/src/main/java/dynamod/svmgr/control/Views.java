package dynamod.svmgr.control;

import dynamod.conf.spec.ServiceSpec;
import dynamod.journal.text.Json;
import dynamod.svmgr.core.ServiceRuntime;
import dynamod.svmgr.core.State;
import dynamod.svmgr.core.SupervisorRuntime;
import dynamod.svmgr.core.Topology;
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

    /** One line of {@code list}: name, state, since, pid, supervisor, restarts, and why it is where it is. */
    public static Map<String, Object> service(State state, String name, long nowMono, long nowRealMillis) {
        ServiceRuntime r = state.runtimeOf(name).orElseThrow();
        ServiceSpec spec = state.specOf(name).orElseThrow();
        Map<String, Object> m = Json.object();
        m.put("name", name);
        m.put("state", r.state().name().toLowerCase(Locale.ROOT));
        m.put("since", Instant.ofEpochMilli(nowRealMillis - (nowMono - r.since()) / 1_000_000).toString());
        m.put("pid", r.pid());
        m.put("supervisor", spec.supervisor());
        m.put("restarts", r.restartTimes().length);
        m.put("reason", r.reason());
        m.put("cause", r.cause().orElse(null));
        m.put("wanted", r.wanted());
        m.put("removed", state.loaded().isPresent() && !state.topology().hasService(name));
        return m;
    }

    /** {@code status}: the list line plus what the configuration says and how it last ended. */
    public static Map<String, Object> status(State state, String name, long nowMono, long nowRealMillis) {
        Map<String, Object> m = service(state, name, nowMono, nowRealMillis);
        ServiceRuntime r = state.runtimeOf(name).orElseThrow();
        ServiceSpec spec = state.specOf(name).orElseThrow();
        m.put("description", spec.description().orElse(null));
        m.put("unit", spec.unitName());
        m.put("type", spec.type().name().toLowerCase(Locale.ROOT));
        m.put("readiness", spec.readiness().getClass().getSimpleName().toLowerCase(Locale.ROOT));
        m.put("exec", spec.exec());
        m.put("origin", spec.origin().toString());
        m.put("statusText", r.status().orElse(null));
        m.put("lastExit", r.lastExit().map(Object::toString).orElse(null));
        m.put("attempt", r.attempt());
        m.put("failure", r.failure());
        m.put("forkerPid", r.forkerPid());
        return m;
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
