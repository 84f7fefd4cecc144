package dynamod.ctl.boot;

import static dynamod.ctl.boot.BootAnalyzerTest.ready;
import static dynamod.ctl.boot.BootAnalyzerTest.services;
import static dynamod.ctl.boot.BootAnalyzerTest.start;
import static dynamod.ctl.boot.BootAnalyzerTest.waiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG of a boot with a restart: each part is where it belongs, and the document parses. */
class BootPlotTest {

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** The elements with this tag and class, as the data-service of the row each is in ("" outside rows). */
    static List<String> rowsOf(Document d, String tag, String cls) {
        List<String> rows = new ArrayList<>();
        NodeList nodes = d.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (!e.getAttribute("class").equals(cls)) continue;
            String row = "";
            for (org.w3c.dom.Node n = e; n instanceof Element p; n = p.getParentNode()) {
                if (p.getAttribute("class").equals("service")) row = p.getAttribute("data-service");
            }
            rows.add(row);
        }
        return rows;
    }

    @Test
    void aRestartIsDrawnInItsRowAndTheWaitFromItsDependency() throws Exception {
        BootAnalyzerTest.Boot boot = new BootAnalyzerTest.Boot("host", services("flaky", "", "user", "[dependencies]\nrequires = [\"flaky\"]\n"));
        boot.at(2, start("flaky", ServiceState.INACTIVE, 1)).at(2, waiting("user", "flaky"));
        boot.at(4, new ServiceSpawned("flaky", 200, "/bin/true"));
        boot.at(10, new ServiceExited("flaky", 200, ExitStatus.exited(1), true), new RestartScheduled("root", "flaky", 1000, 1, "exited 1"),
                new ServiceStateChanged("flaky", ServiceState.STARTING, ServiceState.WAITING, 0, Optional.of(ExitStatus.exited(1)),
                        "exited 1; restart in 1s", Optional.empty()));
        boot.at(1010, start("flaky", ServiceState.WAITING, 2));
        boot.at(1012, new ServiceSpawned("flaky", 201, "/bin/true"));
        boot.at(1030, ready("flaky", 20_000)).at(1030, start("user", ServiceState.WAITING, 1));
        boot.at(1080, ready("user", 50_000));
        Document svg = parse(BootPlot.svg(boot.report(), "a boot & <its> \"title\""));

        assertEquals(List.of("flaky", "user"), serviceRows(svg));
        assertEquals(List.of("flaky"), rowsOf(svg, "rect", "phase restart-delay"));
        assertEquals(List.of("flaky", "flaky", "user"), rowsOf(svg, "rect", "phase starting"));
        assertEquals(List.of("flaky"), rowsOf(svg, "g", "failure"));
        assertEquals(List.of("flaky"), rowsOf(svg, "g", "restart"));
        assertEquals(List.of("flaky", "flaky"), rowsOf(svg, "line", "spawn"));
        assertEquals(List.of("user"), rowsOf(svg, "rect", "phase waiting"));
        assertEquals(1, rowsOf(svg, "path", "wait").size(), "user waited for flaky");
        assertEquals(1, rowsOf(svg, "line", "finished").size());
        String text = svg.getDocumentElement().getTextContent();
        assertTrue(text.contains("a boot & <its> \"title\""), text);
        assertTrue(text.contains("Startup finished in 1.08s (userspace)"), text);
        assertTrue(text.contains("+1.028s (1 failed)"), text);
    }

    private static List<String> serviceRows(Document svg) {
        List<String> rows = new ArrayList<>();
        NodeList nodes = svg.getElementsByTagName("g");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals("service")) rows.add(e.getAttribute("data-service"));
        }
        return rows;
    }

    @Test
    void escapingLeavesOnlyAsciiThatParsesBack() throws Exception {
        String nasty = "a&b<c>d\"e'f \u00e9\u2192\uD83D\uDE00 \u0007 \uD800 end";
        String escaped = BootPlot.escape(nasty);
        assertTrue(escaped.chars().allMatch(c -> c >= 0x20 && c < 0x7f), escaped);
        Document d = parse("<t a=\"" + escaped + "\">" + escaped + "</t>");
        String expected = "a&b<c>d\"e'f \u00e9\u2192\uD83D\uDE00 ? ? end";
        assertEquals(expected, d.getDocumentElement().getTextContent());
        assertEquals(expected, d.getDocumentElement().getAttribute("a"));
    }
}
