package dynamod.bench;

import dynamod.linux.ExecHelper;
import dynamod.linux.ExecHelper.Bind;
import dynamod.linux.ExecHelper.Command;
import dynamod.linux.ExecHelper.Sandbox;
import dynamod.linux.Posix;
import dynamod.linux.Spawn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Spawn latency with and without each isolation feature: posix_spawn of dynamod-exec (as svmgr's Spawner calls it:
 * --setsid --close-fds, the report pipe) until EOF on the report pipe, i.e. until the service's execve succeeded,
 * for {@code /bin/true}. The exit and the reaping are not timed. Median (and min, max) of N runs after 5 warm-up
 * runs per feature, features interleaved round by round so that load drifts spread over all of them. Needs root.
 *
 * <pre>bin/bench spawn [--runs 50]</pre>
 */
public final class SpawnBench {

    private SpawnBench() {}

    public static void main(String[] args) throws Exception {
        int runs = 50;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runs")) runs = Integer.parseInt(args[++i]);
        }
        if (Posix.geteuid() != 0) {
            System.err.println("spawn: namespaces and mounts need root");
            System.exit(2);
        }
        Posix.setChildSubreaper(); // services forked into pid/user namespaces come back here to be reaped
        Path source = Files.createTempDirectory("dynamod-bench-spawn");
        Map<String, Sandbox> features = new LinkedHashMap<>();
        features.put("none", Sandbox.NONE);
        for (String ns : List.of("pid", "mnt", "net", "uts", "ipc", "user", "cgroup")) {
            features.put(ns, new Sandbox(Set.of(ns), false, null, List.of(), null, null));
        }
        features.put("hostname", new Sandbox(Set.of(), false, null, List.of(), "bench", null));
        features.put("private-tmp", new Sandbox(Set.of(), true, null, List.of(), null, null));
        features.put("protect-system=full", new Sandbox(Set.of(), false, "full", List.of(), null, null));
        features.put("protect-system=strict", new Sandbox(Set.of(), false, "strict", List.of(), null, null));
        features.put("bind-mount (ro)", new Sandbox(Set.of(), false, null, List.of(new Bind(source, Path.of("/mnt"), false)), null, null));
        features.put("capabilities", new Sandbox(Set.of(), false, null, List.of(), null, Set.of(10)));
        features.put("no-new-privileges", null);
        features.put("all (sandbox.toml-like)", new Sandbox(Set.of("pid", "net", "uts", "ipc", "user"), true, "strict",
                List.of(new Bind(source, Path.of("/mnt"), true)), "bench", Set.of(10)));

        Map<String, List<Double>> samples = new LinkedHashMap<>();
        features.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        for (int round = -5; round < runs; round++) {
            for (var feature : features.entrySet()) {
                double ms = spawnOnce(feature.getValue(), feature.getKey().equals("no-new-privileges"), devNull);
                if (round >= 0) samples.get(feature.getKey()).add(ms);
            }
        }
        Files.delete(source);

        double base = median(samples.get("none"));
        double baseMin = samples.get("none").stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        System.out.printf("spawn latency, %s, %d cores: posix_spawn of dynamod-exec → execve of /bin/true done (report EOF)%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors());
        // On a loaded machine the minimum is the steadier ratio: the median carries the scheduling delays.
        System.out.printf("%-26s %9s %9s %9s %8s %8s  (n = %d)%n", "feature", "min ms", "median ms", "max ms", "× none", "min×none", runs);
        for (var e : samples.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("%-26s %9.3f %9.3f %9.3f %8.2f %8.2f%n", e.getKey(), v[0], median(e.getValue()), v[v.length - 1],
                    median(e.getValue()) / base, v[0] / baseMin);
        }
    }

    private static double spawnOnce(Sandbox sandbox, boolean noNewPrivs, int devNull) throws Exception {
        Command command = Command.of("/bin/true", List.of("true"), List.of("PATH=/usr/bin:/bin"))
                .withSetsid(true).withCloseFds(true).withNoNewPrivs(noNewPrivs).withSandbox(sandbox == null ? Sandbox.NONE : sandbox);
        List<String> argv = command.helperArgv();
        int[] report = Posix.pipe();
        long start = System.nanoTime();
        int helper = Spawn.spawn(ExecHelper.path().toString(), argv, command.env(),
                Map.of(0, devNull, 1, devNull, 2, devNull, command.reportFd(), report[1]), false);
        Posix.close(report[1]);
        ExecHelper.SpawnReport r = ExecHelper.readReport(report[0]);
        long end = System.nanoTime();
        Posix.close(report[0]);
        if (!r.ok()) throw new IllegalStateException(argv + ": " + r);
        Posix.waitPid(helper, true);
        if (r.pid() > 0) Posix.waitPid(r.pid(), true);
        return (end - start) / 1e6;
    }

    private static double median(List<Double> samples) {
        double[] v = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
