package dynamod.svmgr.runtime;

import dynamod.bench.Heap;
import dynamod.conf.spec.CgroupLimits;
import dynamod.conf.value.Limit;
import dynamod.linux.Posix;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * What an idle service's cgroup costs svmgr while the group lives: N groups made by svmgr's own {@link Cgroups}, as a
 * spawn of a main process makes them ({@code prepare}: the group under system.slice, its limits, the watch on
 * memory.events and cgroup.events), no process in them (svmgr keeps nothing per process in its cgroup bookkeeping),
 * then removed as an emptied group is ({@code removeIfEmpty}). Measured, each round: the retained Java heap (used
 * heap after full GCs, and a class histogram of live objects: which objects), the fds (/proc/self/fd, by the file
 * they name), and kernel memory (/proc/meminfo's Slab and Percpu, /proc/slabinfo by cache; machine-wide, so other
 * work on the machine shows too), with the groups and after their removal; first in each round, for comparison, N
 * bare groups (mkdir only) in the same place. Needs root and a cgroup2 mount; in a base of its own under the mount, which it
 * removes afterwards, also on errors and signals ({@code --base NAME}: bin/bench names it, to remove what a kill -9
 * leaves).
 *
 * <p>In svmgr's runtime package (in the bench module) to use the package-private {@link Cgroups} as the manager does.
 *
 * <pre>bin/bench cgroup-memory [--services 1000] [--rounds 5] [--dir DIR]</pre>
 */
public final class CgroupMemoryBench {

    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

    private CgroupMemoryBench() {}

    public static void main(String[] args) throws Exception {
        int n = 1000, rounds = 5;
        Path dir = null;
        String baseName = "dynamod-bench-cgroups-" + Posix.getpid();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--services" -> n = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--base" -> baseName = args[++i];
                default -> {
                    System.err.println("usage: bin/bench cgroup-memory [--services 1000] [--rounds 5] [--dir DIR] [--base NAME]");
                    System.exit(2);
                }
            }
        }
        if (Posix.geteuid() != 0) {
            System.err.println("cgroup-memory: cgroups need root");
            System.exit(2);
        }
        Optional<Path> found = CgroupPlan.cgroup2Mount(Files.readString(Path.of("/proc/self/mountinfo")));
        if (found.isEmpty()) {
            System.err.println("cgroup-memory: no cgroup2 mount");
            System.exit(2);
        }
        Path mount = found.get();
        dir = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("dynamod-bench-cgroup-memory");
        String ownBefore = CgroupPlan.unifiedPath(Files.readString(Path.of("/proc/self/cgroup"))).orElseThrow();
        String base = "/" + baseName;
        Path baseDir = mount.resolve(base.substring(1));
        Thread cleanUp = new Thread(() -> removeBase(mount, ownBefore, baseDir));
        Runtime.getRuntime().addShutdownHook(cleanUp);
        try {
            run(n, rounds, dir, mount, base, baseDir);
        } finally {
            removeBase(mount, ownBefore, baseDir);
        }
    }

    private static void run(int n, int rounds, Path dir, Path mount, String base, Path baseDir) throws Exception {
        describeHost(mount);
        Files.createDirectory(baseDir);
        Set<String> accounting = new TreeSet<>(CgroupPlan.ACCOUNTING);
        accounting.retainAll(Set.of(Files.readString(baseDir.resolve("cgroup.controllers")).strip().split("\\s+")));
        // A main process's spawn writes its limits: these need only the accounting controllers.
        CgroupLimits limits = new CgroupLimits(
                accounting.contains("memory") ? Optional.of(new Limit(64L << 20)) : Optional.empty(), Optional.empty(),
                OptionalInt.empty(), Optional.empty(),
                accounting.contains("pids") ? Optional.of(new Limit(64)) : Optional.empty(), OptionalInt.empty());
        Cgroups cgroups = Cgroups.open(mount, "0::" + base + "\n", true, accounting, new Cgroups.Listener() {
            @Override
            public void memoryEvents(String service) {}

            @Override
            public void emptied(String service) {}
        });
        if (!cgroups.available()) throw new IllegalStateException("cgroups unavailable: " + cgroups.unavailableReason().orElseThrow());
        CgroupPlan plan = new CgroupPlan(mount, base);
        Path slice = plan.dir(plan.servicesSlice());
        System.out.printf("base %s; controllers on for every group: %s; limits written: %s%n", baseDir,
                accounting.isEmpty() ? "none" : accounting, CgroupPlan.files(limits, accounting));

        // The names are the configuration's in svmgr (shared, not the bookkeeping's): made before every baseline.
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) names.add(String.format("bench-%05d", i));
        // Every path the snapshots write, made now too, so that nothing the bench keeps grows between them.
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < PHASES * rounds; i++) files.add(dir.resolve(String.format("round-%d-%s", i / PHASES + 1, PHASE_NAMES.get(i % PHASES))));
        long[] heap = new long[files.size()];

        // Warm-up: classes loaded, the watcher's thread and the management beans made.
        for (int i = 0; i < 10; i++) cgroups.prepare("warm-up-" + i, limits, true);
        awaitWatches(baseDir, 10);
        for (int i = 0; i < 10; i++) cgroups.removeIfEmpty("warm-up-" + i);
        awaitWatches(baseDir, 0);
        snapshot(files.get(0), baseDir);
        Heap.usedAfterGc();

        for (int round = 0; round < rounds; round++) {
            int at = PHASES * round;
            // Bare groups in the services' slice: what the kernel spends on a group that is only made.
            snapshot(files.get(at), baseDir);
            for (String name : names) Files.createDirectory(slice.resolve(name + ".bare"));
            snapshot(files.get(at + 1), baseDir);
            for (String name : names) Files.delete(slice.resolve(name + ".bare"));
            awaitNoDyingGroups(baseDir);
            // svmgr's groups.
            heap[at + 2] = Heap.usedAfterGc();
            snapshot(files.get(at + 2), baseDir);
            for (String name : names) cgroups.prepare(name, limits, true);
            awaitWatches(baseDir, n);
            heap[at + 3] = Heap.usedAfterGc();
            snapshot(files.get(at + 3), baseDir);
            for (String name : names) cgroups.removeIfEmpty(name);
            awaitWatches(baseDir, 0);
            awaitNoDyingGroups(baseDir);
            heap[at + 4] = Heap.usedAfterGc();
            snapshot(files.get(at + 4), baseDir);
            if (!cgroups.applied().isEmpty()) throw new IllegalStateException("groups left: " + cgroups.applied().keySet());
        }
        report(n, rounds, files, heap, baseDir);
        System.out.println("snapshots (class histograms, fds, meminfo, slabinfo): " + dir);
    }

    /** A round's snapshots: bare groups before, with them; svmgr's groups before, with them, after their removal. */
    private static final List<String> PHASE_NAMES = List.of("bare-before", "bare-with", "before", "with", "removed");
    private static final int PHASES = PHASE_NAMES.size();

    // ---------------------------------------------------------------- measuring


    /**
     * Writes to a file (nothing of it stays on the heap): the class histogram of live objects, every fd's target,
     * /proc/meminfo, /proc/slabinfo and the base's cgroup.stat, in sections.
     */
    private static void snapshot(Path file, Path baseDir) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        StringBuilder fds = new StringBuilder();
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : list.toList()) {
                try {
                    fds.append(fd.getFileName()).append(' ').append(Files.readSymbolicLink(fd)).append('\n');
                } catch (IOException gone) {
                    // the listing's own fd, closed by now
                }
            }
        }
        Files.writeString(file, "== histogram\n" + histogram + "\n== fds\n" + fds + "== meminfo\n" + Files.readString(Path.of("/proc/meminfo"))
                + "== slabinfo\n" + Files.readString(Path.of("/proc/slabinfo")) + "== cgroup.stat\n"
                + Files.readString(baseDir.resolve("cgroup.stat")));
    }

    /**
     * Waits until the watcher holds fds in exactly {@code groups} groups, and as many as 50 ms before (it opens and
     * closes them on its own thread, a group's files one after the other).
     */
    private static void awaitWatches(Path baseDir, int groups) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int lastFds = -1;
        while (true) {
            Set<Path> watched = new TreeSet<>();
            int fds = 0;
            try (var list = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : list.toList()) {
                    try {
                        Path target = Files.readSymbolicLink(fd);
                        if (target.startsWith(baseDir)) {
                            watched.add(target.getParent());
                            fds++;
                        }
                    } catch (IOException gone) {
                        // the listing's own fd
                    }
                }
            }
            if (watched.size() == groups && fds == lastFds) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("the watcher holds fds in " + watched.size() + " groups, not " + groups);
            lastFds = fds;
            Thread.sleep(50);
        }
    }

    /** Waits until the kernel has freed the removed groups (cgroup.stat's nr_dying_descendants 0), at most 30 s. */
    private static void awaitNoDyingGroups(Path baseDir) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (CgroupPlan.key(Files.readString(baseDir.resolve("cgroup.stat")), "nr_dying_descendants").orElse(0) > 0) {
            if (System.nanoTime() > deadline) {
                System.out.println("(removed groups still dying after 30 s)");
                return;
            }
            Thread.sleep(50);
        }
    }

    // ---------------------------------------------------------------- the report

    /** One snapshot file, parsed. */
    private record Snapshot(Map<String, long[]> classes, Map<String, Integer> fdsByFile, int fds, Map<String, Long> meminfoKb,
            Map<String, Long> slabBytes, long dying) {

        static Snapshot read(Path file, Path baseDir) throws IOException {
            String text = Files.readString(file);
            Map<String, long[]> classes = new TreeMap<>();
            Matcher m = HISTOGRAM_LINE.matcher(section(text, "histogram"));
            while (m.find()) classes.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
                    (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            Map<String, Integer> byFile = new TreeMap<>();
            int fds = 0;
            for (String line : section(text, "fds").lines().toList()) {
                fds++;
                Path target = Path.of(line.substring(line.indexOf(' ') + 1));
                if (target.startsWith(baseDir)) byFile.merge(target.getFileName().toString(), 1, Integer::sum);
            }
            Map<String, Long> meminfo = new TreeMap<>();
            for (String line : section(text, "meminfo").lines().toList()) {
                String[] f = line.split(":?\\s+");
                if (f.length >= 2) meminfo.put(f[0], Long.parseLong(f[1]));
            }
            Map<String, Long> slab = new TreeMap<>();
            for (String line : section(text, "slabinfo").lines().toList()) {
                if (line.startsWith("#") || line.startsWith("slabinfo")) continue;
                String[] f = line.trim().split("\\s+");
                slab.put(f[0], Long.parseLong(f[1]) * Long.parseLong(f[3])); // active objects × object size
            }
            long dying = CgroupPlan.key(section(text, "cgroup.stat"), "nr_dying_descendants").orElse(0);
            return new Snapshot(classes, byFile, fds, meminfo, slab, dying);
        }

        private static String section(String text, String name) {
            int from = text.indexOf("== " + name + "\n") + name.length() + 4;
            int to = text.indexOf("\n== ", from);
            return text.substring(from, to < 0 ? text.length() : to + 1);
        }

        long slabKb() {
            return meminfoKb.get("Slab");
        }

        long percpuKb() {
            return meminfoKb.get("Percpu");
        }
    }

    private static void report(int n, int rounds, List<Path> files, long[] heap, Path baseDir) throws IOException {
        List<Snapshot> s = new ArrayList<>();
        for (Path file : files) s.add(Snapshot.read(file, baseDir));
        System.out.printf("%n%,d idle services' groups; per group: the difference to before, / %,d (slab and percpu machine-wide)%n", n, n);
        System.out.printf("%-30s %9s %11s %6s %24s %9s %12s %9s%n", "", "heap B", "histogram B", "fds", "fds in the groups", "slab B",
                "unreclaim. B", "percpu B");
        List<Double> bareSlab = new ArrayList<>(), slab = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            int at = PHASES * round;
            bareSlab.add(row("round " + (round + 1) + ": bare groups (mkdir)", n, s.get(at), s.get(at + 1), Long.MIN_VALUE));
            slab.add(row("round " + (round + 1) + ": svmgr's groups", n, s.get(at + 2), s.get(at + 3), heap[at + 3] - heap[at + 2]));
            row("  after their removal", n, s.get(at + 2), s.get(at + 4), heap[at + 4] - heap[at + 2]);
        }
        System.out.printf("slab per group, median of %d rounds: bare %.0f B, svmgr's %.0f B%n", rounds, median(bareSlab), median(slab));
        for (int round : rounds > 1 ? List.of(1, rounds) : List.of(1)) {
            int at = PHASES * (round - 1);
            System.out.printf("%nround %d: live objects with the groups, less before (classes of at least 1 B per group):%n", round);
            classes(n, s.get(at + 2), s.get(at + 3));
            System.out.printf("round %d: after the removal, less before:%n", round);
            classes(n, s.get(at + 2), s.get(at + 4));
        }
        int last = PHASES * (rounds - 1);
        System.out.printf("%nkernel slab caches per group, round %d (at least 32 B per group; machine-wide):%n", rounds);
        System.out.printf("  %-24s %10s %10s %10s %14s%n", "cache", "bare", "svmgr's", "difference", "after removal");
        Map<String, Long> bare = slabDelta(s.get(last), s.get(last + 1)), svmgr = slabDelta(s.get(last + 2), s.get(last + 3)),
                removed = slabDelta(s.get(last + 2), s.get(last + 4));
        Set<String> caches = new TreeSet<>(bare.keySet());
        caches.addAll(svmgr.keySet());
        caches.stream().filter(c -> Math.max(Math.abs(bare.getOrDefault(c, 0L)), Math.max(Math.abs(svmgr.getOrDefault(c, 0L)),
                        Math.abs(removed.getOrDefault(c, 0L)))) >= 32L * n)
                .sorted(Comparator.comparingLong(c -> -Math.abs(svmgr.getOrDefault(c, 0L))))
                .forEach(c -> System.out.printf("  %-24s %10.0f %10.0f %10.0f %14.0f%n", c, bare.getOrDefault(c, 0L) / (double) n,
                        svmgr.getOrDefault(c, 0L) / (double) n, (svmgr.getOrDefault(c, 0L) - bare.getOrDefault(c, 0L)) / (double) n,
                        removed.getOrDefault(c, 0L) / (double) n));
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Prints one row; returns its slab bytes per group. Heap columns are left empty for bare groups (heapDelta MIN_VALUE). */
    private static double row(String what, int n, Snapshot before, Snapshot after, long heapDelta) {
        boolean heapToo = heapDelta != Long.MIN_VALUE;
        long histogram = 0;
        Set<String> classes = new TreeSet<>(before.classes().keySet());
        classes.addAll(after.classes().keySet());
        for (String c : classes) histogram += bytes(after, c) - bytes(before, c);
        StringBuilder files = new StringBuilder();
        after.fdsByFile().forEach((f, count) -> files.append(files.isEmpty() ? "" : ", ").append(f).append(' ').append(count));
        double slab = (after.slabKb() - before.slabKb()) * 1024.0 / n;
        System.out.printf("%-30s %9s %11s %6.2f %24s %9.0f %12.0f %9.0f%s%n", what, heapToo ? String.format("%.1f", (double) heapDelta / n) : "",
                heapToo ? String.format("%.1f", (double) histogram / n) : "", (double) (after.fds() - before.fds()) / n,
                files.isEmpty() ? "none" : files.toString(), slab,
                (after.meminfoKb().get("SUnreclaim") - before.meminfoKb().get("SUnreclaim")) * 1024.0 / n,
                (after.percpuKb() - before.percpuKb()) * 1024.0 / n,
                after.dying() > 0 ? "  (" + after.dying() + " groups still dying)" : "");
        return slab;
    }

    private static Map<String, Long> slabDelta(Snapshot before, Snapshot after) {
        Map<String, Long> delta = new TreeMap<>();
        Set<String> all = new TreeSet<>(before.slabBytes().keySet());
        all.addAll(after.slabBytes().keySet());
        for (String c : all) delta.put(c, after.slabBytes().getOrDefault(c, 0L) - before.slabBytes().getOrDefault(c, 0L));
        return delta;
    }

    private static long bytes(Snapshot s, String c) {
        long[] v = s.classes().get(c);
        return v == null ? 0 : v[1];
    }

    private static void classes(int n, Snapshot before, Snapshot after) {
        Set<String> all = new TreeSet<>(before.classes().keySet());
        all.addAll(after.classes().keySet());
        List<String[]> rows = new ArrayList<>();
        long[] total = new long[2];
        all.stream().map(c -> {
            long[] b = before.classes().getOrDefault(c, new long[2]), a = after.classes().getOrDefault(c, new long[2]);
            return new Object[] {c, a[0] - b[0], a[1] - b[1]};
        }).filter(r -> Math.abs((long) r[2]) >= n).sorted(Comparator.comparingLong(r -> -Math.abs((long) r[2]))).forEach(r -> {
            total[0] += (long) r[1];
            total[1] += (long) r[2];
            rows.add(new String[] {(String) r[0], String.format("%.2f", (long) r[1] / (double) n), String.format("%.1f", (long) r[2] / (double) n)});
        });
        System.out.printf("  %-52s %12s %10s%n", "class", "objects", "bytes");
        for (String[] r : rows) System.out.printf("  %-52s %12s %10s%n", r[0], r[1], r[2]);
        System.out.printf("  %-52s %12.2f %10.1f%n", "(these together)", total[0] / (double) n, total[1] / (double) n);
    }

    // ---------------------------------------------------------------- the host

    private static void describeHost(Path mount) throws IOException {
        System.out.printf("kernel %s, %d cpus, %s %s; compressed oops %s, compact object headers %s%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"), vmOption("UseCompressedOops"),
                vmOption("UseCompactObjectHeaders"));
        System.out.printf("cgroup2 at %s: controllers %s", mount, Files.readString(mount.resolve("cgroup.controllers")).strip());
        List<String> v1 = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/cgroups"))) {
            String[] f = line.split("\\s+");
            if (!line.startsWith("#") && f.length >= 4 && !f[1].equals("0") && CgroupPlan.ACCOUNTING.contains(f[0])) v1.add(f[0]);
        }
        System.out.println(v1.isEmpty() ? "" : "; bound to cgroup v1 hierarchies (not available to cgroup2): " + v1);
    }

    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
        } catch (IllegalArgumentException unknown) {
            return "n/a";
        }
    }

    /** The JVM back where it was, then every group under the base, deepest first; what fails is said, not thrown. */
    private static synchronized void removeBase(Path mount, String ownBefore, Path baseDir) {
        if (!Files.isDirectory(baseDir)) return;
        try {
            Cgroups.write(mount.resolve(ownBefore.substring(1)).resolve("cgroup.procs"), String.valueOf(Posix.getpid()));
        } catch (Cgroups.CgroupException e) {
            System.err.println("cgroup-memory: could not move back to " + ownBefore + ": " + e.getMessage());
        }
        try (var all = Files.walk(baseDir)) {
            for (Path p : all.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    System.err.println("cgroup-memory: could not remove " + p + ": " + e);
                }
            }
        } catch (IOException e) {
            System.err.println("cgroup-memory: could not list " + baseDir + ": " + e);
        }
    }
}
