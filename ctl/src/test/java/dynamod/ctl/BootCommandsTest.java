package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.ctl.boot.BootAnalyzerTest;
import dynamod.journal.Journal;
import dynamod.journal.JournalOptions;
import dynamod.journal.ManualClock;
import dynamod.journal.Origin;
import dynamod.journal.event.Event;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.text.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/** {@code blame}, {@code critical-chain} and {@code plot} over a journal of two boots written with given times. */
class BootCommandsTest {

    static final UUID OLD = UUID.fromString("aaaaaaaa-0000-4000-8000-00000000000a");
    static final UUID NOW = UUID.fromString("bbbbbbbb-0000-4000-8000-00000000000b");
    static final long MS = 1_000_000L;
    static final String ODD_REASON = "exit <1> & \"quoted\" 'x' \u00e9\u0001";

    @TempDir
    Path tmp;

    Path dir;

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = Dynamodctl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static ServiceStateChanged change(String service, ServiceState from, ServiceState to, String reason) {
        return new ServiceStateChanged(service, from, to, 0, Optional.empty(), reason, Optional.empty());
    }

    static void append(Journal j, long ms, Event... events) {
        for (Event e : events) j.append(e, 10_000 * MS + ms * MS);
    }

    @BeforeEach
    void journal() throws Exception {
        dir = tmp.resolve("journal");
        ManualClock clock = new ManualClock(Instant.parse("2026-12-01T09:00:00Z"));
        try (Journal j = Journal.open(JournalOptions.defaults(dir, Origin.SVMGR).withClock(clock).withBootId(OLD))) {
            // The old boot: api requires db (slow), odd fails with a reason full of markup.
            append(j, 0, new BootStarted("host", "6.18", ""), BootAnalyzerTest.configuration(BootAnalyzerTest.services(
                    "db", "", "api", "[dependencies]\nrequires = [\"db\"]\n", "odd", "[restart]\npolicy = \"temporary\"\n")),
                    change("db", ServiceState.INACTIVE, ServiceState.STARTING, "starting"),
                    change("odd", ServiceState.INACTIVE, ServiceState.STARTING, "starting"),
                    change("api", ServiceState.INACTIVE, ServiceState.WAITING, "waiting for db"));
            append(j, 40, new ServiceExited("odd", 7, ExitStatus.exited(1), true), change("odd", ServiceState.STARTING, ServiceState.FAILED, ODD_REASON));
            append(j, 500, new ServiceReady("db", 5, "notify", 500_000), change("db", ServiceState.STARTING, ServiceState.RUNNING, "ready (notify)"),
                    change("api", ServiceState.WAITING, ServiceState.STARTING, "starting"));
            append(j, 620, new ServiceReady("api", 6, "tcp-port", 120_000), change("api", ServiceState.STARTING, ServiceState.RUNNING, "ready (tcp-port)"));
        }
        clock.set(Instant.parse("2026-12-01T10:00:00Z"), Duration.ofSeconds(3));
        try (Journal j = Journal.open(JournalOptions.defaults(dir, Origin.SVMGR).withClock(clock).withBootId(NOW))) {
            append(j, 0, new BootStarted("host", "6.18", ""), BootAnalyzerTest.configuration(BootAnalyzerTest.services("solo", "")),
                    change("solo", ServiceState.INACTIVE, ServiceState.STARTING, "starting"));
            append(j, 80, new ServiceReady("solo", 9, "spawn", 80_000), change("solo", ServiceState.STARTING, ServiceState.RUNNING, "ready (spawn)"));
            j.append(new LogLine("solo", LogStream.STDOUT, 6, 9, "solo", "up".getBytes(StandardCharsets.UTF_8), 0, -1));
        }
    }

    @Test
    void blameIsTheCurrentBootByDefaultAndAPastOneWithB() {
        Result current = run("blame", "-D", dir.toString());
        assertEquals(0, current.exit(), current::toString);
        assertEquals(" 80ms solo\n", current.out());

        Result old = run("blame", "-D", dir.toString(), "-b", "-1");
        assertEquals(0, old.exit(), old::toString);
        assertEquals("""
                 500ms db
                 120ms api
                  40ms odd (failed: exit <1> & "quoted" 'x' \u00e9\u0001)
                """, old.out());
        assertEquals(old.out(), run("blame", "-D", dir.toString(), "--boot", "1").out(), "1 is the first boot");
        assertEquals(old.out(), run("blame", "-D", dir.toString(), "-b", "aaaaaaaa000040008000" + "00000000000a").out(), "a boot id");
    }

    @Test
    @SuppressWarnings("unchecked")
    void blameJsonHasEveryServicesTimeline() {
        Result r = run("blame", "-D", dir.toString(), "-b", "-1", "--json");
        assertEquals(0, r.exit(), r::toString);
        Map<String, Object> o = (Map<String, Object>) JsonParser.parse(r.out().strip());
        assertEquals("aaaaaaaa00004000800000000000000a", o.get("bootId"));
        assertEquals(620_000L, ((Number) o.get("finishedMicros")).longValue());
        List<Map<String, Object>> services = (List<Map<String, Object>>) o.get("services");
        assertEquals(List.of("db", "api", "odd"), services.stream().map(s -> s.get("service")).toList());
        Map<String, Object> api = services.get(1);
        assertEquals(120_000L, ((Number) api.get("startupMicros")).longValue());
        assertEquals(500_000L, ((Number) api.get("dependenciesSatisfiedMicros")).longValue());
        assertEquals("db", ((Map<String, Object>) api.get("waitedFor")).get("service"));
        assertEquals("requires", ((Map<String, Object>) api.get("waitedFor")).get("relation"));
        assertEquals("tcp-port", api.get("detector"));
        assertEquals("exited", ((Map<String, Object>) ((List<Object>) services.get(2).get("attempts")).getFirst()).get("outcome"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void criticalChainDefaultsToTheLastServiceReady() {
        Result r = run("critical-chain", "-D", dir.toString(), "-b", "-1");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("The time when the service became ready is printed after the \"@\" character.\n"), r::toString);
        assertTrue(r.out().endsWith("\napi @620ms +120ms  (requires db)\n`-db @500ms +500ms\n")
                || r.out().endsWith("\napi @620ms +120ms  (requires db)\n└─db @500ms +500ms\n"), r::toString);
        assertEquals(r.out(), run("critical-chain", "-D", dir.toString(), "-b", "-1", "api.service").out(), "NAME.service is NAME");
        Result bare = run("critical-chain", "-D", dir.toString(), "-b", "solo");
        assertEquals(0, bare.exit(), bare::toString);
        assertTrue(bare.out().endsWith("\nsolo @80ms +80ms\n"), "a bare -b is the current boot, the name a name: " + bare);

        Result json = run("critical-chain", "-D", dir.toString(), "-b", "-1", "--json", "db", "api");
        assertEquals(0, json.exit(), json::toString);
        List<Map<String, Object>> chains = (List<Map<String, Object>>) ((Map<String, Object>) JsonParser.parse(json.out().strip())).get("chains");
        assertEquals(List.of("db", "api"), chains.stream().map(c -> c.get("service")).toList());
        assertEquals(List.of("api", "db"), ((List<Map<String, Object>>) chains.get(1).get("chain")).stream().map(s -> s.get("service")).toList());
    }

    @Test
    void badArgumentsAreClearErrors() {
        Result unknown = run("critical-chain", "-D", dir.toString(), "nope");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no service nope was started in boot bbbbbbbb"), unknown::toString);
        Result noBoot = run("blame", "-D", dir.toString(), "-b", "-5");
        assertEquals(1, noBoot.exit());
        assertTrue(noBoot.err().contains("no boot -5 in the journal: it has 2"), noBoot::toString);
        Result badBoot = run("blame", "-D", dir.toString(), "-b", "yesterday");
        assertEquals(1, badBoot.exit());
        assertTrue(badBoot.err().contains("invalid boot 'yesterday'"), badBoot::toString);
        Result noJournal = run("plot", "-D", tmp.resolve("nothing").toString());
        assertEquals(1, noJournal.exit());
        assertTrue(noJournal.err().contains("no such journal directory"), noJournal::toString);
        assertTrue(noJournal.out().isEmpty());
        Result both = run("blame", "-D", dir.toString(), "--state", tmp.toString());
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("not both"), both::toString);
    }

    @Test
    void plotIsValidSvgWithARowPerServiceAndTheTextEscaped() throws Exception {
        Result r = run("plot", "-D", dir.toString(), "-b", "-1");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().chars().allMatch(c -> c < 0x80), "ASCII only: everything else is a character reference");
        Document svg = parse(r.out());
        assertEquals("svg", svg.getDocumentElement().getTagName());
        List<String> rows = new ArrayList<>();
        NodeList groups = svg.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("service")) rows.add(g.getAttribute("data-service"));
        }
        assertEquals(List.of("db", "odd", "api"), rows, "in the order they were asked to start");
        assertTrue(svg.getDocumentElement().getTextContent().contains("failed: exit <1> & \"quoted\" 'x' \u00e9?"),
                "the reason survives escaping (the control character becomes ?)");
        assertTrue(svg.getDocumentElement().getTextContent().contains("Startup finished in 620ms (userspace)"));
        assertEquals(1, count(svg, "path", "wait"), "api waited for db");
        assertEquals(1, count(svg, "rect", "phase waiting"));
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static int count(Document d, String tag, String cls) {
        NodeList nodes = d.getElementsByTagName(tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) if (((Element) nodes.item(i)).getAttribute("class").equals(cls)) n++;
        return n;
    }
}
