package dynamod.conf.load;

import dynamod.conf.Diagnostic;
import dynamod.conf.Diagnostic.Note;
import dynamod.conf.OrderingGraph;
import dynamod.conf.SourcePosition;
import dynamod.conf.schema.Located;
import dynamod.conf.schema.Suggestions;
import dynamod.conf.schema.ValueTypes;
import dynamod.conf.spec.Relation;
import dynamod.conf.spec.SupervisorSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks that relate files to each other: duplicate names, unknown supervisors and services, supervisor
 * parent cycles and dependency cycles. Decides which valid files are loaded: an error rejects the spec it is
 * about, and a spec that cannot be placed (its supervisor is not loaded) is rejected with a warning.
 */
final class CrossChecks {

    /** A printed cycle names every member of its component, but a huge component gets at most this many cycles. */
    private static final int CYCLES_PER_COMPONENT = 5;

    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Set<Object> rejected = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Drafts by name, when the name is unique; {@code named*} also holds the duplicates, for their other checks. */
    private final Map<String, ServiceReader.Draft> services = new LinkedHashMap<>();
    private final Map<String, SupervisorReader.Draft> supervisors = new LinkedHashMap<>();
    private final List<ServiceReader.Draft> namedServices;
    private final List<SupervisorReader.Draft> namedSupervisors;
    private final Set<String> ambiguousServices = new TreeSet<>();
    private final Set<String> ambiguousSupervisors = new TreeSet<>();
    private final Map<String, Boolean> supervisorLoaded = new LinkedHashMap<>();
    private final boolean partial;
    private SupervisorSpec root;

    CrossChecks(List<ServiceReader.Draft> serviceDrafts, List<SupervisorReader.Draft> supervisorDrafts, boolean partial) {
        this.partial = partial;
        for (var draft : serviceDrafts) {
            if (draft.spec() == null) rejected.add(draft);
        }
        for (var draft : supervisorDrafts) {
            if (draft.spec() == null) rejected.add(draft);
        }
        namedServices = serviceDrafts.stream().filter(d -> d.name() != null).toList();
        namedSupervisors = supervisorDrafts.stream().filter(d -> d.name() != null).toList();
        indexUnique(serviceDrafts, ServiceReader.Draft::name, services, ambiguousServices, "service");
        indexUnique(supervisorDrafts, SupervisorReader.Draft::name, supervisors, ambiguousSupervisors, "supervisor");
        resolveRoot();
        checkSupervisorParents();
        for (String name : supervisors.keySet()) isSupervisorLoaded(name);
        checkServiceReferences();
        checkDependencyCycles();
        rejectServicesWithoutSupervisor();
        warnAboutRequirementsNotLoaded();
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    boolean loaded(ServiceReader.Draft draft) {
        return draft.spec() != null && !rejected.contains(draft);
    }

    List<SupervisorSpec> loadedSupervisors() {
        List<SupervisorSpec> loaded = new ArrayList<>(List.of(root));
        for (var draft : supervisors.values()) {
            if (!draft.name().value().equals(SupervisorSpec.ROOT) && isSupervisorLoaded(draft.name().value())) {
                loaded.add(draft.spec());
            }
        }
        return loaded;
    }

    Set<String> rejectedServices() {
        Set<String> names = new TreeSet<>(ambiguousServices);
        services.forEach((name, draft) -> {
            if (!loaded(draft)) names.add(name);
        });
        return names;
    }

    Set<String> rejectedSupervisors() {
        Set<String> names = new TreeSet<>(ambiguousSupervisors);
        supervisorLoaded.forEach((name, loaded) -> {
            if (!loaded) names.add(name);
        });
        return names;
    }

    // ---------------------------------------------------------------- names

    private <D> void indexUnique(List<D> drafts, java.util.function.Function<D, Located<String>> nameOf,
            Map<String, D> unique, Set<String> ambiguous, String what) {
        Map<String, List<D>> byName = new LinkedHashMap<>();
        for (D draft : drafts) {
            Located<String> name = nameOf.apply(draft);
            if (name != null) byName.computeIfAbsent(name.value(), n -> new ArrayList<>()).add(draft);
        }
        byName.forEach((name, all) -> {
            if (all.size() == 1) {
                unique.put(name, all.getFirst());
                return;
            }
            ambiguous.add(name);
            SourcePosition first = nameOf.apply(all.getFirst()).position();
            for (D draft : all) {
                rejected.add(draft);
                if (draft == all.getFirst()) continue;
                error(nameOf.apply(draft).position(), what + " " + ValueTypes.quote(name) + " is defined more than once; "
                        + "none of its " + all.size() + " definitions is loaded", new Note(first, "first defined here"));
            }
        });
    }

    // ---------------------------------------------------------------- supervisors

    private void resolveRoot() {
        SupervisorReader.Draft draft = supervisors.get(SupervisorSpec.ROOT);
        if (draft != null && !rejected.contains(draft)) {
            root = draft.spec();
            supervisorLoaded.put(SupervisorSpec.ROOT, true);
            return;
        }
        root = SupervisorReader.implicitRoot();
        if (draft != null) {
            warning(draft.name().position(), "the built-in root supervisor (one-for-one, " + root.intensity().maxRestarts()
                    + " restarts in 10m) is used until this file loads");
        }
        supervisorLoaded.put(SupervisorSpec.ROOT, true);
    }

    private void checkSupervisorParents() {
        OrderingGraph<Located<String>> parents = new OrderingGraph<>();
        for (var draft : namedSupervisors) {
            Located<String> parent = draft.parent();
            if (parent == null) continue;
            String name = draft.name().value();
            if (!supervisors.containsKey(parent.value()) && !parent.value().equals(SupervisorSpec.ROOT)
                    && !ambiguousSupervisors.contains(parent.value())) {
                if (partial) continue;
                rejected.add(draft);
                error(parent.position(), "unknown parent supervisor " + ValueTypes.quote(parent.value())
                        + suggestion(parent.value(), supervisorNames()));
                continue;
            }
            if (supervisors.get(name) == draft) parents.addEdge(name, parent.value(), parent);
        }
        for (OrderingGraph.Cycle<Located<String>> cycle : parents.cycles(CYCLES_PER_COMPONENT)) {
            List<Note> notes = cycle.edges().stream()
                    .map(e -> new Note(e.label().position(), e.from() + " has parent " + e.to())).toList();
            cycle.nodes().forEach(n -> rejected.add(supervisors.get(n)));
            error(cycle.edges().getFirst().label().position(), "supervisor parent cycle: " + cycle.path()
                    + "; a supervision tree must lead up to root, so none of these is loaded", notes.toArray(Note[]::new));
        }
    }

    /** A supervisor is loaded when its file is valid and its parent is loaded; root always is. */
    private boolean isSupervisorLoaded(String name) {
        Boolean known = supervisorLoaded.get(name);
        if (known != null) return known;
        SupervisorReader.Draft draft = supervisors.get(name);
        if (draft == null || rejected.contains(draft)) {
            supervisorLoaded.put(name, false);
            return false;
        }
        supervisorLoaded.put(name, false); // cycles were rejected above; this guards the recursion regardless
        String parent = draft.parent().value();
        boolean elsewhere = partial && !supervisors.containsKey(parent) && !ambiguousSupervisors.contains(parent);
        boolean loaded = elsewhere || isSupervisorLoaded(parent);
        if (!loaded) {
            rejected.add(draft);
            warning(draft.name().position(), "supervisor " + ValueTypes.quote(name) + " is not loaded: its parent "
                    + ValueTypes.quote(parent) + " is not loaded");
        }
        supervisorLoaded.put(name, loaded);
        return loaded;
    }

    private Set<String> supervisorNames() {
        Set<String> names = new TreeSet<>(supervisors.keySet());
        names.add(SupervisorSpec.ROOT);
        return names;
    }

    // ---------------------------------------------------------------- services

    private void checkServiceReferences() {
        for (var draft : namedServices) {
            String name = draft.name().value();
            SupervisorReader.Draft namesake = supervisors.get(name);
            if (namesake != null || name.equals(SupervisorSpec.ROOT)) {
                rejected.add(draft);
                SourcePosition other = namesake != null ? namesake.name().position() : draft.name().position();
                error(draft.name().position(), ValueTypes.quote(name) + " is also the name of a supervisor; services and "
                        + "supervisors share one namespace, so this service is not loaded",
                        new Note(other, namesake != null ? "the supervisor is defined here" : "root is the built-in root supervisor"));
            }
            if (partial) continue;
            Located<String> supervisor = draft.supervisor();
            if (supervisor != null && !supervisorNames().contains(supervisor.value())
                    && !ambiguousSupervisors.contains(supervisor.value())) {
                rejected.add(draft);
                error(supervisor.position(), "unknown supervisor " + ValueTypes.quote(supervisor.value())
                        + suggestion(supervisor.value(), supervisorNames()));
            }
            for (Relation relation : Relation.values()) {
                for (Located<String> target : draft.relations().getOrDefault(relation, List.of())) {
                    if (isDeclaredService(target.value())) continue;
                    String message = "[dependencies] " + relation.tomlName() + ": unknown service " + ValueTypes.quote(target.value())
                            + suggestion(target.value(), services.keySet());
                    if (relation == Relation.REQUIRES) {
                        rejected.add(draft);
                        error(target.position(), message);
                    } else {
                        warning(target.position(), message + " (ordering against an absent service has no effect)");
                    }
                }
            }
        }
    }

    private boolean isDeclaredService(String name) {
        return services.containsKey(name) || ambiguousServices.contains(name);
    }

    /**
     * An edge per relation between declared services: {@code a requires b} and {@code a after b} make a wait for
     * b; {@code a before b} makes b wait for a. Every service on a cycle is rejected.
     */
    private void checkDependencyCycles() {
        record Declared(Relation relation, String declaredBy, String target, SourcePosition position) {
            String describe() {
                return declaredBy + " " + relation.tomlName() + " " + target;
            }
        }
        OrderingGraph<Declared> graph = new OrderingGraph<>();
        for (var draft : services.values()) {
            String name = draft.name().value();
            graph.addNode(name);
            for (Relation relation : Relation.values()) {
                for (Located<String> target : draft.relations().getOrDefault(relation, List.of())) {
                    if (!services.containsKey(target.value())) continue;
                    Declared label = new Declared(relation, name, target.value(), target.position());
                    graph.addRelation(name, relation, target.value(), label);
                }
            }
        }
        for (OrderingGraph.Cycle<Declared> cycle : graph.cycles(CYCLES_PER_COMPONENT)) {
            List<Note> notes = cycle.edges().stream().map(e -> new Note(e.label().position(), e.label().describe())).toList();
            cycle.nodes().forEach(n -> rejected.add(services.get(n)));
            error(cycle.edges().getFirst().label().position(), "dependency cycle: " + cycle.path()
                    + " (each waits for the next); none of these services is loaded", notes.toArray(Note[]::new));
        }
    }

    private void rejectServicesWithoutSupervisor() {
        for (var draft : services.values()) {
            if (rejected.contains(draft) || draft.supervisor() == null) continue;
            String supervisor = draft.supervisor().value();
            boolean known = supervisorLoaded.containsKey(supervisor) || ambiguousSupervisors.contains(supervisor);
            if (known && !supervisorLoaded.getOrDefault(supervisor, false)) {
                rejected.add(draft);
                warning(draft.supervisor().position(), "service " + ValueTypes.quote(draft.name().value())
                        + " is not loaded: its supervisor " + ValueTypes.quote(supervisor) + " is not loaded");
            }
        }
    }

    private void warnAboutRequirementsNotLoaded() {
        for (var draft : services.values()) {
            if (!loaded(draft)) continue;
            for (Located<String> target : draft.relations().getOrDefault(Relation.REQUIRES, List.of())) {
                ServiceReader.Draft required = services.get(target.value());
                boolean notLoaded = ambiguousServices.contains(target.value()) || (required != null && !loaded(required));
                if (notLoaded) {
                    warning(target.position(), "requires " + ValueTypes.quote(target.value()) + ", which is not loaded; "
                            + ValueTypes.quote(draft.name().value()) + " cannot start until it is");
                }
            }
        }
    }

    // ---------------------------------------------------------------- reporting

    private static String suggestion(String name, java.util.Collection<String> known) {
        return Suggestions.closest(name, known).map(n -> "; did you mean " + ValueTypes.quote(n) + "?").orElse("");
    }

    private void error(SourcePosition at, String message, Note... notes) {
        diagnostics.add(Diagnostic.error(at, message, notes));
    }

    private void warning(SourcePosition at, String message, Note... notes) {
        diagnostics.add(Diagnostic.warning(at, message, notes));
    }
}
