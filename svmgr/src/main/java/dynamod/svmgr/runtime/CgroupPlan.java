package dynamod.svmgr.runtime;

import dynamod.conf.spec.CgroupLimits;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure half of dynamod's cgroups (docs/runtime.md, "cgroups"): where each group is, which controllers the parents
 * enable, and what the limit files get. Nothing here touches the file system.
 *
 * <p>Layout under the base (svmgr's own cgroup at start: {@code /} on a PID-1 boot): each service in
 * {@code system.slice/NAME.service} — the path sd-login clients parse — and svmgr itself in
 * {@code dynamod.slice/svmgr.scope}, so that no inner node holds a process (cgroup v2 enables controllers for the
 * children of a node only when the node itself has none; the root is exempt, which is why init may stay there).
 * Controllers are enabled in the base's and system.slice's {@code cgroup.subtree_control}, never in a service's own.
 */
record CgroupPlan(Path mount, String base) {

    public static final Path MOUNT = Path.of("/sys/fs/cgroup");
    public static final String SERVICES_SLICE = "system.slice";
    public static final String MANAGER_SLICE = "dynamod.slice";
    public static final String MANAGER_SCOPE = "svmgr.scope";

    /**
     * Enabled for every service whatever its limits: the accounting {@code dynamodctl status} shows (memory.current,
     * pids.current) and OOM kills in memory.events. cpu and io come when a service has a limit of theirs.
     */
    public static final Set<String> ACCOUNTING = Set.of("memory", "pids");

    public CgroupPlan {
        if (!base.startsWith("/")) throw new IllegalArgumentException("not a cgroup path: " + base);
    }

    /**
     * The base for a manager whose {@code /proc/self/cgroup} says it is in {@code own}: that group, or the one above
     * its own scope when a restarted svmgr was born where the last one had moved.
     */
    static String baseOf(String own) {
        String scope = "/" + MANAGER_SLICE + "/" + MANAGER_SCOPE;
        if (own.endsWith(scope)) own = own.substring(0, own.length() - scope.length());
        return own.isEmpty() ? "/" : own;
    }

    /** The cgroup v2 path in {@code /proc/PID/cgroup}'s {@code 0::PATH} line, if there is one. */
    static Optional<String> unifiedPath(String procCgroup) {
        return procCgroup.lines().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst();
    }

    /**
     * Where a cgroup2 hierarchy is mounted, from {@code /proc/self/mountinfo}'s text: {@link #MOUNT} if it is there, else
     * the first one (a hybrid host's {@code /sys/fs/cgroup/unified}). For the host tests and benchmarks, which make
     * groups of their own wherever the host has cgroup2; svmgr itself uses {@link #MOUNT} only.
     */
    static Optional<Path> cgroup2Mount(String mountinfo) {
        Optional<Path> any = Optional.empty();
        for (String line : mountinfo.split("\n")) {
            String[] halves = line.split(" - ", 2);
            if (halves.length != 2 || !halves[1].startsWith("cgroup2 ")) continue;
            Path at = Path.of(halves[0].split(" ")[4]);
            if (at.equals(MOUNT)) return Optional.of(at);
            if (any.isEmpty()) any = Optional.of(at);
        }
        return any;
    }

    /** A cgroup path ({@code /a/b}) as a directory under the mount. */
    Path dir(String cgroupPath) {
        return cgroupPath.equals("/") ? mount : mount.resolve(cgroupPath.substring(1));
    }

    Path baseDir() {
        return dir(base);
    }

    /** The group of the services' parent. */
    String servicesSlice() {
        return join(base, SERVICES_SLICE);
    }

    /** {@code /system.slice/NAME.service} on a PID-1 boot: what the service's {@code /proc/PID/cgroup} says. */
    String service(String unitName) {
        return join(servicesSlice(), unitName);
    }

    String manager() {
        return join(join(base, MANAGER_SLICE), MANAGER_SCOPE);
    }

    private static String join(String parent, String child) {
        return parent.equals("/") ? "/" + child : parent + "/" + child;
    }

    /** The controllers a service's limits need (the manager adds {@link #ACCOUNTING} for every group). */
    static Set<String> controllers(CgroupLimits limits) {
        Set<String> needed = new TreeSet<>();
        if (limits.memoryMax().isPresent() || limits.memoryHigh().isPresent()) needed.add("memory");
        if (limits.pidsMax().isPresent()) needed.add("pids");
        if (limits.cpuWeight().isPresent() || limits.cpuMax().isPresent()) needed.add("cpu");
        if (limits.ioWeight().isPresent()) needed.add("io");
        return needed;
    }

    /**
     * What to write to a parent's {@code cgroup.subtree_control} so that {@code wanted} are on, given what its
     * {@code cgroup.subtree_control} reads now: {@code +cpu +io}, or empty when all are on.
     */
    static String enabling(Set<String> wanted, String subtreeControl) {
        Set<String> on = Set.of(subtreeControl.strip().split("\\s+"));
        StringBuilder line = new StringBuilder();
        for (String c : new TreeSet<>(wanted)) {
            if (on.contains(c)) continue;
            if (!line.isEmpty()) line.append(' ');
            line.append('+').append(c);
        }
        return line.toString();
    }

    /** The controllers of {@code wanted} that a {@code cgroup.controllers} text does not offer. */
    static Set<String> missing(Set<String> wanted, String controllers) {
        Set<String> offered = Set.of(controllers.strip().split("\\s+"));
        Set<String> missing = new TreeSet<>(wanted);
        missing.removeAll(offered);
        return missing;
    }

    /**
     * The limit files of a service's group and their values, for the controllers enabled on it: each limit as the
     * kernel takes it, and the kernel's default where the configuration sets none (so that a limit removed by a reload
     * is lifted). In an order the kernel accepts whatever the old values were.
     */
    static Map<String, String> files(CgroupLimits limits, Set<String> enabled) {
        Map<String, String> files = new LinkedHashMap<>();
        if (enabled.contains("memory")) {
            files.put("memory.high", limits.memoryHigh().map(l -> l.kernelValue()).orElse("max"));
            files.put("memory.max", limits.memoryMax().map(l -> l.kernelValue()).orElse("max"));
        }
        if (enabled.contains("cpu")) {
            files.put("cpu.weight", String.valueOf(limits.cpuWeight().orElse(100)));
            files.put("cpu.max", limits.cpuMax().map(c -> c.kernelValue()).orElse("max 100000"));
        }
        if (enabled.contains("pids")) files.put("pids.max", limits.pidsMax().map(l -> l.kernelValue()).orElse("max"));
        if (enabled.contains("io")) files.put("io.weight", "default " + limits.ioWeight().orElse(100));
        return files;
    }

    /** A {@code KEY VALUE} line's value of a flat-keyed file (memory.events, cgroup.events, cpu.stat, pids.events). */
    static OptionalLong key(String text, String key) {
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            if (space == key.length() && line.startsWith(key)) {
                try {
                    return OptionalLong.of(Long.parseLong(line.substring(space + 1).strip()));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The pids of a {@code cgroup.procs} text. */
    static List<Integer> pids(String procs) {
        Set<Integer> pids = new LinkedHashSet<>();
        for (String line : procs.split("\n")) {
            if (!line.isBlank()) pids.add(Integer.parseInt(line.strip()));
        }
        return List.copyOf(pids);
    }
}
