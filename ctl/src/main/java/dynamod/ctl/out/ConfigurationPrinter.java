package dynamod.ctl.out;

import dynamod.conf.Configuration;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.SupervisorSpec;
import dynamod.conf.value.Durations;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shows a loaded configuration: the supervision tree with each service's type and readiness, and the start waves. */
public final class ConfigurationPrinter {

    private final PrintWriter out;
    private final Style style;

    public ConfigurationPrinter(PrintWriter out, Style style) {
        this.out = out;
        this.style = style;
    }

    public void print(Configuration configuration) {
        List<List<String>> waves = configuration.startOrder().waves();
        Map<String, Integer> waveOf = new HashMap<>();
        for (int i = 0; i < waves.size(); i++) for (String name : waves.get(i)) waveOf.put(name, i + 1);

        out.println(style.bold("Supervision tree"));
        printSupervisor(configuration, configuration.root(), "", "", waveOf);
        // A single file checked on its own may name a supervisor that is in another file.
        configuration.services().values().stream().map(ServiceSpec::supervisor).distinct()
                .filter(s -> !configuration.supervisors().containsKey(s)).sorted().forEach(missing -> {
                    out.println(style.cyan(missing) + "  " + style.dim("(not in what was checked)"));
                    List<ServiceSpec> children = configuration.servicesOf(missing);
                    for (int i = 0; i < children.size(); i++) {
                        boolean last = i == children.size() - 1;
                        out.println((last ? style.lastBranch() : style.branch()) + style.bold(children.get(i).name()) + "  "
                                + style.dim(describe(children.get(i))));
                    }
                });
        out.println();
        out.println(style.bold("Start order") + style.dim(" (each wave starts when what it waits for is ready)"));
        for (int i = 0; i < waves.size(); i++) {
            out.println(String.format("  %2d  ", i + 1) + String.join("  ", waves.get(i)));
        }
    }

    private void printSupervisor(Configuration configuration, SupervisorSpec supervisor, String firstPrefix, String prefix,
            Map<String, Integer> waveOf) {
        out.println(firstPrefix + style.cyan(supervisor.name()) + "  " + style.dim(supervisor.strategy().tomlName() + ", at most "
                + supervisor.intensity().maxRestarts() + " restarts in " + Durations.format(supervisor.intensity().window())));
        List<Object> children = new ArrayList<>(configuration.childSupervisors(supervisor.name()));
        configuration.servicesOf(supervisor.name()).stream()
                .sorted(Comparator.comparing((ServiceSpec s) -> waveOf.getOrDefault(s.name(), Integer.MAX_VALUE))
                        .thenComparing(ServiceSpec::name))
                .forEach(children::add);
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            String branch = prefix + (last ? style.lastBranch() : style.branch());
            String below = prefix + (last ? "   " : style.continuation());
            switch (children.get(i)) {
                case SupervisorSpec child -> printSupervisor(configuration, child, branch, below, waveOf);
                case ServiceSpec service -> out.println(branch + style.bold(service.name()) + "  " + style.dim(describe(service)));
                default -> throw new IllegalStateException();
            }
        }
    }

    /** {@code simple, ready on tcp-port 127.0.0.1:8080, restart permanent}. */
    static String describe(ServiceSpec service) {
        String readiness = switch (service.readiness()) {
            case Readiness.Immediate r -> "ready when spawned";
            case Readiness.Exit r -> service.type() == ServiceType.FORKING ? "ready when the starting process exits 0"
                    : "done when it exits 0";
            case Readiness.Notify r -> "ready on READY=1";
            case Readiness.TcpPort r -> "ready on tcp-port " + (r.host().contains(":") ? "[" + r.host() + "]" : r.host()) + ":" + r.port();
            case Readiness.Exec r -> "ready when " + String.join(" ", r.command()) + " exits 0";
            case Readiness.Fd r -> "ready on a newline on fd " + r.fd();
        };
        return service.type().tomlName() + ", " + readiness + ", restart " + service.restart().policy().tomlName();
    }
}
