package dynamod.ctl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Boot analysis of real host-mode boots ({@code bin/dynamod up -d} / {@code down}): a chain web → api → db whose
 * readiness (the s6 fd protocol) comes after different sleeps, and a service nothing requires. Two boots, so the
 * past one is analysed with {@code -b -1}.
 */
class BootAnalysisHostIT {

    /** A service that is ready (writes its newline on fd 3) {@code seconds} after it starts. */
    private static void service(Path config, String name, String seconds, String requires) throws IOException {
        Files.writeString(config.resolve("services/" + name + ".toml"), "[service]\nname = \"" + name + "\"\n"
                + "exec = [\"/bin/sh\", \"-c\", \"sleep " + seconds + "; echo >&3; exec sleep 600\"]\n"
                + "[readiness]\ntype = \"fd\"\n" + (requires.isEmpty() ? "" : "[dependencies]\nrequires = [\"" + requires + "\"]\n"));
    }

    /** Brings a tree up, waits until every service is running, brings it down. */
    private static void boot(Path config, Path state, List<String> services) throws Exception {
        HostCommands.Result up = HostCommands.run("bin/dynamod", "up", "-d", "--config", config.toString(), "--state", state.toString());
        assertEquals(0, up.exit(), up::toString);
        String runDir = state.resolve("run").toString();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                HostCommands.Result list = HostCommands.run("bin/dynamodctl", "list", "--runtime-dir", runDir, "--json");
                assertEquals(0, list.exit(), list::toString);
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> all = (List<Map<String, Object>>) JsonParser.parse(list.out().strip());
                for (String s : services) {
                    assertTrue(all.stream().anyMatch(m -> m.get("name").equals(s) && m.get("state").equals("running")), s + ": " + list.out());
                }
            });
        } finally {
            HostCommands.Result down = HostCommands.run("bin/dynamod", "down", "--state", state.toString());
            assertEquals(0, down.exit(), down::toString);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void blameCriticalChainAndPlotOfRealBoots(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("services"));
        service(config, "db", "1.6", "");
        service(config, "api", "0.9", "db");
        service(config, "web", "0.3", "api");
        service(config, "side", "0.05", "");
        Path state = dir.resolve("state");
        boot(config, state, List.of("db", "api", "web", "side"));
        service(config, "late", "0.05", "web"); // only in the second boot
        boot(config, state, List.of("db", "api", "web", "side", "late"));
        String s = state.toString();

        // blame of the first boot: the chain's services slowest first, each at least as slow as its sleep.
        HostCommands.Result blame = HostCommands.run("bin/dynamodctl", "blame", "--state", s, "-b", "-1", "--json");
        assertEquals(0, blame.exit(), blame::toString);
        Map<String, Object> report = (Map<String, Object>) JsonParser.parse(blame.out().strip());
        assertTrue(report.get("finishedMicros") instanceof Number, report::toString);
        List<Map<String, Object>> services = (List<Map<String, Object>>) report.get("services");
        List<String> order = services.stream().map(m -> (String) m.get("service")).toList();
        assertEquals(new TreeSet<>(List.of("api", "db", "dynamod-logd", "side", "web")), new TreeSet<>(order), order::toString);
        assertEquals(List.of("db", "api", "web"), order.stream().filter(List.of("db", "api", "web")::contains).toList(), blame::toString);
        Map<String, Long> startup = new java.util.HashMap<>();
        for (Map<String, Object> m : services) startup.put((String) m.get("service"), ((Number) m.get("startupMicros")).longValue());
        assertTrue(startup.get("db") >= 1_600_000 && startup.get("api") >= 900_000 && startup.get("web") >= 300_000, startup::toString);
        Map<String, Object> web = services.stream().filter(m -> m.get("service").equals("web")).findFirst().orElseThrow();
        assertEquals("api", ((Map<String, Object>) web.get("waitedFor")).get("service"));
        assertEquals("fd", web.get("detector"));

        HostCommands.Result text = HostCommands.run("bin/dynamodctl", "blame", "--state", s, "-b", "-1");
        assertEquals(0, text.exit(), text::toString);
        assertEquals(order, text.out().lines().map(l -> l.strip().split(" ")[1]).toList(), "the text lists as the JSON does");

        // The critical chain of the first boot's web: web waited for api, api for db, db for nothing.
        HostCommands.Result chain = HostCommands.run("bin/dynamodctl", "critical-chain", "--state", s, "-b", "-1", "--json", "web");
        assertEquals(0, chain.exit(), chain::toString);
        List<Map<String, Object>> steps = (List<Map<String, Object>>) ((List<Map<String, Object>>)
                ((Map<String, Object>) JsonParser.parse(chain.out().strip())).get("chains")).getFirst().get("chain");
        assertEquals(List.of("web", "api", "db"), steps.stream().map(m -> m.get("service")).toList(), chain::toString);
        HostCommands.Result chainText = HostCommands.run("bin/dynamodctl", "critical-chain", "--state", s, "-b", "-1", "web");
        assertEquals(0, chainText.exit(), chainText::toString);
        assertTrue(chainText.out().contains("web @") && chainText.out().contains("(requires api)") && chainText.out().contains("db @"), chainText::toString);

        // The current (second) boot has late, whose chain runs through the whole chain.
        HostCommands.Result current = HostCommands.run("bin/dynamodctl", "critical-chain", "--state", s, "--json", "late");
        assertEquals(0, current.exit(), current::toString);
        List<Map<String, Object>> lateSteps = (List<Map<String, Object>>) ((List<Map<String, Object>>)
                ((Map<String, Object>) JsonParser.parse(current.out().strip())).get("chains")).getFirst().get("chain");
        assertEquals(List.of("late", "web", "api", "db"), lateSteps.stream().map(m -> m.get("service")).toList(), current::toString);

        // plot: valid SVG with one row per service of the boot.
        HostCommands.Result plot = HostCommands.run("bin/dynamodctl", "plot", "--state", s, "-b", "-1");
        assertEquals(0, plot.exit(), plot::toString);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document svg = f.newDocumentBuilder().parse(new ByteArrayInputStream(plot.out().getBytes(StandardCharsets.UTF_8)));
        assertEquals("http://www.w3.org/2000/svg", svg.getDocumentElement().getNamespaceURI());
        List<String> rows = new ArrayList<>();
        NodeList groups = svg.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("service")) rows.add(g.getAttribute("data-service"));
        }
        assertEquals(new TreeSet<>(order), new TreeSet<>(rows), plot::out);
        assertEquals(order.size(), rows.size(), "one row per service");
    }
}
