package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser;
import dynamod.svmgr.control.ControlClient;
import dynamod.svmgr.control.Frames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The manager commands' exit codes, --json and --quiet, against a control socket that gives fixed answers. */
class ManagerCommandsTest {

    @TempDir
    Path run;

    private ServerSocketChannel server;
    private Thread serving;

    /** The services the fake manager knows, by name: what svmgr's Views would send. */
    private final Map<String, Map<String, Object>> services = new LinkedHashMap<>();

    private static Map<String, Object> service(String name, String state, String activeState) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", name);
        s.put("state", state);
        s.put("activeState", activeState);
        s.put("since", "2026-12-01T10:00:00Z");
        s.put("pid", state.equals("running") ? 42 : 0);
        s.put("supervisor", "root");
        s.put("restarts", 0);
        s.put("reason", state);
        s.put("unit", name + ".service");
        s.put("type", "simple");
        s.put("readiness", "immediate");
        s.put("origin", "/etc/dynamod/services/" + name + ".toml");
        return s;
    }

    @BeforeEach
    void startFakeManager() throws IOException {
        services.put("web", service("web", "running", "active"));
        services.put("db", service("db", "failed", "failed"));
        services.put("cron", service("cron", "stopped", "inactive"));
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(run.resolve(ControlClient.SOCKET_NAME)));
        serving = Thread.ofVirtual().start(() -> {
            while (true) {
                try (SocketChannel client = server.accept()) {
                    InputStream in = Channels.newInputStream(client);
                    OutputStream out = Channels.newOutputStream(client);
                    Map<String, Object> request;
                    while ((request = Frames.read(in, Frames.MAX_REQUEST)) != null) Frames.write(out, answer(request));
                } catch (IOException e) {
                    if (!server.isOpen()) return;
                }
            }
        });
    }

    @AfterEach
    void stopFakeManager() throws Exception {
        server.close();
        serving.join();
    }

    private Map<String, Object> answer(Map<String, Object> request) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ok", true);
        switch (String.valueOf(request.get("command"))) {
            case "list" -> r.put("services", new ArrayList<>(services.values()));
            case "status" -> {
                List<Object> found = new ArrayList<>(), unknown = new ArrayList<>();
                for (Object name : (List<?>) request.get("services")) {
                    if (services.containsKey(name)) found.add(services.get(name));
                    else unknown.add(name);
                }
                r.put("services", found);
                r.put("unknown", unknown);
            }
            default -> {
                r.put("ok", false);
                r.put("code", "unknown-command");
                r.put("error", "unknown command");
            }
        }
        return r;
    }

    record Result(int exit, String out, String err) {}

    private Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--runtime-dir=" + run);
        String[] line = all.toArray(String[]::new);
        CommandLine cli = Dynamodctl.commandLineFor(line); // as dynamodctl runs: with only the command named
        StringWriter out = new StringWriter(), err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(line);
        cli.getOut().flush();
        cli.getErr().flush();
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void isActiveAnswersAWordPerServiceAndZeroWhenOneIsActive() {
        Result r = run("is-active", "web", "db", "nope");
        assertEquals(new Result(0, "active\nfailed\ninactive\n", ""), r);
        assertEquals(3, run("is-active", "db", "cron").exit());
        assertEquals(3, run("is-active", "nope").exit(), "an unknown service is not active");
        assertEquals(new Result(3, "", ""), run("is-active", "--quiet", "cron"));
        assertEquals(new Result(0, "", ""), run("is-active", "-q", "web"));
    }

    @Test
    void isFailedIsZeroWhenOneFailedElseOne() {
        assertEquals(new Result(0, "failed\n", ""), run("is-failed", "db"));
        assertEquals(1, run("is-failed", "web", "cron", "nope").exit());
        assertEquals(new Result(1, "", ""), run("is-failed", "--quiet", "web"));
    }

    @Test
    void statusExitsAsSystemctlStatusDoes() {
        assertEquals(0, run("status", "web").exit());
        assertEquals(3, run("status", "web", "cron").exit());
        Result unknown = run("status", "web", "nope");
        assertEquals(4, unknown.exit());
        assertTrue(unknown.err().contains("no service nope"), unknown::toString);
        assertTrue(unknown.out().contains("● web.service"), unknown::toString);
    }

    @Test
    void everyReadCommandSpeaksJson() {
        Object list = JsonParser.parse(run("list", "--json").out());
        assertEquals(3, ((List<?>) list).size());
        Map<?, ?> status = (Map<?, ?>) JsonParser.parse(run("status", "--json", "web", "nope").out());
        assertEquals(List.of("nope"), status.get("unknown"));
        List<?> active = (List<?>) JsonParser.parse(run("is-active", "--json", "web", "nope").out());
        assertEquals(Map.of("name", "nope", "activeState", "inactive", "known", false), withoutNulls((Map<?, ?>) active.get(1)));
    }

    @Test
    void noColorIsAcceptedByEveryCommand() {
        assertEquals(0, run("list", "--no-color").exit());
        assertEquals(0, run("status", "--no-color", "web").exit());
        assertEquals(0, Dynamodctl.commandLineFor("--no-color", "check", "--help").execute("--no-color", "check", "--help"));
    }

    @Test
    void onlyTheNamedCommandIsBuiltAndEveryOneWhenNoneIsNamed() {
        assertEquals(List.of("status"), List.copyOf(Dynamodctl.commandLineFor("--no-color", "status", "web").getSubcommands().keySet()));
        assertEquals(Dynamodctl.COMMANDS.size(), Dynamodctl.commandLineFor("--help").getSubcommands().size());
        assertEquals(Dynamodctl.COMMANDS.size(), Dynamodctl.commandLineFor("help", "status").getSubcommands().size());
        assertEquals(Dynamodctl.COMMANDS.size(), Dynamodctl.commandLineFor("bogus").getSubcommands().size(), "to suggest a command");
    }

    private static Map<Object, Object> withoutNulls(Map<?, ?> map) {
        Map<Object, Object> copy = new LinkedHashMap<>(map);
        copy.values().removeIf(java.util.Objects::isNull);
        return copy;
    }
}
