package dynamod.svmgr.core;

import dynamod.conf.Configuration;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import dynamod.journal.text.Json;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What switching from the running configuration to a new one does, per service and supervisor: add, remove,
 * restart (something its running process was started with changed), update (the change applies without a
 * restart: at its next start, or to its supervision), or keep. Pure; computing it for thousands of services takes
 * milliseconds. The manager executes it by applying the new configuration and requesting the restarts.
 */
public record SwitchPlan(List<Entry> entries) {

    public enum Action { ADD, REMOVE, RESTART, UPDATE, KEEP }

    public enum Kind { SERVICE, SUPERVISOR }

    /** One service or supervisor: what happens to it, and what changed (or why it is kept). */
    public record Entry(Kind kind, String name, Action action, List<String> changes) {
        public Entry {
            changes = List.copyOf(changes);
        }
    }

    public SwitchPlan {
        entries = List.copyOf(entries);
    }

    /** The plan for switching {@code state}'s running configuration to {@code next}. */
    public static SwitchPlan compute(State state, Configurations.Effective next) {
        Configuration old = state.loaded().orElseThrow().configuration();
        Configuration neu = next.configuration();
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new TreeSet<>(old.services().keySet());
        names.addAll(neu.services().keySet());
        for (String name : names) {
            ServiceSpec before = old.services().get(name);
            ServiceSpec after = neu.services().get(name);
            if (before == null) {
                entries.add(new Entry(Kind.SERVICE, name, Action.ADD, List.of()));
            } else if (after == null) {
                boolean running = state.service(name).hasProcess();
                entries.add(new Entry(Kind.SERVICE, name, Action.REMOVE, List.of(running ? "stopped" : "not running")));
            } else if (next.keptServices().contains(name)) {
                entries.add(new Entry(Kind.SERVICE, name, Action.KEEP, List.of("its file has errors: the running version is kept")));
            } else {
                entries.add(serviceEntry(name, before, after, state.service(name)));
            }
        }
        Set<String> supervisors = new TreeSet<>(old.supervisors().keySet());
        supervisors.addAll(neu.supervisors().keySet());
        for (String name : supervisors) {
            SupervisorSpec before = old.supervisors().get(name);
            SupervisorSpec after = neu.supervisors().get(name);
            if (before == null) entries.add(new Entry(Kind.SUPERVISOR, name, Action.ADD, List.of()));
            else if (after == null) entries.add(new Entry(Kind.SUPERVISOR, name, Action.REMOVE, List.of()));
            else if (next.keptSupervisors().contains(name)) {
                entries.add(new Entry(Kind.SUPERVISOR, name, Action.KEEP, List.of("its file has errors: the running version is kept")));
            } else {
                List<String> changes = supervisorChanges(before, after);
                entries.add(new Entry(Kind.SUPERVISOR, name, changes.isEmpty() ? Action.KEEP : Action.UPDATE, changes));
            }
        }
        return new SwitchPlan(entries);
    }

    /** What a running process was started with: a change restarts it. */
    private static List<String> restartChanges(ServiceSpec a, ServiceSpec b) {
        List<String> changes = new ArrayList<>();
        if (!a.exec().equals(b.exec())) changes.add("exec");
        if (!a.workdir().equals(b.workdir())) changes.add("workdir");
        if (a.type() != b.type()) changes.add("type");
        if (!a.pidFile().equals(b.pidFile())) changes.add("pid-file");
        if (!a.environment().equals(b.environment())) changes.add("environment");
        if (!a.environmentFiles().equals(b.environmentFiles())) changes.add("environment-file");
        if (!a.credentials().equals(b.credentials())) changes.add("user or groups");
        if (!a.isolation().equals(b.isolation())) changes.add("isolation");
        if (!a.dependencies().equals(b.dependencies())) changes.add("dependencies");
        return changes;
    }

    /**
     * What applies without a restart: at the next start, to supervision and stopping, (logs) to how the running
     * service's output is read: the pipes stay, only their framing and rate limit change; or (limits) to its cgroup,
     * whose limit files the manager rewrites live.
     */
    private static List<String> updateChanges(ServiceSpec a, ServiceSpec b) {
        List<String> changes = new ArrayList<>();
        if (!a.description().equals(b.description())) changes.add("description");
        if (!a.supervisor().equals(b.supervisor())) changes.add("supervisor");
        if (!a.restart().equals(b.restart())) changes.add("restart");
        if (!a.readiness().equals(b.readiness())) changes.add("readiness");
        if (!a.shutdown().equals(b.shutdown())) changes.add("shutdown");
        if (!a.logs().equals(b.logs())) changes.add("logs");
        if (!a.cgroup().equals(b.cgroup())) changes.add("limits");
        return changes;
    }

    private static Entry serviceEntry(String name, ServiceSpec before, ServiceSpec after, ServiceRuntime runtime) {
        List<String> restart = restartChanges(before, after);
        List<String> update = updateChanges(before, after);
        List<String> all = new ArrayList<>(restart);
        all.addAll(update);
        if (!restart.isEmpty() && runtime.hasProcess()) return new Entry(Kind.SERVICE, name, Action.RESTART, all);
        // A service being started waits for the readiness it was started with: another kind needs a new start (a new
        // timeout alone does not: it is re-armed).
        if (!sameExceptTimeout(before.readiness(), after.readiness()) && runtime.state() == dynamod.journal.event.ServiceState.STARTING) {
            return new Entry(Kind.SERVICE, name, Action.RESTART, all);
        }
        return new Entry(Kind.SERVICE, name, all.isEmpty() ? Action.KEEP : Action.UPDATE, all);
    }

    private static boolean sameExceptTimeout(Readiness a, Readiness b) {
        return switch (a) {
            case Readiness.Immediate x -> b instanceof Readiness.Immediate;
            case Readiness.Exit x -> b instanceof Readiness.Exit;
            case Readiness.Notify x -> b instanceof Readiness.Notify;
            case Readiness.TcpPort x -> b instanceof Readiness.TcpPort y && x.host().equals(y.host()) && x.port() == y.port()
                    && x.interval().equals(y.interval());
            case Readiness.Exec x -> b instanceof Readiness.Exec y && x.command().equals(y.command()) && x.interval().equals(y.interval());
            case Readiness.Fd x -> b instanceof Readiness.Fd y && x.fd() == y.fd();
        };
    }

    private static List<String> supervisorChanges(SupervisorSpec a, SupervisorSpec b) {
        List<String> changes = new ArrayList<>();
        if (!a.description().equals(b.description())) changes.add("description");
        if (!a.parent().equals(b.parent())) changes.add("parent");
        if (a.strategy() != b.strategy()) changes.add("strategy");
        if (!a.intensity().equals(b.intensity())) changes.add("intensity");
        if (a.giveUp() != b.giveUp() || !a.giveUpDelay().equals(b.giveUpDelay())) changes.add("give-up");
        return changes;
    }

    // ---------------------------------------------------------------- queries and rendering

    public List<Entry> of(Action action) {
        return entries.stream().filter(e -> e.action() == action).toList();
    }

    public Optional<Entry> entry(Kind kind, String name) {
        return entries.stream().filter(e -> e.kind() == kind && e.name().equals(name)).findFirst();
    }

    /** How many entries of each action. */
    public Map<Action, Integer> counts() {
        Map<Action, Integer> counts = new EnumMap<>(Action.class);
        for (Action a : Action.values()) counts.put(a, 0);
        for (Entry e : entries) counts.merge(e.action(), 1, Integer::sum);
        return counts;
    }

    /** For people: the changes, one per line, then how many services and supervisors stay as they are. */
    public String render() {
        StringBuilder out = new StringBuilder();
        long kept = 0;
        for (Entry e : entries) {
            if (e.action() == Action.KEEP && e.changes().isEmpty()) {
                kept++;
                continue;
            }
            out.append(String.format("%-8s %-10s %s", e.action().name().toLowerCase(java.util.Locale.ROOT),
                    e.kind().name().toLowerCase(java.util.Locale.ROOT), e.name()));
            if (!e.changes().isEmpty()) out.append(" (").append(String.join(", ", e.changes())).append(')');
            out.append('\n');
        }
        out.append(kept == entries.size() ? "no changes" : kept + " unchanged").append('\n');
        return out.toString();
    }

    /** For programs: {@code {"counts": {...}, "entries": [{"kind", "name", "action", "changes"}]}} without unchanged ones. */
    public String toJson() {
        Map<String, Object> root = Json.object();
        Map<String, Object> counts = Json.object();
        counts().forEach((action, n) -> counts.put(action.name().toLowerCase(java.util.Locale.ROOT), n));
        root.put("counts", counts);
        List<Object> list = new ArrayList<>();
        for (Entry e : entries) {
            if (e.action() == Action.KEEP && e.changes().isEmpty()) continue;
            Map<String, Object> item = Json.object();
            item.put("kind", e.kind().name().toLowerCase(java.util.Locale.ROOT));
            item.put("name", e.name());
            item.put("action", e.action().name().toLowerCase(java.util.Locale.ROOT));
            item.put("changes", e.changes());
            list.add(item);
        }
        root.put("entries", list);
        return Json.write(root);
    }
}
