package dynamod.conf;

import dynamod.conf.spec.Relation;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The valid part of a loaded configuration: services and supervisors by name (sorted), always with a root
 * supervisor. Every service's supervisor and every supervisor's parent is here, unless a single file was loaded on
 * its own ({@link LoadResult#partial()}). A service's {@code requires} may name a service that is not here (it failed
 * validation); such a service cannot start until that one loads.
 */
public record Configuration(SortedMap<String, ServiceSpec> services, SortedMap<String, SupervisorSpec> supervisors) {

    public Configuration {
        services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
        supervisors = Collections.unmodifiableSortedMap(new TreeMap<>(supervisors));
        if (!supervisors.containsKey(SupervisorSpec.ROOT)) throw new IllegalArgumentException("no root supervisor");
    }

    public SupervisorSpec root() {
        return supervisors.get(SupervisorSpec.ROOT);
    }

    /** The start order of the loaded services; a requires naming a service that is not loaded adds no edge. */
    public OrderingGraph<Relation> startOrder() {
        OrderingGraph<Relation> graph = new OrderingGraph<>();
        for (ServiceSpec service : services.values()) {
            graph.addNode(service.name());
            for (Relation relation : Relation.values()) {
                for (String target : service.dependencies().of(relation)) {
                    if (services.containsKey(target)) graph.addRelation(service.name(), relation, target, relation);
                }
            }
        }
        return graph;
    }

    /** Child supervisors of a supervisor, by name. */
    public List<SupervisorSpec> childSupervisors(String supervisor) {
        return supervisors.values().stream()
                .filter(s -> s.parent().map(supervisor::equals).orElse(false))
                .toList();
    }

    /** Services directly under a supervisor, by name. */
    public List<ServiceSpec> servicesOf(String supervisor) {
        return services.values().stream().filter(s -> s.supervisor().equals(supervisor)).toList();
    }
}
