package dynamod.conf.spec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A validated service: everything the manager needs to run, supervise and stop it. Immutable; built only by
 * the loader, so every value here has passed validation. {@code origin} is the file it was loaded from.
 */
public record ServiceSpec(
        String name,
        Optional<String> description,
        String supervisor,
        List<String> exec,
        Optional<Path> workdir,
        ServiceType type,
        Optional<Path> pidFile,
        Map<String, String> environment,
        List<EnvironmentFile> environmentFiles,
        Credentials credentials,
        RestartSpec restart,
        Readiness readiness,
        Dependencies dependencies,
        CgroupLimits cgroup,
        Isolation isolation,
        ShutdownSpec shutdown,
        LogSettings logs,
        Path origin) {

    public ServiceSpec {
        exec = List.copyOf(exec);
        environment = Collections.unmodifiableSortedMap(new TreeMap<>(environment));
        environmentFiles = List.copyOf(environmentFiles);
    }

    /** The systemd-style unit name that D-Bus clients and cgroup paths use: {@code NAME.service}. */
    public String unitName() {
        return name + ".service";
    }
}
