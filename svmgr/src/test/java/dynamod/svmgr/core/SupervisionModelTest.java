package dynamod.svmgr.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.event.ServiceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Model-based test of supervision: random supervisor trees and random crash sequences, with the core's results
 * checked after every step against a reference model written here from the OTP rules alone — recursive, with no
 * events, no processes and no timers: the simplest thing that can say what must be up.
 */
class SupervisionModelTest {

    private static final int TREES = 1_000;
    private static final String[] STRATEGIES = {"one-for-one", "one-for-all", "rest-for-one"};
    private static final String[] POLICIES = {"permanent", "transient", "temporary"};

    // ---------------------------------------------------------------- the reference model

    enum Status { UP, FAILED, INACTIVE, BLOCKED }

    static final class ModelSupervisor {
        final String name;
        final String parent;
        final String strategy;
        final int maxRestarts;
        final long windowSeconds;
        final List<Long> restarts = new ArrayList<>();
        final List<String> children = new ArrayList<>(); // in start order

        ModelSupervisor(String name, String parent, String strategy, int maxRestarts, long windowSeconds) {
            this.name = name;
            this.parent = parent;
            this.strategy = strategy;
            this.maxRestarts = maxRestarts;
            this.windowSeconds = windowSeconds;
        }
    }

    static final class Model {
        final Map<String, ModelSupervisor> supervisors = new LinkedHashMap<>();
        final Map<String, String> supervisorOf = new TreeMap<>();
        final Map<String, String> policy = new TreeMap<>();
        final Map<String, Status> status = new TreeMap<>();
        final Map<String, Integer> starts = new TreeMap<>();
        boolean gaveUp;
        long now;

        boolean isService(String name) {
            return policy.containsKey(name);
        }

        List<String> servicesBelow(String supervisor) {
            List<String> result = new ArrayList<>();
            for (String child : supervisors.get(supervisor).children) {
                if (isService(child)) result.add(child);
                else result.addAll(servicesBelow(child));
            }
            return result;
        }

        void up(String service) {
            status.put(service, Status.UP);
            starts.merge(service, 1, Integer::sum);
        }

        /** A service's process ended by itself. */
        void ended(String service, boolean abnormal) {
            String p = policy.get(service);
            boolean restart = p.equals("permanent") || (p.equals("transient") && abnormal);
            if (!restart) {
                status.put(service, abnormal ? Status.FAILED : Status.INACTIVE);
                return;
            }
            childFailed(supervisorOf.get(service), service);
        }

        /** OTP: count the restart; over the intensity, terminate the children and fail to the parent; else apply the strategy. */
        void childFailed(String supervisorName, String child) {
            ModelSupervisor s = supervisors.get(supervisorName);
            s.restarts.removeIf(t -> t <= now - s.windowSeconds);
            if (s.restarts.size() + 1 > s.maxRestarts) {
                if (s.parent == null) {
                    gaveUp = true;
                    for (String service : status.keySet()) {
                        if (status.get(service) == Status.UP || isService(child) && service.equals(child)) status.put(service, Status.BLOCKED);
                    }
                    return;
                }
                childFailed(s.parent, supervisorName);
                return;
            }
            s.restarts.add(now);
            List<String> members = switch (s.strategy) {
                case "one-for-one" -> List.of(child);
                case "one-for-all" -> s.children;
                default -> s.children.subList(s.children.indexOf(child), s.children.size());
            };
            for (String member : members) {
                if (!isService(member)) {
                    restartSupervisor(member);
                } else if (member.equals(child) || !policy.get(member).equals("temporary")) {
                    up(member);
                } else if (status.get(member) == Status.UP) {
                    status.put(member, Status.INACTIVE); // a temporary sibling: stopped with the group, not restarted
                }
            }
        }

        /** A restarted supervisor starts afresh: its intensity, and all its children. */
        void restartSupervisor(String name) {
            ModelSupervisor s = supervisors.get(name);
            s.restarts.clear();
            for (String child : s.children) {
                if (isService(child)) up(child);
                else restartSupervisor(child);
            }
        }

        int restartsWithin(String supervisor) {
            ModelSupervisor s = supervisors.get(supervisor);
            return (int) s.restarts.stream().filter(t -> t > now - s.windowSeconds).count();
        }
    }

    // ---------------------------------------------------------------- random trees

    private record Tree(Sim sim, Model model) {}

    private static Tree randomTree(Random random) {
        Sim sim = new Sim();
        Model model = new Model();
        int supervisorCount = 1 + random.nextInt(4);
        List<String> supervisorNames = new ArrayList<>(List.of("root"));
        model.supervisors.put("root", new ModelSupervisor("root", null, STRATEGIES[random.nextInt(3)], random.nextInt(6), 5 + random.nextInt(40)));
        for (int k = 1; k < supervisorCount; k++) {
            String name = "s" + k;
            String parent = supervisorNames.get(random.nextInt(supervisorNames.size()));
            model.supervisors.put(name, new ModelSupervisor(name, parent, STRATEGIES[random.nextInt(3)], random.nextInt(6), 5 + random.nextInt(40)));
            supervisorNames.add(name);
        }
        for (ModelSupervisor s : model.supervisors.values()) {
            String text = (s.parent != null ? "parent = \"" + s.parent + "\"\n" : "") + "strategy = \"" + s.strategy + "\"\n"
                    + "[restart]\nmax-restarts = " + s.maxRestarts + "\nmax-restart-window = \"" + s.windowSeconds + "s\"\n";
            sim.supervisor(s.name, text);
        }
        int serviceCount = 1 + random.nextInt(8);
        for (int k = 0; k < serviceCount; k++) {
            String name = "svc" + k;
            String supervisor = supervisorNames.get(random.nextInt(supervisorNames.size()));
            String policy = POLICIES[random.nextInt(3)];
            model.supervisorOf.put(name, supervisor);
            model.policy.put(name, policy);
            sim.service(name, "supervisor = \"" + supervisor + "\"\n[restart]\npolicy = \"" + policy
                    + "\"\ndelay = \"0s\"\nmax-delay = \"0s\"\nmax-restarts = 1000000\nmax-restart-window = \"1h\"\n");
        }
        orderChildren(model);
        for (String service : model.policy.keySet()) model.up(service);
        sim.load();
        return new Tree(sim, model);
    }

    /** Start order without dependencies: services by name; a child supervisor where its first service is. */
    private static void orderChildren(Model model) {
        List<String> services = new ArrayList<>(model.policy.keySet()); // sorted: a TreeMap
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < services.size(); i++) rank.put(services.get(i), i);
        for (ModelSupervisor s : model.supervisors.values()) {
            for (var e : model.supervisorOf.entrySet()) if (e.getValue().equals(s.name)) s.children.add(e.getKey());
            for (ModelSupervisor c : model.supervisors.values()) if (s.name.equals(c.parent)) s.children.add(c.name);
        }
        // Ranks of supervisors: their smallest service below, computed bottom-up by repetition (trees are tiny).
        for (int pass = 0; pass < model.supervisors.size(); pass++) {
            for (ModelSupervisor s : model.supervisors.values()) {
                int min = s.children.stream().mapToInt(c -> rank.getOrDefault(c, Integer.MAX_VALUE)).min().orElse(Integer.MAX_VALUE);
                rank.put(s.name, min);
            }
        }
        for (ModelSupervisor s : model.supervisors.values()) {
            s.children.sort(Comparator.comparingInt((String c) -> rank.get(c)).thenComparing(Comparator.naturalOrder()));
        }
    }

    // ---------------------------------------------------------------- the test

    @Test
    void randomTreesAndCrashesBehaveAsTheReferenceModelSays() {
        Random seeds = new Random(20261201);
        for (int tree = 0; tree < TREES; tree++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            Tree t = randomTree(random);
            String context = "tree " + tree + " (seed " + seed + ")";
            compare(t, context + " after load");
            int steps = 5 + random.nextInt(40);
            List<String> history = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                t.sim.advanceSeconds(1);
                t.model.now++;
                if (t.model.gaveUp) {
                    history.add("start root");
                    t.sim.start("root");
                    t.model.gaveUp = false;
                    t.model.restartSupervisor("root");
                    compare(t, context + " " + history);
                    continue;
                }
                List<String> up = t.model.status.entrySet().stream().filter(e -> e.getValue() == Status.UP).map(Map.Entry::getKey).toList();
                if (up.isEmpty()) break;
                String victim = up.get(random.nextInt(up.size()));
                int how = random.nextInt(3);
                history.add(victim + (how == 0 ? " exits 0" : how == 1 ? " exits 1" : " is killed"));
                switch (how) {
                    case 0 -> t.sim.exit(victim, 0);
                    case 1 -> t.sim.exit(victim, 1);
                    default -> t.sim.killedBy(victim, 9);
                }
                t.model.ended(victim, how != 0);
                compare(t, context + " " + history);
            }
            t.sim.assertReplayReproducesState();
        }
    }

    private static void compare(Tree t, String context) {
        Map<String, Status> actual = new TreeMap<>();
        for (String service : t.model.policy.keySet()) {
            ServiceState state = t.sim.stateOf(service);
            actual.put(service, switch (state) {
                case RUNNING -> Status.UP;
                case FAILED -> Status.FAILED;
                case INACTIVE -> Status.INACTIVE;
                case BLOCKED -> Status.BLOCKED;
                default -> throw new AssertionError(context + ": " + service + " is " + state + " when everything should be quiet");
            });
        }
        assertEquals(t.model.status, actual, () -> context + "\nconfiguration:\n" + describe(t.model));
        Map<String, Integer> spawns = new TreeMap<>();
        for (String service : t.model.policy.keySet()) spawns.put(service, (int) t.sim.spawnsOf(service));
        assertEquals(t.model.starts, spawns, () -> context + ": starts per service\n" + describe(t.model));
        for (ModelSupervisor s : t.model.supervisors.values()) {
            int actualRestarts = Windows.within(t.sim.supervisorOf(s.name).restartTimes(), t.sim.now, s.windowSeconds * 1_000_000_000L).length;
            assertEquals(t.model.restartsWithin(s.name), actualRestarts, () -> context + ": restarts of " + s.name + "\n" + describe(t.model));
        }
    }

    private static String describe(Model model) {
        StringBuilder text = new StringBuilder();
        for (ModelSupervisor s : model.supervisors.values()) {
            text.append("  supervisor ").append(s.name).append(" parent ").append(s.parent).append(' ').append(s.strategy)
                    .append(' ').append(s.maxRestarts).append('/').append(s.windowSeconds).append("s children ").append(s.children).append('\n');
        }
        model.policy.forEach((name, policy) -> text.append("  service ").append(name).append(' ').append(policy).append('\n'));
        return text.toString();
    }
}
