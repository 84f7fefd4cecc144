package dynamod.ctl;

import dynamod.journal.text.JsonParser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code dynamodctl check}, run in-process: output, JSON and exit status. */
class CheckCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = Dynamodctl.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path repo(String path) {
        Path here = Path.of("..").resolve(path);
        return Files.exists(here) ? here : Path.of(path);
    }

    @Test
    void theExamplesPassWithExitZero() {
        Path examples = repo("conf/examples");
        Run run = run("check", examples.toString());
        assertEquals(0, run.exit(), run::toString);
        assertEquals(examples + ": 9 services and 3 supervisors loaded from 12 files; no problems\n", run.out());
    }

    @Test
    void theBrokenShowcasePrintsPositionedDiagnosticsAndExitsOne() {
        Path showcase = repo("conf/src/test/resources/broken/showcase");
        Run run = run("check", showcase.toString());
        assertEquals(1, run.exit());
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.contains(showcase + "/services/nginx.toml:3:14: error: unknown supervisor \"web-tier\"; did you mean \"webtier\"?"), run.out());
        assertTrue(lines.contains("    3 | supervisor = \"web-tier\""), run.out());
        assertTrue(lines.contains("      |              ^"), run.out());
        assertTrue(lines.contains(showcase + "/services/postgresql.toml:9:10: note: postgresql after migrate"), run.out());
        assertEquals(showcase + ": 2 of 6 services and 1 supervisor loaded from 7 files; 6 errors, 1 warning", lines.getLast());
    }

    @Test
    void warningsAloneStillPass(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("services"));
        Files.writeString(dir.resolve("services/a.toml"), "[service]\nname = \"a\"\nexec = [\"/bin/true\"]\npid-file = \"/run/a.pid\"\n");
        Run run = run("check", "--quiet", dir.toString());
        assertEquals(0, run.exit());
        assertEquals(dir + ": 1 service and 0 supervisors loaded from 1 file; 0 errors, 1 warning\n", run.out());
    }

    @Test
    void aSingleFileSaysItsReferencesWereNotChecked() {
        Path file = repo("conf/examples/services/web.toml");
        Run run = run("check", file.toString());
        assertEquals(0, run.exit());
        assertTrue(run.out().endsWith("(a single file: references to other files were not checked)\n"), run.out());
    }

    @Test
    void jsonIsJsonWithEveryDiagnostic() {
        Path showcase = repo("conf/src/test/resources/broken/showcase");
        Run run = run("check", "--json", showcase.toString());
        assertEquals(1, run.exit());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonParser.parse(run.out());
        assertEquals(false, json.get("ok"));
        assertEquals(6L, json.get("errors"));
        assertEquals(1L, json.get("warnings"));
        assertEquals(List.of("cron", "log"), json.get("services"));
        List<?> diagnostics = (List<?>) json.get("diagnostics");
        assertEquals(7, diagnostics.size());
        Map<?, ?> first = (Map<?, ?>) diagnostics.getFirst();
        assertEquals(showcase + "/services/app.toml", first.get("file"));
        assertEquals(5L, first.get("line"));
        assertEquals(1L, first.get("column"));
        assertEquals("error", first.get("severity"));
        assertEquals(List.of(List.of("log"), List.of("cron")), json.get("startOrder"));
    }

    @Test
    void showPrintsTheTreeAndTheStartWaves() {
        Run run = run("check", "--show", repo("conf/examples").toString());
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("root  one-for-one, at most 20 restarts in 10m\n├─ frontend  rest-for-one, at most 5 restarts in 1m\n"), run.out());
        assertTrue(run.out().contains("│  ├─ db  simple, ready on a newline on fd 3, restart permanent\n"), run.out());
        assertTrue(run.out().contains("│  ├─ legacy  forking, ready when the starting process exits 0, restart permanent\n"), run.out());
        assertTrue(run.out().contains("   1  banner  setup\n   2  clock  db  legacy  sandbox\n   3  cache\n   4  web\n   5  api\n"), run.out());
    }

    @Test
    void aMissingDirectoryIsAnErrorAndBadUsageIsTwo() {
        Run missing = run("check", "/nonexistent/dynamod");
        assertEquals(1, missing.exit());
        assertTrue(missing.out().startsWith("/nonexistent/dynamod: error: no such configuration directory or file\n"), missing.out());
        Run usage = run("check", "--no-such-flag");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("Unknown option: '--no-such-flag'"), usage.err());
        assertEquals(2, run("chek").exit());
    }
}
