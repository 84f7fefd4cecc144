package dynamod.ctl.boot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One boot's start-up, from the journal: every service that was asked to start, and when the boot was finished —
 * the first moment no service was waiting, starting or stopping. Times are nanoseconds since the boot's start.
 *
 * @param mode boot, container or host, if the boot's {@code BootStarted} is in the journal
 * @param userspaceAt in boot mode, when the manager started on the kernel's clock (the kernel's share of the boot)
 * @param finishedAt when everything had settled; empty if the window ended first (still booting, or shut down)
 * @param endAt the end of the analysed window: {@code finishedAt}, else the shutdown request or the last event
 * @param dependenciesKnown whether a configuration was loaded in this boot's events (else no dependency is known)
 * @param services in the order they were asked to start
 * @param warnings events the analysis could not follow (a damaged or foreign journal), for the user to see
 */
public record BootReport(Optional<String> mode, OptionalLong userspaceAt, OptionalLong finishedAt, long endAt,
        boolean dependenciesKnown, List<ServiceTimeline> services, List<String> warnings) {

    public BootReport {
        services = List.copyOf(services);
        warnings = List.copyOf(warnings);
    }

    public Optional<ServiceTimeline> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** What kept the boot from finishing. */
    public List<ServiceTimeline> pending() {
        return finishedAt.isPresent() ? List.of() : services.stream().filter(ServiceTimeline::pending).toList();
    }

    /** The service that became ready last: where the boot's critical chain ends. */
    public Optional<ServiceTimeline> lastReady() {
        return services.stream().filter(ServiceTimeline::ready)
                .max(Comparator.comparingLong((ServiceTimeline s) -> s.readyAt().getAsLong()).thenComparing(ServiceTimeline::name,
                        Comparator.reverseOrder()));
    }

    /** The services that became ready, slowest start first (systemd-analyze blame); ties by name. */
    public List<ServiceTimeline> blame() {
        return services.stream().filter(ServiceTimeline::ready)
                .sorted(Comparator.comparingLong((ServiceTimeline s) -> s.startup().getAsLong()).reversed()
                        .thenComparing(ServiceTimeline::name))
                .toList();
    }

    /** The services that did not become ready in the window: failed, blocked, or still pending; by name. */
    public List<ServiceTimeline> notReady() {
        return services.stream().filter(s -> !s.ready()).sorted(Comparator.comparing(ServiceTimeline::name)).toList();
    }

    /**
     * The chain of waits that decided when {@code name} was ready: the service, then the predecessor it waited for
     * last, then the one that one waited for, down to a service that waited for nothing.
     */
    public List<ServiceTimeline> criticalChain(String name) {
        List<ServiceTimeline> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Optional<ServiceTimeline> s = service(name); s.isPresent() && seen.add(s.get().name());
                s = s.get().waitedFor().flatMap(w -> service(w.dependency()))) {
            chain.add(s.get());
        }
        return chain;
    }
}
