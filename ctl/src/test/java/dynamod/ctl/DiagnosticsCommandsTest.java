package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.ctl.diag.CoreRun;
import dynamod.journal.Recorded;
import dynamod.journal.event.ServiceEvent;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.SupervisorEvent;
import dynamod.journal.event.SystemEvent;
import dynamod.journal.text.JsonParser;
import dynamod.svmgr.core.Input;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * history, state --at, why and the offline views, run in-process over a journal of the real core's events
 * (written at their recorded times): db fails (temporary), web requires it and is blocked, cache is stopped by a
 * command.
 */
class DiagnosticsCommandsTest {

    @TempDir
    Path dir;

    CoreRun run;
    Path journal;
    Instant beforeFailure;

    @BeforeEach
    void journal() throws Exception {
        run = new CoreRun()
                .service("db", "[restart]\npolicy = \"temporary\"\n")
                .service("web", "[dependencies]\nrequires = [\"db\"]\n")
                .service("cache", "")
                .load();
        run.pass(Duration.ofSeconds(1));
        beforeFailure = run.wallClock().minusMillis(500);
        run.exit("db", 3).pass(Duration.ofSeconds(1)).input(new Input.Stop("cache", CoreRun.OPERATOR)).pass(Duration.ofSeconds(1));
        journal = run.writeJournal(dir.resolve("state/journal"));
    }

    private static CheckCommandTest.Run ctl(String... args) {
        return CheckCommandTest.run(args);
    }

    private List<Map<String, Object>> jsonLines(String out) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> lines = out.lines().map(l -> (Map<String, Object>) JsonParser.parse(l)).toList();
        return lines;
    }

    @Test
    void historyPrintsEveryEventInWords() {
        CheckCommandTest.Run all = ctl("history", "-D", journal.toString(), "--utc");
        assertEquals(0, all.exit(), all::toString);
        List<String> lines = all.out().lines().toList();
        assertEquals(run.events.size(), lines.size(), all.out());
        assertEquals("2026-12-01 12:00:01.000 dynamod: load-configuration accepted (uid 0, pid 0)", lines.getFirst());
        assertTrue(lines.contains("2026-12-01 12:00:01.000 dynamod: configuration loaded from /etc/dynamod: 3 services, 1 supervisors"), all.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("2026-12-01 12:00:02\\.000 db: process \\d+ exited 3")), all.out());
        assertTrue(lines.stream().anyMatch(l -> l.equals("2026-12-01 12:00:03.000 cache: stop accepted (uid 1000, pid 4242)")), all.out());
    }

    @Test
    void historyFiltersByServiceKindTimeAndCount() {
        CheckCommandTest.Run db = ctl("history", "-D", journal.toString(), "-u", "d?.service", "--json");
        assertEquals(0, db.exit(), db::toString);
        List<Map<String, Object>> dbEvents = jsonLines(db.out());
        long expected = run.events.stream().filter(r -> dynamod.ctl.diag.EventWords.names(r.event()).contains("db")).count();
        assertEquals(expected, dbEvents.size(), db.out());
        // web's block names db as its cause: it is part of db's story.
        assertTrue(dbEvents.stream().anyMatch(e -> "web".equals(e.get("subject"))), db.out());
        assertTrue(dbEvents.stream().allMatch(e -> e.get("text") instanceof String && e.get("seq") instanceof Number), db.out());

        CheckCommandTest.Run exits = ctl("history", "-D", journal.toString(), "--kind", "ServiceExited,command", "--json");
        assertEquals(0, exits.exit(), exits::toString);
        List<Object> types = jsonLines(exits.out()).stream().map(e -> e.get("type")).toList();
        List<Object> expectedTypes = run.events.stream().map(Recorded::event)
                .filter(e -> e instanceof ServiceExited || e instanceof dynamod.journal.event.CommandEvent)
                .map(e -> (Object) e.getClass().getSimpleName()).toList();
        assertEquals(expectedTypes, types, exits.out());
        assertTrue(types.contains("ServiceExited") && types.contains("CommandAccepted"), exits.out());

        CheckCommandTest.Run system = ctl("history", "-D", journal.toString(), "--kind", "system", "--json");
        assertTrue(jsonLines(system.out()).stream().allMatch(e -> "system".equals(e.get("kind"))), system.out());
        assertEquals(run.events.stream().filter(r -> r.event() instanceof SystemEvent).count(), jsonLines(system.out()).size());

        CheckCommandTest.Run window = ctl("history", "-D", journal.toString(), "--json", "--since", "2026-12-01 12:00:01.5Z",
                "--until", "2026-12-01 12:00:02.5Z");
        List<Map<String, Object>> inWindow = jsonLines(window.out());
        long between = run.events.stream().filter(r -> r.realtime().isAfter(Instant.parse("2026-12-01T12:00:01.5Z"))
                && r.realtime().isBefore(Instant.parse("2026-12-01T12:00:02.5Z"))).count();
        assertTrue(between > 0);
        assertEquals(between, inWindow.size(), window.out());

        CheckCommandTest.Run tail = ctl("history", "-D", journal.toString(), "-n", "2", "--json");
        List<Long> seqs = jsonLines(tail.out()).stream().map(e -> ((Number) e.get("seq")).longValue()).toList();
        List<Long> lastTwo = run.events.subList(run.events.size() - 2, run.events.size()).stream().map(Recorded::seq).toList();
        assertEquals(lastTwo.size(), seqs.size());
        assertEquals(run.events.getLast().event().getClass().getSimpleName(), jsonLines(tail.out()).getLast().get("type"));

        CheckCommandTest.Run bad = ctl("history", "-D", journal.toString(), "--kind", "nonsense");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("unknown kind 'nonsense'") && bad.err().contains("supervisor"), bad.err());
        CheckCommandTest.Run logs = ctl("history", "-D", journal.toString(), "--kind", "log");
        assertEquals(1, logs.exit());
        assertTrue(logs.err().contains("dynamodctl logs shows them"), logs.err());
    }

    @Test
    void historyFollowsWhatIsAppended() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = Dynamodctl.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        Thread follower = new Thread(() -> cli.execute("history", "-D", journal.toString(), "-f", "-n", "1", "-u", "web"));
        follower.start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().lines().count() == 1);
            dynamod.journal.ManualClock clock = new dynamod.journal.ManualClock(run.wallClock().plusSeconds(1));
            try (dynamod.journal.Journal j = dynamod.journal.Journal.open(dynamod.journal.JournalOptions.defaults(journal, dynamod.journal.Origin.SVMGR)
                    .withClock(clock).withBootId(run.events.getFirst().bootId()))) {
                j.append(new dynamod.journal.event.NotifyEvent.StatusText("cache", 7, "not web"));
                j.append(new dynamod.journal.event.NotifyEvent.StatusText("web", 7, "serving"));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("web: status: serving"));
            assertEquals(2, out.toString().lines().count(), out.toString());
        } finally {
            follower.interrupt();
            follower.join(30_000);
        }
        assertTrue(!follower.isAlive(), "an interrupt ends following");
    }

    @Test
    void stateAtAMomentShowsTheServicesAsTheyWereThen() {
        CheckCommandTest.Run before = ctl("state", "--at", beforeFailure.toString(), "-D", journal.toString(), "--json");
        assertEquals(0, before.exit(), before::toString);
        Map<String, Map<String, Object>> then = byName(before.out());
        assertEquals("running", then.get("db").get("state"));
        assertEquals("running", then.get("web").get("state"));
        assertEquals("2026-12-01T12:00:01Z", then.get("db").get("since"));

        CheckCommandTest.Run after = ctl("state", "--at", run.wallClock().toString(), "-D", journal.toString(), "--json");
        Map<String, Map<String, Object>> now = byName(after.out());
        assertEquals("failed", now.get("db").get("state"));
        assertEquals("blocked", now.get("web").get("state"));
        assertEquals("db", now.get("web").get("cause"));
        assertEquals("stopped", now.get("cache").get("state"));

        CheckCommandTest.Run tree = ctl("state", "--at", beforeFailure.toString(), "-D", journal.toString(), "tree");
        assertEquals(0, tree.exit(), tree::toString);
        assertTrue(tree.out().lines().toList().get(1).startsWith("root [one-for-one, active"), tree.out());
        assertTrue(tree.out().contains("db running (pid "), tree.out());

        CheckCommandTest.Run status = ctl("state", "--at", run.wallClock().toString(), "-D", journal.toString(), "status", "db", "--json");
        assertEquals(3, status.exit(), "status's exit: db was not running then: " + status);
        @SuppressWarnings("unchecked")
        Map<String, Object> db = ((List<Map<String, Object>>) ((Map<String, Object>) JsonParser.parse(status.out().strip())).get("services")).getFirst();
        assertEquals("failed", db.get("state"));
        assertEquals("exited 3", ((Map<?, ?>) db.get("lastExit")).get("text"));
        assertEquals(0, ctl("state", "--at", beforeFailure.toString(), "-D", journal.toString(), "status", "db").exit());

        CheckCommandTest.Run early = ctl("state", "--at", "2026-11-30 00:00Z", "-D", journal.toString());
        assertEquals(1, early.exit());
        assertTrue(early.err().contains("the journal begins after"), early.err());
        assertEquals(2, ctl("state", "--at", "now", "-D", journal.toString(), "plot").exit());
    }

    @Test
    void whyNamesTheFirstCauseAndCitesEvents() {
        CheckCommandTest.Run web = ctl("why", "web", "-D", journal.toString(), "--utc");
        assertEquals(0, web.exit(), web::toString);
        List<String> lines = web.out().lines().toList();
        assertTrue(lines.getFirst().matches("web is blocked since 12:00:02\\.000: .*requires db, which is failed  \\[#[0-9a-f]+ 12:00:02\\.000]"),
                web.out());
        assertTrue(lines.getLast().matches("root cause: db's process \\d+ exited 3  \\[#[0-9a-f]+ 12:00:02\\.000]"), web.out());

        CheckCommandTest.Run json = ctl("why", "web.service", "-D", journal.toString(), "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> o = (Map<String, Object>) JsonParser.parse(json.out().strip());
        assertEquals("blocked", o.get("state"));
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) ((Map<String, Object>) o.get("rootCause")).get("event");
        CheckCommandTest.Run exits = ctl("history", "-D", journal.toString(), "-u", "db", "--kind", "ServiceExited", "--json");
        List<Map<String, Object>> dbExits = jsonLines(exits.out());
        assertEquals(1, dbExits.size(), exits.out());
        assertEquals(dbExits.getFirst().get("seq"), event.get("seq"));
        assertEquals("ServiceExited", event.get("type"));

        CheckCommandTest.Run before = ctl("why", "db", "--at", beforeFailure.toString(), "-D", journal.toString(), "--utc");
        assertTrue(before.out().startsWith("db is running since 12:00:01.000"), before.out());
        assertEquals(4, ctl("why", "nope", "-D", journal.toString()).exit());
    }

    @Test
    void withoutAManagerTheReadOnlyCommandsAnswerFromTheJournal() {
        String runtime = dir.resolve("state/run").toString();
        CheckCommandTest.Run list = ctl("list", "--runtime-dir", runtime);
        assertEquals(0, list.exit(), list::toString);
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("manager not running — journal state as of 2026-12-01 "), list.out());
        assertTrue(lines.get(1).startsWith("SERVICE"), list.out());
        assertTrue(list.out().contains("failed"), list.out());

        CheckCommandTest.Run json = ctl("list", "--runtime-dir", runtime, "--json");
        assertEquals(0, json.exit(), json::toString);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> services = (List<Map<String, Object>>) JsonParser.parse(json.out().strip());
        assertEquals(3, services.size());
        @SuppressWarnings("unchecked")
        Map<String, Object> offline = (Map<String, Object>) services.getFirst().get("offline");
        assertEquals(run.events.getLast().realtime().toString(), offline.get("asOf"));
        assertTrue(json.err().contains("manager not running"), json.err());

        CheckCommandTest.Run status = ctl("status", "--runtime-dir", runtime, "db");
        assertEquals(3, status.exit(), status::toString);
        assertTrue(status.out().contains("exited 3"), status.out());
        CheckCommandTest.Run tree = ctl("tree", "--runtime-dir", runtime);
        assertEquals(0, tree.exit(), tree::toString);
        assertTrue(tree.out().contains("web blocked"), tree.out());

        for (String command : List.of("start", "stop", "restart")) {
            CheckCommandTest.Run change = ctl(command, "--runtime-dir", runtime, "db");
            assertEquals(1, change.exit(), change::toString);
            assertTrue(change.err().contains("the manager is not running: " + command + " needs it"), change.err());
            assertEquals("", change.out());
        }
        assertEquals(1, ctl("shutdown", "--runtime-dir", runtime).exit());
        assertEquals(1, ctl("reload", "--runtime-dir", runtime).exit());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> byName(String json) {
        Map<String, Map<String, Object>> byName = new java.util.TreeMap<>();
        for (Object o : (List<Object>) JsonParser.parse(json.strip())) byName.put((String) ((Map<String, Object>) o).get("name"), (Map<String, Object>) o);
        return byName;
    }
}
