package dynamod.ctl.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.CommandEvent.CommandAccepted;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.svmgr.core.Input;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link Why} over the events of the real core: the chain names the first cause, each step its event. */
class WhyTest {

    private static String text(Why.Explanation why) {
        return why.steps().stream().map(s -> "  ".repeat(s.depth()) + s.text()).collect(Collectors.joining("\n"));
    }

    @Test
    void aCrashLoopThatExceedsTheIntensityIsTracedThroughTheEscalationToTheExit() {
        CoreRun run = new CoreRun()
                .supervisor("root", "[restart]\nmax-restarts = 1\nmax-restart-window = \"1m\"\n")
                .supervisor("data", "[restart]\nmax-restarts = 2\nmax-restart-window = \"1m\"\n")
                .service("db", "supervisor = \"data\"\n[restart]\ndelay = \"0s\"\nmax-restarts = 1000\n")
                .service("app", "[dependencies]\nrequires = [\"db\"]\n")
                .load();
        // db exits 1 whenever it runs: data restarts it twice, then escalates; root restarts data once, then gives up.
        for (int i = 0; i < 20 && run.hasProcess("db"); i++) run.exit("db", 1).pass(Duration.ofMillis(10));
        assertTrue(run.events.stream().anyMatch(r -> r.event() instanceof GaveUp), "root gave up");
        PastState past = run.past();

        Why.Explanation db = Why.explain(past, "db", ZoneOffset.UTC);
        String chain = text(db);
        assertEquals(Optional.of("blocked"), db.state(), chain);
        assertTrue(chain.contains("supervisor root gave up (give-up = stop)"), chain);
        assertTrue(chain.contains("supervisor root exceeded its restart intensity: restart 2 within 1m, at most 1 allowed"), chain);
        assertTrue(chain.contains("the restart too many: supervisor data escalated to root"), chain);
        assertTrue(chain.contains("supervisor data exceeded its restart intensity: restart 3 within 1m, at most 2 allowed"), chain);
        assertTrue(chain.contains("it restarted db 2 times within the window"), chain);
        assertTrue(chain.contains("it restarted data 1 time within the window"), chain);
        Why.Step root = db.rootCause().orElseThrow(() -> new AssertionError(chain));
        assertTrue(root.text().startsWith("db's process ") && root.text().endsWith(" exited 1"), root.text());
        ServiceExited exit = (ServiceExited) root.event().orElseThrow().event();
        assertEquals("db", exit.service());
        // The exit cited is the last one before root gave up: the one that made data exceed its intensity the second time.
        long gaveUp = run.events.stream().filter(r -> r.event() instanceof GaveUp).findFirst().orElseThrow().seq();
        long lastExitBefore = run.events.stream().filter(r -> r.seq() < gaveUp && r.event() instanceof ServiceExited x && x.service().equals("db"))
                .reduce((a, b) -> b).orElseThrow().seq();
        assertEquals(lastExitBefore, root.event().get().seq(), chain);

        // app requires db; it is blocked by root too, and explained down to the same exit.
        Why.Explanation app = Why.explain(past, "app", ZoneOffset.UTC);
        assertEquals(root.event().get().seq(), app.rootCause().orElseThrow(() -> new AssertionError(text(app))).event().get().seq(), text(app));
    }

    @Test
    void aServiceBlockedByAFailedRequirementIsExplainedByThatFailure() {
        CoreRun run = new CoreRun()
                .service("db", "[restart]\npolicy = \"temporary\"\n")
                .service("web", "[dependencies]\nrequires = [\"db\"]\n")
                .load();
        run.pass(Duration.ofMillis(5)).exit("db", 3).pass(Duration.ofMillis(5));
        Why.Explanation web = Why.explain(run.past(), "web", ZoneOffset.UTC);
        String chain = text(web);
        assertEquals(Optional.of("blocked"), web.state(), chain);
        List<Why.Step> steps = web.steps();
        assertTrue(steps.getFirst().text().startsWith("web is blocked since 12:00:01.005: ")
                && steps.getFirst().text().contains("requires db, which is failed"), chain);
        assertEquals(1, steps.get(1).depth(), chain);
        assertTrue(steps.get(1).text().startsWith("db is failed since 12:00:01.005: exited 3; temporary: not restarted"), chain);
        assertTrue(chain.contains("restart = temporary: never restarted"), chain);
        assertTrue(chain.indexOf("db's process") < chain.indexOf("restart = temporary"), "the exit first, then the policy: " + chain);
        Why.Step root = web.rootCause().orElseThrow();
        assertTrue(root.text().matches("db's process \\d+ exited 3"), root.text());
        assertTrue(root.event().orElseThrow().event() instanceof ServiceExited);
        for (Why.Step s : steps) {
            if (s.depth() < 2) assertTrue(s.event().isPresent(), "cites its event: " + s);
        }
    }

    @Test
    void aStoppedServiceNamesTheCommandAndItsCaller() {
        CoreRun run = new CoreRun().service("web", "").load();
        run.pass(Duration.ofMillis(5)).input(new Input.Stop("web", CoreRun.OPERATOR)).pass(Duration.ofMillis(5));
        Why.Explanation web = Why.explain(run.past(), "web", ZoneOffset.UTC);
        assertEquals(Optional.of("stopped"), web.state(), text(web));
        Why.Step root = web.rootCause().orElseThrow(() -> new AssertionError(text(web)));
        assertEquals("stopped by the command stop web (uid 1000, pid 4242); it stays down until started", root.text());
        assertTrue(root.event().orElseThrow().event() instanceof CommandAccepted);
    }

    @Test
    void aRunningServiceSaysHowItsRunBegan() {
        CoreRun run = new CoreRun().service("web", "[restart]\ndelay = \"0s\"\n").load();
        String boot = text(Why.explain(run.past(), "web", ZoneOffset.UTC));
        assertTrue(boot.startsWith("web is running since 12:00:01.000"), boot);
        assertTrue(boot.contains("started when the configuration was loaded from /etc/dynamod"), boot);

        run.pass(Duration.ofSeconds(1)).exit("web", 1).pass(Duration.ofMillis(1));
        Why.Explanation restarted = Why.explain(run.past(), "web", ZoneOffset.UTC);
        String chain = text(restarted);
        assertTrue(chain.contains("restarted by supervisor root (restart 1)"), chain);
        assertTrue(restarted.rootCause().orElseThrow().text().endsWith("exited 1"), chain);

        run.input(new Input.Restart("web", CoreRun.OPERATOR)).pass(Duration.ofMillis(1));
        String commanded = text(Why.explain(run.past(), "web", ZoneOffset.UTC));
        assertTrue(commanded.contains("started by the command restart web (uid 1000, pid 4242)"), commanded);
    }

    @Test
    void aServiceThatWentDownWithItsRequirementSaysItCameBackWithIt() {
        CoreRun run = new CoreRun().service("db", "[restart]\ndelay = \"0s\"\n").service("app", "[dependencies]\nrequires = [\"db\"]\n").load();
        String boot = text(Why.explain(run.past(), "app", ZoneOffset.UTC));
        assertTrue(boot.contains("started when the configuration was loaded from /etc/dynamod"), boot);
        assertTrue(boot.contains("it started once db was ready (waiting for db)"), boot);

        run.pass(Duration.ofSeconds(1)).exit("db", 1).pass(Duration.ofMillis(1));
        Why.Explanation app = Why.explain(run.past(), "app", ZoneOffset.UTC);
        String chain = text(app);
        assertEquals(Optional.of("running"), app.state(), chain);
        assertTrue(chain.contains("started again once db was: it had been stopping (requires db, which is "), chain);
        assertTrue(!chain.contains("configuration was loaded"), chain);
    }

    @Test
    void aServiceWaitingOutItsRestartDelaySaysWhenAndAfterWhat() {
        CoreRun run = new CoreRun().service("web", "[restart]\ndelay = \"10s\"\n").load();
        run.pass(Duration.ofSeconds(1)).exit("web", 2).pass(Duration.ofSeconds(1));
        Why.Explanation web = Why.explain(run.past(), "web", ZoneOffset.UTC);
        String chain = text(web);
        assertEquals(Optional.of("waiting"), web.state(), chain);
        assertTrue(chain.contains("restart delay: it starts again at 12:00:12.000"), chain);
        assertTrue(web.rootCause().orElseThrow().text().endsWith("exited 2"), chain);
    }

    @Test
    void aServiceWhoseFileHasErrorsIsNotLoadedAndTheDiagnosticSaysWhy() {
        CoreRun run = new CoreRun().service("web", "[dependencies]\nrequires = [\"db\"]\n").load();
        Why.Explanation web = Why.explain(run.past(), "web", ZoneOffset.UTC);
        assertEquals(Optional.empty(), web.state());
        String root = web.rootCause().orElseThrow().text();
        assertTrue(root.startsWith("web is not in the configuration loaded from /etc/dynamod: ")
                && root.contains("web.toml") && root.contains("unknown service \"db\""), root);
    }

    @Test
    void aRequirementRemovedFromTheConfigurationIsTheRootCause() {
        CoreRun run = new CoreRun().service("db", "").service("web", "[dependencies]\nrequires = [\"db\"]\n").load();
        run.pass(Duration.ofSeconds(1)).remove("db").load().pass(Duration.ofSeconds(1));
        Why.Explanation web = Why.explain(run.past(), "web", ZoneOffset.UTC);
        String chain = text(web);
        assertEquals(Optional.of("blocked"), web.state(), chain);
        assertTrue(web.rootCause().orElseThrow().text().startsWith("db is not in the configuration loaded from /etc/dynamod"), chain);
        assertEquals(1, web.rootCause().get().depth(), chain);
    }

    @Test
    void aNameNotInTheConfigurationIsSaidToBeSo() {
        CoreRun run = new CoreRun().service("web", "").load();
        Why.Explanation nope = Why.explain(run.past(), "nope", ZoneOffset.UTC);
        assertEquals(Optional.empty(), nope.state());
        assertEquals("nope is not in the configuration loaded from /etc/dynamod", nope.rootCause().orElseThrow().text());
    }
}
