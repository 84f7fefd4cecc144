package dynamod.bench;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SystemEvent;
import dynamod.svmgr.control.ControlClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The host-mode runtime's numbers: real trees started with {@code bin/dynamod up -d} (dynamod-init, dynamod-svmgr,
 * real processes), watched from outside over the control socket and from inside through the journal.
 *
 * <p>Each repetition boots a fresh tree of N trivial services (default 500) in a 10-layer DAG (each service of a
 * layer requires 1–3 of the layer before; readiness fd 3; {@code echo >&3; exec sleep}), and on it measures
 * boot to all running, memory, crash-to-replacement latency of leaf services (restart delay 0), and recovery
 * after kill -9 of svmgr; then a tree of 50 services for memory. Every tree is stopped with {@code bin/dynamod
 * down}, also on errors (a shutdown hook here, a trap in bin/bench).
 *
 * <pre>bin/bench runtime [--services N] [--small N] [--reps R] [--crashes N] [--dir DIR]</pre>
 */
public final class RuntimeBench {

    private static final int LAYERS = 10;
    private static final Map<String, Object> LIST = Map.of("command", "list");
    private static final Map<String, Object> PING = Map.of("command", "ping");

    private static Path home;
    private static Path base;
    private static int services = 500;
    private static int small = 50;
    private static int reps = 3;
    private static int crashes = 20;
    /** State directories of trees that are up: the shutdown hook stops them. */
    private static final List<Path> live = new CopyOnWriteArrayList<>();
    private static final List<String> warnings = new ArrayList<>();

    // samples, in milliseconds unless named otherwise
    private static final List<Double> bootWall = new ArrayList<>(), bootJournal = new ArrayList<>(), bootToManager = new ArrayList<>(),
            bootToSocket = new ArrayList<>(), bootShare = new ArrayList<>(), bootToConfig = new ArrayList<>(), downMs = new ArrayList<>();
    private static final List<Double> bootBusy = new ArrayList<>(), bootOurs = new ArrayList<>();
    private static final List<Double> smallWall = new ArrayList<>(), smallJournal = new ArrayList<>();
    private static final List<Double> crashWall = new ArrayList<>(), crashJournal = new ArrayList<>(), crashReap = new ArrayList<>();
    private static final List<Double> recPing = new ArrayList<>(), recPingNet = new ArrayList<>(), recStarted = new ArrayList<>(),
            recDuration = new ArrayList<>(), recDelay = new ArrayList<>(), recAdopted = new ArrayList<>();
    private static final Map<String, List<Double>> memory = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--services" -> services = Integer.parseInt(args[++i]);
                case "--small" -> small = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--crashes" -> crashes = Integer.parseInt(args[++i]);
                case "--dir" -> base = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("usage: bin/bench runtime [--services N] [--small N] [--reps R] [--crashes N] [--dir DIR]");
            }
        }
        home = Path.of(System.getProperty("dynamod.home", "."));
        base = base == null ? Files.createTempDirectory("dynamod-bench-runtime") : Files.createDirectories(base);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path state : live) HostTrees.down(home, state);
        }));
        System.out.printf("runtime benchmark (host mode, bin/dynamod up -d): %d services in %d layers, %d repetitions, %d crashes, %d cores, %s%n",
                services, LAYERS, reps, crashes, Runtime.getRuntime().availableProcessors(), base);
        int crashesLeft = crashes;
        for (int rep = 0; rep < reps; rep++) {
            int here = (crashesLeft + (reps - rep) - 1) / (reps - rep);
            crashesLeft -= here;
            bigTree(rep, here);
        }
        for (int rep = 0; rep < reps; rep++) smallTree(rep);
        report();
    }

    // ---------------------------------------------------------------- the runs

    private static void bigTree(int rep, int crashCount) throws Exception {
        String name = "big" + rep;
        Tree tree = boot(name, services);
        try {
            if (!tree.rebuilt) record(tree);
            Thread.sleep(1000);
            memorySample(tree, services + " services");
            HostTrees.waitQuiet(name + " crashes").ifPresent(RuntimeBench::warn);
            crashSamples(tree, crashCount);
            HostTrees.waitQuiet(name + " recovery").ifPresent(RuntimeBench::warn);
            recovery(tree);
            memorySample(tree, services + " services, svmgr after recovery");
        } finally {
            downMs.add(stop(tree));
        }
    }

    private static void record(Tree tree) {
        {
            bootWall.add(tree.allRunningMs);
            bootJournal.add(tree.journalBootMs);
            bootToManager.add(tree.toManagerStartedMs);
            bootToSocket.add(tree.toSocketMs);
            bootToConfig.add(tree.toConfigMs);
            bootShare.add(100 * tree.toManagerStartedMs / tree.allRunningMs);
            System.out.printf("  boot %s: all %d running after %.0f ms (bench, list every 20 ms); journal: first event -> last RUNNING %.0f ms; "
                    + "ManagerStarted at %.0f ms, control socket up at %.0f ms; "
                    + "CPU busy %.0f %% of 2 cores, init + svmgr %.0f %%%n", tree.name, services, tree.allRunningMs, tree.journalBootMs,
                    tree.toManagerStartedMs, tree.toSocketMs, tree.busyPercent, tree.oursPercent);
            bootBusy.add(tree.busyPercent);
            bootOurs.add(tree.oursPercent);
        }
    }

    private static void smallTree(int rep) throws Exception {
        Tree tree = boot("small" + rep, small);
        try {
            if (!tree.rebuilt) {
                smallWall.add(tree.allRunningMs);
                smallJournal.add(tree.journalBootMs);
            }
            Thread.sleep(1000);
            memorySample(tree, small + " services");
        } finally {
            stop(tree);
        }
    }

    // ---------------------------------------------------------------- a tree

    static final class Tree {
        final String name;
        final int size;
        final Path config, state, run;
        final Map<String, Integer> layerOf = new LinkedHashMap<>();
        boolean rebuilt;
        double allRunningMs, journalBootMs, toManagerStartedMs, toSocketMs, toConfigMs, busyPercent, oursPercent;
        Journal journal;

        Tree(String name, int size) {
            this.name = name;
            this.size = size;
            this.config = base.resolve(name).resolve("config");
            this.state = base.resolve(name).resolve("state");
            this.run = state.resolve("run");
        }

        List<String> leaves() {
            return layerOf.entrySet().stream().filter(e -> e.getValue() == LAYERS - 1).map(Map.Entry::getKey).toList();
        }
    }

    /** The configuration: {@code size} services in LAYERS layers, the same DAG for every tree of that size. */
    private static void generate(Tree tree) throws IOException {
        Files.createDirectories(tree.config.resolve("services"));
        Files.createDirectories(tree.config.resolve("supervisors"));
        Files.writeString(tree.config.resolve("supervisors/root.toml"),
                "[supervisor]\nname = \"root\"\n\n[restart]\nmax-restarts = 1000000\nmax-restart-window = \"10m\"\n");
        Random random = new Random(42);
        int perLayer = Math.max(1, tree.size / LAYERS);
        List<List<String>> layers = new ArrayList<>();
        for (int i = 0; i < tree.size; i++) {
            int layer = Math.min(LAYERS - 1, i / perLayer);
            while (layers.size() <= layer) layers.add(new ArrayList<>());
            String name = "l" + layer + "-s" + layers.get(layer).size();
            layers.get(layer).add(name);
            tree.layerOf.put(name, layer);
            StringBuilder text = new StringBuilder();
            text.append("[service]\nname = \"").append(name).append("\"\n");
            text.append("exec = [\"/bin/sh\", \"-c\", \"echo >&3; exec sleep 100000\"]\n");
            text.append("environment = { DYNAMOD_BENCH_TREE = \"").append(tree.name).append("\" }\n\n");
            text.append("[readiness]\ntype = \"fd\"\nfd = 3\n\n");
            text.append("[restart]\ndelay = \"0s\"\nmax-restarts = 1000\nmax-restart-window = \"1s\"\n");
            if (layer > 0) {
                List<String> before = new ArrayList<>(layers.get(layer - 1));
                java.util.Collections.shuffle(before, random);
                List<String> requires = before.subList(0, Math.min(before.size(), 1 + random.nextInt(3)));
                text.append("\n[dependencies]\nrequires = [");
                for (int r = 0; r < requires.size(); r++) text.append(r > 0 ? ", " : "").append('"').append(requires.get(r)).append('"');
                text.append("]\n");
            }
            Files.writeString(tree.config.resolve("services/" + name + ".toml"), text);
        }
    }

    /** Generates, starts with bin/dynamod up -d and waits until every service runs. */
    private static Tree boot(String name, int size) throws Exception {
        Tree tree = new Tree(name, size);
        generate(tree);
        HostTrees.prebuild(home);
        HostTrees.waitQuiet(name).ifPresent(RuntimeBench::warn);
        long[] cpu0 = HostTrees.cpuTotals();
        Path log = base.resolve(name).resolve("up.log");
        long t0 = System.nanoTime();
        Process up = new ProcessBuilder(home.resolve("bin/dynamod").toString(), "up", "--config", tree.config.toString(), "--state",
                tree.state.toString(), "-d").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        live.add(tree.state);
        ControlClient client = null;
        long socketUp = -1, allRunning = -1;
        long deadline = t0 + Duration.ofSeconds(180).toNanos();
        Map<String, Integer> counts = Map.of();
        try {
            while (System.nanoTime() < deadline) {
                long tick = System.nanoTime();
                if (client == null && Files.exists(tree.run.resolve(ControlClient.SOCKET_NAME))) {
                    try {
                        client = ControlClient.connect(tree.run);
                    } catch (IOException e) {
                        client = null;
                    }
                }
                if (client != null) {
                    try {
                        Map<String, Object> response = client.call(LIST);
                        long now = System.nanoTime();
                        if (socketUp < 0) socketUp = now;
                        counts = states(response);
                        if (counts.getOrDefault("running", 0) == size) {
                            allRunning = now;
                            break;
                        }
                    } catch (IOException e) {
                        client.close();
                        client = null;
                    }
                }
                if (!up.isAlive() && up.exitValue() != 0) {
                    throw new IllegalStateException("bin/dynamod up failed: " + Files.readString(log));
                }
                long sleep = 20_000_000 - (System.nanoTime() - tick);
                if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        } finally {
            if (client != null) client.close();
        }
        long[] cpu1 = HostTrees.cpuTotals();
        up.waitFor();
        if (allRunning < 0) throw new IllegalStateException(name + ": not all " + size + " services running after 180 s: " + counts);
        tree.allRunningMs = ms(allRunning - t0);
        tree.rebuilt = Files.readString(log).contains("building");
        if (tree.rebuilt) warn(name + ": bin/dynamod up rebuilt the project inside the timed boot (sources changed meanwhile); its boot numbers are left out");
        tree.toSocketMs = ms(socketUp - t0);
        tree.journal = Journal.open(JournalOptions.defaults(tree.state.resolve("journal"), Origin.TOOL).readingOnly());
        long first = -1, managerStarted = -1, configLoaded = -1, lastRunning = -1;
        int running = 0;
        try (JournalReader reader = tree.journal.reader(Stream.EVENTS)) {
            for (Optional<Recorded> next; (next = reader.next()).isPresent(); ) {
                Recorded r = next.get();
                if (first < 0) first = r.monotonicNanos();
                switch (r.event()) {
                    case SystemEvent.ManagerStarted m -> managerStarted = r.monotonicNanos();
                    case SystemEvent.ConfigurationLoaded c -> configLoaded = r.monotonicNanos();
                    case ServiceStateChanged s when s.to() == ServiceState.RUNNING -> {
                        lastRunning = r.monotonicNanos();
                        running++;
                    }
                    default -> {}
                }
            }
        }
        if (running != size) warn(name + ": the journal has " + running + " transitions to RUNNING, expected " + size);
        // System.nanoTime() is CLOCK_MONOTONIC, the journal's monotonic clock: one clock for the bench and the tree.
        tree.journalBootMs = ms(lastRunning - first);
        tree.toManagerStartedMs = ms(managerStarted - t0);
        tree.toConfigMs = ms(configLoaded - t0);
        // CPU during the boot, machine-wide, and what of it dynamod-init and dynamod-svmgr used (both began within it).
        int initPid = Integer.parseInt(Files.readString(tree.run.resolve("init.pid")).strip());
        int svmgrPid;
        try (ControlClient c = ControlClient.connect(tree.run)) {
            svmgrPid = ((Number) c.call(PING).get("pid")).intValue();
        }
        double window = cpu1[1] - cpu0[1];
        tree.busyPercent = 100 * (cpu1[0] - cpu0[0]) / window;
        tree.oursPercent = 100 * (processTicks(initPid) + processTicks(svmgrPid)) / window;
        int processes = markedProcesses(tree.name).size();
        if (processes != size) warn(name + ": " + processes + " processes carry the tree's marker, expected " + size);
        return tree;
    }

    private static Map<String, Integer> states(Map<String, Object> response) {
        Map<String, Integer> counts = new HashMap<>();
        for (Map<String, Object> s : servicesOf(response)) counts.merge(String.valueOf(s.get("state")), 1, Integer::sum);
        return counts;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> servicesOf(Map<String, Object> response) {
        if (!Boolean.TRUE.equals(response.get("ok"))) throw new IllegalStateException("control: " + response);
        return (List<Map<String, Object>>) response.get("services");
    }

    private static Map<String, Integer> pids(ControlClient client) throws IOException {
        Map<String, Integer> pids = new HashMap<>();
        for (Map<String, Object> s : servicesOf(client.call(LIST))) {
            pids.put((String) s.get("name"), "running".equals(s.get("state")) ? ((Number) s.get("pid")).intValue() : -1);
        }
        return pids;
    }


    /** Stops the tree with bin/dynamod down; returns how long that took, in ms. */
    private static double stop(Tree tree) {
        if (tree.journal != null) tree.journal.close();
        long t0 = System.nanoTime();
        HostTrees.down(home, tree.state);
        double took = ms(System.nanoTime() - t0);
        live.remove(tree.state);
        List<Integer> left = markedProcesses(tree.name);
        if (!left.isEmpty()) {
            warn(tree.name + ": " + left.size() + " service processes still run after bin/dynamod down (killed now): " + left.subList(0, Math.min(10, left.size())));
            for (int pid : left) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        return took;
    }


    // ---------------------------------------------------------------- crash -> replacement

    private static void crashSamples(Tree tree, int count) throws Exception {
        List<String> leaves = tree.leaves();
        record Crash(String service, int oldPid, int newPid, long killedAt) {}
        List<Crash> done = new ArrayList<>();
        try (ControlClient client = ControlClient.connect(tree.run)) {
            for (int i = 0; i < count; i++) {
                String service = leaves.get(i % leaves.size());
                Map<String, Object> status = Map.of("command", "status", "services", List.of(service));
                int oldPid = ((Number) servicesOf(client.call(status)).getFirst().get("pid")).intValue();
                ProcessHandle process = ProcessHandle.of(oldPid).orElseThrow(() -> new IllegalStateException("no process " + oldPid));
                long killed = System.nanoTime();
                process.destroyForcibly();
                long deadline = killed + Duration.ofSeconds(10).toNanos();
                int newPid = -1;
                while (System.nanoTime() < deadline) {
                    Map<String, Object> s = servicesOf(client.call(status)).getFirst();
                    int pid = ((Number) s.get("pid")).intValue();
                    if ("running".equals(s.get("state")) && pid != 0 && pid != oldPid) {
                        crashWall.add(ms(System.nanoTime() - killed));
                        newPid = pid;
                        break;
                    }
                    Thread.sleep(0, 500_000);
                }
                if (newPid < 0) {
                    warn(tree.name + ": " + service + " was not running again 10 s after kill -9 of " + oldPid);
                    continue;
                }
                done.add(new Crash(service, oldPid, newPid, killed));
                Thread.sleep(100);
            }
        }
        // The journal: ServiceExited of the old pid -> ServiceStateChanged to RUNNING of the new one.
        Map<String, Long> exited = new HashMap<>(), runningAgain = new HashMap<>();
        try (JournalReader reader = tree.journal.reader(Stream.EVENTS)) {
            for (Optional<Recorded> next; (next = reader.next()).isPresent(); ) {
                Recorded r = next.get();
                switch (r.event()) {
                    case ServiceExited e -> exited.putIfAbsent(e.service() + "/" + e.pid(), r.monotonicNanos());
                    case ServiceStateChanged s when s.to() == ServiceState.RUNNING -> runningAgain.putIfAbsent(s.service() + "/" + s.pid(), r.monotonicNanos());
                    default -> {}
                }
            }
        }
        for (Crash c : done) {
            Long e = exited.get(c.service() + "/" + c.oldPid()), r = runningAgain.get(c.service() + "/" + c.newPid());
            if (e == null || r == null) {
                warn(tree.name + ": journal lacks ServiceExited of " + c.service() + "/" + c.oldPid() + " or its RUNNING of " + c.newPid());
                continue;
            }
            crashJournal.add(ms(r - e));
            crashReap.add(ms(e - c.killedAt()));
        }
    }

    // ---------------------------------------------------------------- recovery after kill -9 of svmgr

    private static void recovery(Tree tree) throws Exception {
        Map<String, Integer> before;
        int oldPid, oldGeneration;
        try (ControlClient client = ControlClient.connect(tree.run)) {
            before = pids(client);
            Map<String, Object> ping = client.call(PING);
            oldPid = ((Number) ping.get("pid")).intValue();
            oldGeneration = ((Number) ping.get("generation")).intValue();
        }
        long runningBefore = before.values().stream().filter(p -> p > 0).count();
        if (runningBefore != tree.size) warn(tree.name + ": only " + runningBefore + " of " + tree.size + " running before the svmgr kill");
        // pgrep -f 'dynamod.daemon=dynamod-svmgr.*STATE': the svmgr of this tree (init's command line has no such string).
        List<Integer> found = pgrep(cmd -> cmd.contains("-Ddynamod.daemon=dynamod-svmgr") && cmd.contains(tree.state.toString()));
        if (!found.equals(List.of(oldPid))) throw new IllegalStateException(tree.name + ": pgrep finds " + found + ", ping says svmgr is " + oldPid);
        ProcessHandle svmgr = ProcessHandle.of(oldPid).orElseThrow();
        long killed = System.nanoTime();
        svmgr.destroyForcibly();
        long answered = -1;
        long deadline = killed + Duration.ofSeconds(120).toNanos();
        ControlClient client = null;
        while (System.nanoTime() < deadline) {
            try {
                if (client == null) client = ControlClient.connect(tree.run);
                Map<String, Object> ping = client.call(PING);
                if (Boolean.TRUE.equals(ping.get("ok")) && ((Number) ping.get("pid")).intValue() != oldPid) {
                    answered = System.nanoTime();
                    break;
                }
            } catch (IOException e) {
                if (client != null) client.close();
                client = null;
            }
            Thread.sleep(2);
        }
        try {
            if (answered < 0) throw new IllegalStateException(tree.name + ": no new svmgr answered ping within 120 s of the kill");
            Map<String, Integer> after = pids(client);
            // The journal: ManagerExited (init's restart delay), ManagerStarted and ManagerRecovered of the new generation.
            long delayMillis = -1, startedAt = -1;
            SystemEvent.ManagerRecovered recovered = null;
            try (JournalReader reader = tree.journal.reader(Stream.EVENTS)) {
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (recovered == null && System.nanoTime() < until) {
                    Optional<Recorded> next = reader.poll(Duration.ofSeconds(1));
                    if (next.isEmpty()) continue;
                    var event = next.get().event();
                    if (event instanceof SystemEvent.ManagerExited e && e.pid() == oldPid) delayMillis = e.restartDelayMillis();
                    if (event instanceof SystemEvent.ManagerStarted s && s.generation() > oldGeneration) startedAt = next.get().monotonicNanos();
                    if (event instanceof SystemEvent.ManagerRecovered r && startedAt > 0) recovered = r;
                }
            }
            recPing.add(ms(answered - killed));
            if (delayMillis >= 0) {
                recDelay.add((double) delayMillis);
                recPingNet.add(ms(answered - killed) - delayMillis);
            }
            if (startedAt > 0) recStarted.add(ms(startedAt - killed));
            if (recovered == null) {
                warn(tree.name + ": no ManagerRecovered event after the svmgr kill");
            } else {
                recDuration.add(recovered.durationMicros() / 1000.0);
                recAdopted.add((double) recovered.processesAdopted());
                if (recovered.processesAdopted() != tree.size) {
                    warn(tree.name + ": ManagerRecovered says " + recovered.processesAdopted() + " processes adopted, expected " + tree.size
                            + " (exits discovered: " + recovered.exitsDiscovered() + ")");
                }
            }
            int changed = 0;
            for (var e : before.entrySet()) if (!e.getValue().equals(after.get(e.getKey()))) changed++;
            if (changed > 0) warn(tree.name + ": " + changed + " services have another pid (or are not running) after the svmgr kill");
            System.out.printf("  recovery %s: ping after %.0f ms (init's restart delay %d ms), ManagerStarted after %.0f ms, "
                    + "ManagerRecovered %s; pids unchanged: %s%n", tree.name, ms(answered - killed), delayMillis, ms(startedAt - killed),
                    recovered == null ? "missing" : recovered.durationMicros() / 1000 + " ms, " + recovered.processesAdopted() + " adopted, "
                            + recovered.eventsReplayed() + " events replayed", changed == 0 ? "yes" : "NO (" + changed + ")");
        } finally {
            if (client != null) client.close();
        }
    }

    private static List<Integer> pgrep(Predicate<String> commandLine) {
        List<Integer> pids = new ArrayList<>();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            String cmd = cmdline(p.pid());
            if (cmd != null && commandLine.test(cmd)) pids.add((int) p.pid());
        }
        return pids;
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return null;
        }
    }

    /** The processes whose environment carries this tree's marker (its services). */
    private static List<Integer> markedProcesses(String tree) {
        byte[] marker = ("DYNAMOD_BENCH_TREE=" + tree + "\0").getBytes(StandardCharsets.UTF_8);
        List<Integer> pids = new ArrayList<>();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            try {
                byte[] env = Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "environ"));
                if (indexOf(env, marker) >= 0) pids.add((int) p.pid());
            } catch (IOException e) {
                // gone, or a kernel thread
            }
        }
        return pids;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- the machine


    /** utime + stime of a process, in clock ticks. */
    private static long processTicks(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }


    // ---------------------------------------------------------------- memory

    private static void memorySample(Tree tree, String label) throws IOException {
        int init = Integer.parseInt(Files.readString(tree.run.resolve("init.pid")).strip());
        int svmgr;
        try (ControlClient client = ControlClient.connect(tree.run)) {
            svmgr = ((Number) client.call(PING).get("pid")).intValue();
        }
        long[] i = rollup(init), s = rollup(svmgr);
        if (!label.contains("recovery")) {
            memory.computeIfAbsent("init PSS, " + label, k -> new ArrayList<>()).add(i[1] / 1024.0);
            memory.computeIfAbsent("init RSS, " + label, k -> new ArrayList<>()).add(i[0] / 1024.0);
        }
        memory.computeIfAbsent("svmgr PSS, " + label, k -> new ArrayList<>()).add(s[1] / 1024.0);
        memory.computeIfAbsent("svmgr RSS, " + label, k -> new ArrayList<>()).add(s[0] / 1024.0);
    }

    /** {Rss, Pss} in kB from /proc/PID/smaps_rollup. */
    private static long[] rollup(int pid) throws IOException {
        long rss = -1, pss = -1;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps_rollup"))) {
            String[] parts = line.trim().split("\\s+");
            if (parts[0].equals("Rss:")) rss = Long.parseLong(parts[1]);
            if (parts[0].equals("Pss:")) pss = Long.parseLong(parts[1]);
        }
        return new long[] {rss, pss};
    }

    // ---------------------------------------------------------------- the report

    private static void report() {
        System.out.printf("%nruntime, %s, %d cores; min / median / max (n)%n", LocalDate.now(), Runtime.getRuntime().availableProcessors());
        row("boot " + services + " to all running, bench (list every 20 ms)", bootWall, "ms");
        row("boot " + services + ", journal: first event -> last RUNNING", bootJournal, "ms");
        row("  launch -> ManagerStarted (bash, JVMs, journal open)", bootToManager, "ms");
        row("  launch -> ConfigurationLoaded", bootToConfig, "ms");
        row("  launch -> control socket answers", bootToSocket, "ms");
        row("  share of the boot before ManagerStarted", bootShare, "%");
        row("  CPU busy during the boot (all cores = 100 %)", bootBusy, "%");
        row("  of it dynamod-init + dynamod-svmgr", bootOurs, "%");
        row("boot " + small + " to all running, bench", smallWall, "ms");
        row("boot " + small + ", journal: first event -> last RUNNING", smallJournal, "ms");
        row("crash -> new pid running, bench (status every 0.5 ms)", crashWall, "ms");
        row("crash, journal: ServiceExited -> RUNNING", crashJournal, "ms");
        row("  kill -9 -> ServiceExited (reaping)", crashReap, "ms");
        row("svmgr kill -9 -> new svmgr answers ping", recPing, "ms");
        row("  of which init's restart delay", recDelay, "ms");
        row("  ping minus restart delay", recPingNet, "ms");
        row("  kill -9 -> ManagerStarted", recStarted, "ms");
        row("  ManagerRecovered durationMicros", recDuration, "ms");
        row("  ManagerRecovered processesAdopted", recAdopted, "");
        memory.forEach((label, values) -> row(label, values, "MiB"));
        row("bin/dynamod down of " + services, downMs, "ms");
        if (!warnings.isEmpty()) {
            System.out.println();
            for (String w : warnings) System.out.println("WARNING: " + w);
        }
    }

    private static void row(String label, List<Double> values, String unit) {
        if (values.isEmpty()) {
            System.out.printf("%-58s  no samples%n", label);
            return;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        String f = unit.equals("ms") && v[v.length - 1] < 100 ? "%.1f" : "%.0f";
        if (unit.equals("MiB")) f = "%.1f";
        System.out.printf("%-58s  " + f + " / " + f + " / " + f + " %s (%d)%n", label, v[0], median, v[v.length - 1], unit, v.length);
    }

    private static void warn(String text) {
        warnings.add(text);
        System.out.println("  WARNING: " + text);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
