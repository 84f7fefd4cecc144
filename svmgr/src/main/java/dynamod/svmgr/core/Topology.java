package dynamod.svmgr.core;

import dynamod.conf.Configuration;
import dynamod.conf.OrderingGraph;
import dynamod.conf.spec.Relation;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The shape of a configuration that the rules walk: services numbered in start order (dependency wave, then name),
 * each with its relations as indexes, and the supervision tree with every supervisor's children in start order.
 * Immutable and derived from the configuration alone, so replay rebuilds the same one. The configuration must be
 * acyclic (the loader refuses cycles).
 */
public final class Topology {

    /** A supervisor's node: its children in start order (services and supervisors) and every service below it. */
    public record SupervisorNode(SupervisorSpec spec, Optional<String> parent, List<String> children, int[] descendants,
            int rank, int depth) {

        public String name() {
            return spec.name();
        }
    }

    private final Configuration configuration;
    private final ServiceSpec[] specs;
    private final Map<String, Integer> index;
    private final int[][] requires;
    private final String[][] missingRequires;
    private final int[][] wants;
    private final int[][] predecessors;
    private final int[][] successors;
    private final int[][] requirers;
    private final String[][] supervisorChain;
    private final Map<String, SupervisorNode> supervisors;

    private Topology(Configuration configuration) {
        this.configuration = configuration;
        OrderingGraph<Relation> graph = configuration.startOrder();
        if (!graph.cyclicComponents().isEmpty()) throw new IllegalArgumentException("dependency cycle: " + graph.cyclicComponents());
        List<String> order = new ArrayList<>();
        graph.waves().forEach(order::addAll);
        int n = order.size();
        specs = new ServiceSpec[n];
        index = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            specs[i] = configuration.services().get(order.get(i));
            index.put(order.get(i), i);
        }
        requires = new int[n][];
        missingRequires = new String[n][];
        wants = new int[n][];
        List<List<Integer>> before = new ArrayList<>(n);
        List<List<Integer>> after = new ArrayList<>(n);
        List<List<Integer>> requiredBy = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            before.add(new ArrayList<>());
            after.add(new ArrayList<>());
            requiredBy.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            var deps = specs[i].dependencies();
            requires[i] = indexes(deps.requires());
            missingRequires[i] = deps.requires().stream().filter(r -> !index.containsKey(r)).distinct().toArray(String[]::new);
            wants[i] = indexes(deps.wants());
            for (int r : requires[i]) requiredBy.get(r).add(i);
            for (Relation relation : List.of(Relation.REQUIRES, Relation.WANTS, Relation.AFTER)) {
                for (int p : indexes(deps.of(relation))) order(before, after, p, i);
            }
            for (int s : indexes(deps.before())) order(before, after, i, s);
        }
        predecessors = sorted(before);
        successors = sorted(after);
        requirers = sorted(requiredBy);
        supervisors = buildTree();
        supervisorChain = new String[n][];
        for (int i = 0; i < n; i++) {
            List<String> chain = new ArrayList<>();
            for (Optional<String> s = Optional.of(specs[i].supervisor()); s.isPresent(); s = supervisors.get(s.get()).parent()) {
                chain.add(s.get());
            }
            supervisorChain[i] = chain.toArray(String[]::new);
        }
    }

    /** The topology of a configuration; its services must not form a dependency cycle. */
    public static Topology of(Configuration configuration) {
        return new Topology(configuration);
    }

    private static void order(List<List<Integer>> before, List<List<Integer>> after, int first, int then) {
        if (first == then) return;
        before.get(then).add(first);
        after.get(first).add(then);
    }

    private int[] indexes(List<String> names) {
        return names.stream().filter(index::containsKey).mapToInt(index::get).distinct().sorted().toArray();
    }

    private static int[][] sorted(List<List<Integer>> lists) {
        int[][] result = new int[lists.size()][];
        for (int i = 0; i < result.length; i++) result[i] = lists.get(i).stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
        return result;
    }

    private Map<String, SupervisorNode> buildTree() {
        Map<String, List<String>> childSupervisors = new HashMap<>();
        Map<String, List<Integer>> childServices = new HashMap<>();
        for (SupervisorSpec s : configuration.supervisors().values()) {
            s.parent().ifPresent(p -> childSupervisors.computeIfAbsent(p, k -> new ArrayList<>()).add(s.name()));
        }
        for (int i = 0; i < specs.length; i++) childServices.computeIfAbsent(specs[i].supervisor(), k -> new ArrayList<>()).add(i);
        Map<String, SupervisorNode> nodes = new HashMap<>();
        build(SupervisorSpec.ROOT, 0, childSupervisors, childServices, nodes);
        return Map.copyOf(nodes);
    }

    /** Builds a node after its children; iterative depth would only matter for absurd trees, and depth is bounded by names. */
    private SupervisorNode build(String name, int depth, Map<String, List<String>> childSupervisors,
            Map<String, List<Integer>> childServices, Map<String, SupervisorNode> nodes) {
        SupervisorSpec spec = configuration.supervisors().get(name);
        record Child(String name, int rank) {}
        List<Child> children = new ArrayList<>();
        TreeSet<Integer> descendants = new TreeSet<>();
        for (int service : childServices.getOrDefault(name, List.of())) {
            children.add(new Child(specs[service].name(), service));
            descendants.add(service);
        }
        for (String child : childSupervisors.getOrDefault(name, List.of())) {
            SupervisorNode node = build(child, depth + 1, childSupervisors, childServices, nodes);
            children.add(new Child(child, node.rank()));
            for (int d : node.descendants()) descendants.add(d);
        }
        children.sort(Comparator.comparingInt(Child::rank).thenComparing(Child::name));
        int rank = descendants.isEmpty() ? Integer.MAX_VALUE : descendants.first();
        SupervisorNode node = new SupervisorNode(spec, spec.parent(), children.stream().map(Child::name).toList(),
                descendants.stream().mapToInt(Integer::intValue).toArray(), rank, depth);
        nodes.put(name, node);
        return node;
    }

    // ---------------------------------------------------------------- queries

    public Configuration configuration() {
        return configuration;
    }

    public int size() {
        return specs.length;
    }

    /** The service's number: its place in start order. */
    public int indexOf(String service) {
        Integer i = index.get(service);
        return i == null ? -1 : i;
    }

    public boolean hasService(String name) {
        return index.containsKey(name);
    }

    public boolean hasSupervisor(String name) {
        return supervisors.containsKey(name);
    }

    public ServiceSpec spec(int service) {
        return specs[service];
    }

    public String name(int service) {
        return specs[service].name();
    }

    /** Loaded services it requires. */
    public int[] requires(int service) {
        return requires[service];
    }

    /** Services it requires that are not loaded: it cannot start. */
    public String[] missingRequires(int service) {
        return missingRequires[service];
    }

    public int[] wants(int service) {
        return wants[service];
    }

    /** Services it starts after (requires, wants, after, and those that are before it). */
    public int[] predecessors(int service) {
        return predecessors[service];
    }

    /** Services that start after it; they stop before it. */
    public int[] successors(int service) {
        return successors[service];
    }

    /** Services that require it. */
    public int[] requirers(int service) {
        return requirers[service];
    }

    /** Its supervisor, that one's parent, and so on up to root. */
    public String[] supervisorChain(int service) {
        return supervisorChain[service];
    }

    public SupervisorNode supervisor(String name) {
        SupervisorNode node = supervisors.get(name);
        if (node == null) throw new IllegalArgumentException("no supervisor " + name);
        return node;
    }

    public SupervisorNode root() {
        return supervisors.get(SupervisorSpec.ROOT);
    }

    public List<String> supervisorNames() {
        return supervisors.keySet().stream().sorted().toList();
    }

    /** Whether {@code name} is a supervisor under {@code ancestor} (or is it). */
    public boolean isWithin(String name, String ancestor) {
        for (Optional<String> s = Optional.of(name); s.isPresent(); s = supervisors.get(s.get()).parent()) {
            if (s.get().equals(ancestor)) return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "Topology[" + specs.length + " services, " + supervisors.size() + " supervisors]";
    }

    /** For tests: the services in start order. */
    public List<String> startOrder() {
        return Arrays.stream(specs).map(ServiceSpec::name).toList();
    }
}
