package dynamod.svmgr.core;

import dynamod.conf.ConfigLoader;
import dynamod.conf.ConfigSource;
import dynamod.conf.Configuration;
import dynamod.conf.LoadResult;
import dynamod.conf.OrderingGraph;
import dynamod.conf.spec.Relation;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import dynamod.journal.event.SystemEvent.ConfigFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration the manager runs: what the loader made of the files, plus, on a switch, the running version of
 * every service or supervisor whose new file has errors (a broken edit never stops what runs). Pure: the same
 * files and the same previous configuration always give the same result, which is how replay rebuilds it.
 */
public final class Configurations {

    private Configurations() {}

    /** The effective configuration and what was kept from the previous one. */
    public record Effective(LoadResult result, Configuration configuration, Set<String> keptServices, Set<String> keptSupervisors) {}

    private record Cached(String contentHash, LoadResult result) {}

    /** Loading thousands of files costs milliseconds, and decide and apply both need the last one. */
    private static volatile Cached last;

    /**
     * Loads files as a ConfigurationLoaded event carries them; {@code contentHash} is the loader's hash of those
     * files (names and bytes), so equal hashes mean equal files.
     */
    public static LoadResult load(String contentHash, List<ConfigFile> files) {
        Cached cached = last;
        if (cached != null && cached.contentHash().equals(contentHash)) return cached.result();
        List<ConfigSource> sources = files.stream()
                .map(f -> new ConfigSource(Path.of(f.path()), f.bytes(), kindOf(f.kind())))
                .toList();
        return remember(ConfigLoader.load(sources));
    }

    /** Keeps a result for the next {@link #load}, without its source lines (only printing diagnostics needs them). */
    public static LoadResult remember(LoadResult result) {
        LoadResult slim = new LoadResult(result.configuration(), result.diagnostics(), result.rejectedServices(),
                result.rejectedSupervisors(), result.serviceFiles(), result.supervisorFiles(), result.contentHash(), result.partial(),
                java.util.Map.of());
        last = new Cached(result.contentHash(), slim);
        return slim;
    }

    /** The files as a ConfigurationLoaded event carries them. */
    public static List<ConfigFile> files(List<ConfigSource> sources) {
        return sources.stream().map(s -> new ConfigFile(s.path().toString(), kindName(s.kind()), s.bytes())).toList();
    }

    public static String kindName(ConfigSource.Kind kind) {
        return switch (kind) {
            case SERVICE -> "service";
            case SUPERVISOR -> "supervisor";
            case BY_CONTENT -> "file";
        };
    }

    private static ConfigSource.Kind kindOf(String name) {
        return switch (name) {
            case "service" -> ConfigSource.Kind.SERVICE;
            case "supervisor" -> ConfigSource.Kind.SUPERVISOR;
            case "file" -> ConfigSource.Kind.BY_CONTENT;
            default -> throw new IllegalArgumentException("unknown configuration file kind " + name);
        };
    }

    /**
     * The configuration to run: the loaded one, plus the previous spec of each rejected name that was running, with
     * a supervisor that no longer exists replaced by root. A kept spec that would close a dependency cycle is dropped.
     */
    public static Effective effective(Optional<Configuration> previous, LoadResult result) {
        Configuration loaded = result.configuration();
        if (previous.isEmpty()) return new Effective(result, normalized(loaded.services(), loaded.supervisors()), Set.of(), Set.of());
        Configuration old = previous.get();
        Map<String, ServiceSpec> services = new TreeMap<>(loaded.services());
        Map<String, SupervisorSpec> supervisors = new TreeMap<>(loaded.supervisors());
        Set<String> keptServices = new TreeSet<>();
        Set<String> keptSupervisors = new TreeSet<>();
        for (String name : result.rejectedSupervisors()) {
            SupervisorSpec before = old.supervisors().get(name);
            if (before == null) continue;
            // A configured root that now fails keeps its running settings rather than falling back to the built-in one.
            if (name.equals(SupervisorSpec.ROOT) && before.origin().isEmpty()) continue;
            supervisors.put(name, before);
            keptSupervisors.add(name);
        }
        for (String name : result.rejectedServices()) {
            ServiceSpec before = old.services().get(name);
            if (before == null || supervisors.containsKey(name)) continue;
            services.put(name, before);
            keptServices.add(name);
        }
        Configuration merged = normalized(services, supervisors);
        // The new files are acyclic among themselves; a kept old spec may close a cycle with them.
        OrderingGraph<Relation> graph = merged.startOrder();
        List<Set<String>> cycles = graph.cyclicComponents();
        if (!cycles.isEmpty()) {
            for (Set<String> cycle : cycles) {
                for (String name : cycle) {
                    if (keptServices.remove(name)) services.remove(name);
                }
            }
            merged = normalized(services, supervisors);
        }
        return new Effective(result, merged, keptServices, keptSupervisors);
    }

    /** Parents and supervisors that are not there become root, so every node leads up to root. */
    private static Configuration normalized(Map<String, ServiceSpec> services, Map<String, SupervisorSpec> supervisors) {
        Map<String, SupervisorSpec> fixed = new TreeMap<>(supervisors);
        if (!fixed.containsKey(SupervisorSpec.ROOT)) throw new IllegalArgumentException("no root supervisor");
        for (var entry : supervisors.entrySet()) {
            SupervisorSpec s = entry.getValue();
            if (s.name().equals(SupervisorSpec.ROOT)) continue;
            if (s.parent().isEmpty() || !reachesRoot(s.name(), supervisors)) {
                fixed.put(s.name(), new SupervisorSpec(s.name(), s.description(), Optional.of(SupervisorSpec.ROOT), s.strategy(),
                        s.intensity(), s.giveUp(), s.giveUpDelay(), s.origin()));
            }
        }
        Map<String, ServiceSpec> fixedServices = new TreeMap<>();
        for (ServiceSpec s : services.values()) {
            fixedServices.put(s.name(), fixed.containsKey(s.supervisor()) ? s : withSupervisor(s, SupervisorSpec.ROOT));
        }
        return new Configuration(new TreeMap<>(fixedServices), new TreeMap<>(fixed));
    }

    private static boolean reachesRoot(String name, Map<String, SupervisorSpec> supervisors) {
        Set<String> seen = new TreeSet<>();
        for (String s = name; ; ) {
            if (s.equals(SupervisorSpec.ROOT)) return true;
            SupervisorSpec spec = supervisors.get(s);
            if (spec == null || spec.parent().isEmpty() || !seen.add(s)) return false;
            s = spec.parent().get();
        }
    }

    private static ServiceSpec withSupervisor(ServiceSpec s, String supervisor) {
        return new ServiceSpec(s.name(), s.description(), supervisor, s.exec(), s.workdir(), s.type(), s.pidFile(), s.environment(),
                s.environmentFiles(), s.credentials(), s.restart(), s.readiness(), s.dependencies(), s.cgroup(), s.isolation(),
                s.shutdown(), s.logs(), s.origin());
    }
}
