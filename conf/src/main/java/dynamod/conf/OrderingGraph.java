package dynamod.conf;

import dynamod.conf.spec.Relation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A start-order graph: an edge {@code from → to} means "from starts after to". Finds cycles (one per strongly
 * connected component, more until every member is on a printed one) and the start waves of an acyclic graph.
 * Iterative throughout, so thousands of services never exhaust the stack. Deterministic: nodes sort by name.
 *
 * @param <E> what an edge carries (for example where it was declared); the first edge between two nodes wins
 */
public final class OrderingGraph<E> {

    /** {@code from} starts after {@code to}. */
    public record Edge<E>(String from, String to, E label) {}

    /** A cycle as its edges: {@code a → b, b → c, c → a}. */
    public record Cycle<E>(List<Edge<E>> edges) {
        /** {@code a → b → c → a}. */
        public String path() {
            StringBuilder text = new StringBuilder(edges.getFirst().from());
            for (Edge<E> edge : edges) text.append(" → ").append(edge.to());
            return text.toString();
        }

        public List<String> nodes() {
            return edges.stream().map(Edge::from).toList();
        }
    }

    private final Map<String, Map<String, Edge<E>>> out = new TreeMap<>();

    public void addNode(String node) {
        out.computeIfAbsent(node, n -> new LinkedHashMap<>());
    }

    public void addEdge(String from, String to, E label) {
        addNode(to);
        out.computeIfAbsent(from, n -> new LinkedHashMap<>()).putIfAbsent(to, new Edge<>(from, to, label));
    }

    /** Adds the edge that "service relation target" means: before is the one relation that points the other way. */
    public void addRelation(String service, Relation relation, String target, E label) {
        if (relation == Relation.BEFORE) addEdge(target, service, label);
        else addEdge(service, target, label);
    }

    public Set<String> nodes() {
        return Collections.unmodifiableSet(out.keySet());
    }

    /** Every node that lies on a cycle, grouped by strongly connected component. */
    public List<Set<String>> cyclicComponents() {
        List<Set<String>> result = new ArrayList<>();
        for (Set<String> component : stronglyConnectedComponents()) {
            String only = component.iterator().next();
            if (component.size() > 1 || out.get(only).containsKey(only)) result.add(component);
        }
        return result;
    }

    /**
     * Cycles that together cover every node of every cyclic component, at most {@code perComponent} per component,
     * each the shortest through its first uncovered node, starting at its smallest name.
     */
    public List<Cycle<E>> cycles(int perComponent) {
        List<Cycle<E>> cycles = new ArrayList<>();
        for (Set<String> component : cyclicComponents()) {
            Set<String> uncovered = new TreeSet<>(component);
            int found = 0;
            while (!uncovered.isEmpty() && found < perComponent) {
                Cycle<E> cycle = shortestCycleThrough(uncovered.iterator().next(), component);
                cycle.nodes().forEach(uncovered::remove);
                cycles.add(cycle);
                found++;
            }
        }
        return cycles;
    }

    private Cycle<E> shortestCycleThrough(String start, Set<String> component) {
        Map<String, Edge<E>> reachedBy = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        Edge<E> closing = null;
        while (!queue.isEmpty() && closing == null) {
            String node = queue.removeFirst();
            for (Edge<E> edge : out.get(node).values()) {
                if (!component.contains(edge.to())) continue;
                if (edge.to().equals(start)) {
                    closing = edge;
                    break;
                }
                if (!reachedBy.containsKey(edge.to())) {
                    reachedBy.put(edge.to(), edge);
                    queue.addLast(edge.to());
                }
            }
        }
        List<Edge<E>> edges = new ArrayList<>();
        for (Edge<E> edge = closing; ; edge = reachedBy.get(edge.from())) {
            edges.addFirst(edge);
            if (edge.from().equals(start)) break;
        }
        int smallest = 0;
        for (int i = 1; i < edges.size(); i++) if (edges.get(i).from().compareTo(edges.get(smallest).from()) < 0) smallest = i;
        Collections.rotate(edges, -smallest);
        return new Cycle<>(edges);
    }

    /** Tarjan's algorithm with an explicit stack. */
    private List<Set<String>> stronglyConnectedComponents() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> components = new ArrayList<>();
        int counter = 0;
        for (String root : out.keySet()) {
            if (index.containsKey(root)) continue;
            Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
            index.put(root, counter);
            low.put(root, counter++);
            stack.push(root);
            onStack.add(root);
            work.push(Map.entry(root, out.get(root).keySet().iterator()));
            while (!work.isEmpty()) {
                var frame = work.peek();
                String node = frame.getKey();
                if (frame.getValue().hasNext()) {
                    String next = frame.getValue().next();
                    if (!index.containsKey(next)) {
                        index.put(next, counter);
                        low.put(next, counter++);
                        stack.push(next);
                        onStack.add(next);
                        work.push(Map.entry(next, out.get(next).keySet().iterator()));
                    } else if (onStack.contains(next)) {
                        low.put(node, Math.min(low.get(node), index.get(next)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = work.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(node)));
                }
                if (low.get(node).equals(index.get(node))) {
                    Set<String> component = new TreeSet<>();
                    String member;
                    do {
                        member = stack.pop();
                        onStack.remove(member);
                        component.add(member);
                    } while (!member.equals(node));
                    components.add(component);
                }
            }
        }
        components.sort((a, b) -> a.iterator().next().compareTo(b.iterator().next()));
        return components;
    }

    /**
     * The start waves if every service became ready at once: wave 1 has no predecessors, wave n+1 waits only
     * for services of waves up to n. Nodes on cycles are left out, and so is everything after them.
     */
    public List<List<String>> waves() {
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, List<String>> successors = new HashMap<>();
        for (var entry : out.entrySet()) {
            waiting.put(entry.getKey(), entry.getValue().size());
            for (String to : entry.getValue().keySet()) successors.computeIfAbsent(to, n -> new ArrayList<>()).add(entry.getKey());
        }
        List<List<String>> waves = new ArrayList<>();
        List<String> current = waiting.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).sorted().toList();
        while (!current.isEmpty()) {
            waves.add(current);
            List<String> next = new ArrayList<>();
            for (String done : current) {
                for (String successor : successors.getOrDefault(done, List.of())) {
                    if (waiting.merge(successor, -1, Integer::sum) == 0) next.add(successor);
                }
            }
            Collections.sort(next);
            current = next;
        }
        return waves;
    }
}
