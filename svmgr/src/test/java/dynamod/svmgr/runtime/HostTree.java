package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;

import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.JournalReader;
import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.Event;
import dynamod.svmgr.control.ControlClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real host-mode tree for tests: dynamod-init (as a child of the test JVM) → dynamod-svmgr → services, on a
 * configuration directory the test writes, with fast svmgr back-off so crash tests run quickly. The test talks to it
 * through the control socket and reads its journal, as dynamodctl does.
 */
final class HostTree implements AutoCloseable {

    private final Path config;
    private final Path state;
    private final Process init;
    private final Path log;

    private HostTree(Path config, Path state, Process init, Path log) {
        this.config = config;
        this.state = state;
        this.init = init;
        this.log = log;
    }

    /** A configuration directory under {@code dir}: write services with {@link #service}. */
    static Path config(Path dir) throws IOException {
        Path c = dir.resolve("config");
        Files.createDirectories(c.resolve("services"));
        Files.createDirectories(c.resolve("supervisors"));
        return c;
    }

    static void service(Path config, String name, String toml) throws IOException {
        Files.writeString(config.resolve("services").resolve(name + ".toml"), "[service]\nname = \"" + name + "\"\n" + toml);
    }

    static void supervisor(Path config, String name, String toml) throws IOException {
        Files.writeString(config.resolve("supervisors").resolve(name + ".toml"), "[supervisor]\nname = \"" + name + "\"\n" + toml);
    }

    static HostTree start(Path dir, String... svmgrOptions) throws IOException {
        return start(dir, List.of(), svmgrOptions);
    }

    /** With extra dynamod-init options (e.g. {@code --heartbeat-timeout 2000}). */
    static HostTree start(Path dir, List<String> initOptions, String... svmgrOptions) throws IOException {
        Path config = dir.resolve("config");
        Path state = dir.resolve("state");
        Files.createDirectories(state.resolve("run"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = classpath();
        String home = "-Ddynamod.home=" + Path.of(System.getProperty("user.dir")).getParent();
        List<String> svmgr = new ArrayList<>(List.of(java, "-Ddynamod.daemon=dynamod-svmgr", home, "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "@" + chronicleArgs(), "-cp", cp, "dynamod.svmgr.Main",
                "--config", config.toString(), "--state", state.toString()));
        svmgr.addAll(List.of(svmgrOptions));
        if (svmgr.contains("--logd")) {
            // The built-in log daemon, with this test's classpath.
            svmgr.remove("--logd");
            Path logdArgv = state.resolve("run/logd.argv");
            Files.write(logdArgv, List.of(java, "-Ddynamod.daemon=dynamod-logd", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Xshare:auto", "@" + chronicleArgs(), "-cp", cp, "dynamod.logd.Main", "--state", state.toString()));
            svmgr.addAll(List.of("--logd-argv", logdArgv.toString()));
        }
        Path argv = state.resolve("run/svmgr.argv");
        Files.write(argv, svmgr);
        List<String> initCommand = new ArrayList<>(List.of(java, "-Ddynamod.daemon=dynamod-init", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", cp, "dynamod.init.Init",
                "--state", state.toString(), "--restart-delay", "50", "--restart-max-delay", "400", "--stable-after", "5000"));
        initCommand.addAll(initOptions);
        initCommand.addAll(List.of("--svmgr-argv", argv.toString()));
        Path log = state.resolve("run/tree.log");
        Process p = new ProcessBuilder(initCommand).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HostTree tree = new HostTree(config, state, p, log);
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) throw new AssertionError("dynamod-init exited:\n" + tree.log());
                return tree.ping().isPresent();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            tree.close();
            throw new AssertionError("the tree did not come up within 90 s:\n" + tree.log(), e);
        }
        return tree;
    }

    Path runDir() {
        return state.resolve("run");
    }

    Path state() {
        return state;
    }

    Path config() {
        return config;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    long initPid() {
        return init.pid();
    }

    /** Waits for dynamod-init to exit by itself (a shutdown); its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!init.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("dynamod-init still runs after " + timeout + ":\n" + log());
        }
        return init.exitValue();
    }

    /** The current svmgr's answer to ping, or empty when none answers. */
    Optional<Map<String, Object>> ping() {
        try {
            Map<String, Object> r = call("ping");
            return Boolean.TRUE.equals(r.get("ok")) ? Optional.of(r) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    int svmgrPid() {
        return ((Number) ping().orElseThrow(() -> new AssertionError("no svmgr answers")).get("pid")).intValue();
    }

    /** A request: {@code call("start", "service", "web")}. */
    Map<String, Object> call(String command, Object... keyValues) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("command", command);
        for (int i = 0; i + 1 < keyValues.length; i += 2) request.put((String) keyValues[i], keyValues[i + 1]);
        try (ControlClient client = ControlClient.connect(runDir())) {
            return client.call(request);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> status(String service) throws IOException {
        Map<String, Object> r = call("status", "services", List.of(service));
        List<Map<String, Object>> services = (List<Map<String, Object>>) r.get("services");
        if (services == null || services.isEmpty()) throw new AssertionError("no service " + service + ": " + r);
        return services.getFirst();
    }

    String stateOf(String service) throws IOException {
        return (String) status(service).get("state");
    }

    int pidOf(String service) throws IOException {
        return ((Number) status(service).get("pid")).intValue();
    }

    void awaitState(String service, String expected) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            String s = stateOf(service);
            if (!expected.equals(s)) throw new AssertionError(service + " is " + s + ", not " + expected + "; " + status(service));
        });
    }

    /** Every event of this tree's journal so far (a read-only journal: the tree keeps writing). */
    List<Recorded> events(Stream stream) throws IOException {
        List<Recorded> all = new ArrayList<>();
        try (Journal j = Journal.open(JournalOptions.defaults(state.resolve("journal"), Origin.TOOL).readingOnly());
                JournalReader r = j.reader(stream)) {
            for (Optional<Recorded> next; (next = r.next()).isPresent(); ) all.add(next.get());
        }
        return all;
    }

    <T extends Event> List<T> events(Class<T> type) throws IOException {
        Stream stream = dynamod.journal.event.LogEvent.class.isAssignableFrom(type) ? Stream.LOGS : Stream.EVENTS;
        return events(stream).stream().map(Recorded::event).filter(type::isInstance).map(type::cast).toList();
    }

    /** Stops the tree as {@code bin/dynamod down} does (SIGTERM to init); kills it if it takes too long. */
    @Override
    public void close() throws IOException {
        if (init.isAlive()) {
            init.toHandle().destroy();
            try {
                if (!init.waitFor(60, TimeUnit.SECONDS)) init.destroyForcibly();
            } catch (InterruptedException e) {
                init.destroyForcibly();
            }
        }
        // Whatever the test left behind (a tree killed on purpose): no stray process survives the test.
        ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains(state.toString())).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private static String chronicleArgs() {
        Path p = Path.of(System.getProperty("user.dir")).getParent()
                .resolve("journal/src/main/resources/dynamod/journal/chronicle.jvmargs");
        if (!Files.exists(p)) throw new IllegalStateException("no " + p);
        return p.toString();
    }

    /** The test's classpath (surefire is told to pass the real one, not a manifest-only jar). */
    private static String classpath() {
        return System.getProperty("java.class.path");
    }
}
