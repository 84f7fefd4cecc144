package dynamod.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.conf.spec.Relation;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderingGraphTest {

    @Test
    void findsACycleWithItsEdgesStartingAtTheSmallestName() {
        OrderingGraph<String> g = new OrderingGraph<>();
        g.addEdge("b", "c", "b→c");
        g.addEdge("c", "a", "c→a");
        g.addEdge("a", "b", "a→b");
        g.addEdge("d", "a", "d→a");
        List<OrderingGraph.Cycle<String>> cycles = g.cycles(5);
        assertEquals(1, cycles.size());
        assertEquals("a → b → c → a", cycles.getFirst().path());
        assertEquals(List.of("a→b", "b→c", "c→a"), cycles.getFirst().edges().stream().map(OrderingGraph.Edge::label).toList());
        assertEquals(List.of(Set.of("a", "b", "c")), g.cyclicComponents());
    }

    @Test
    void aSelfLoopIsACycle() {
        OrderingGraph<String> g = new OrderingGraph<>();
        g.addEdge("a", "a", "self");
        assertEquals("a → a", g.cycles(5).getFirst().path());
    }

    @Test
    void coversEveryMemberOfABigComponent() {
        OrderingGraph<String> g = new OrderingGraph<>();
        // a ⇄ b and a ⇄ c: one component, two shortest cycles.
        g.addEdge("a", "b", "");
        g.addEdge("b", "a", "");
        g.addEdge("a", "c", "");
        g.addEdge("c", "a", "");
        List<String> paths = g.cycles(5).stream().map(OrderingGraph.Cycle::path).toList();
        assertEquals(List.of("a → b → a", "a → c → a"), paths);
        assertEquals(1, g.cycles(1).size());
    }

    @Test
    void wavesFollowTheOrderAndLeaveOutCycles() {
        OrderingGraph<Relation> g = new OrderingGraph<>();
        g.addRelation("web", Relation.REQUIRES, "db", Relation.REQUIRES);
        g.addRelation("db", Relation.AFTER, "setup", Relation.AFTER);
        g.addRelation("setup", Relation.BEFORE, "log", Relation.BEFORE);
        g.addNode("alone");
        g.addEdge("x", "y", Relation.AFTER);
        g.addEdge("y", "x", Relation.AFTER);
        g.addEdge("z", "x", Relation.AFTER);
        assertEquals(List.of(List.of("alone", "setup"), List.of("db", "log"), List.of("web")), g.waves());
    }

    @Test
    void thousandsOfServicesInAChainNeitherRecurseNorSlowDown() {
        OrderingGraph<String> g = new OrderingGraph<>();
        int n = 50_000;
        for (int i = 1; i < n; i++) g.addEdge("s" + i, "s" + (i - 1), "");
        assertEquals(n, g.waves().size());
        assertTrue(g.cycles(5).isEmpty());
        g.addEdge("s0", "s" + (n - 1), "");
        assertEquals(n, g.cycles(5).getFirst().edges().size());
    }
}
