package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The completion script and the man pages the build wrote into target/ (process-classes, before the tests). */
class BuildDocsTest {

    private static final Path TARGET = Path.of("target");
    private static final Path SCRIPT = TARGET.resolve("completion/dynamodctl.bash");

    /** What bash completes for the words of a command line, the last one being completed, as its completion would. */
    private static List<String> complete(String... words) throws IOException, InterruptedException {
        StringBuilder array = new StringBuilder();
        for (String w : words) array.append(" '").append(w).append('\'');
        String line = String.join(" ", words);
        String script = "source '" + SCRIPT.toAbsolutePath() + "'\n"
                + "COMP_WORDS=(" + array + ")\nCOMP_CWORD=" + (words.length - 1) + "\nCOMP_LINE='" + line + "'\nCOMP_POINT=" + line.length() + "\n"
                + "_complete_dynamodctl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process bash = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void bashCompletesSubcommandsAndTheirOptions() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT + " was written by the build");
        assertEquals(List.of("status", "start", "stop", "state"), complete("dynamodctl", "st"));
        assertEquals(List.of("is-active", "is-failed"), complete("dynamodctl", "is-"));
        List<String> statusOptions = complete("dynamodctl", "status", "--");
        for (String option : List.of("--json", "--lines", "--runtime-dir", "--no-color", "--help")) {
            assertTrue(statusOptions.contains(option), option + " in " + statusOptions);
        }
        assertTrue(complete("dynamodctl", "logs", "--u").contains("--unit"));
    }

    @Test
    void zshTakesTheSameScriptThroughBashcompinit(@TempDir Path home) throws Exception {
        Path zsh = Path.of("/usr/bin/zsh");
        Assumptions.assumeTrue(Files.isExecutable(zsh), "zsh is not installed");
        String script = "source '" + SCRIPT.toAbsolutePath() + "' >/dev/null 2>&1\nprint -r -- \"${_comps[dynamodctl]}\"\n";
        ProcessBuilder builder = new ProcessBuilder(zsh.toString(), "-f", "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("HOME", home.toString()); // compinit writes its dump there
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals("_bash_complete -F _complete_dynamodctl -o default", out.strip(), "zsh's completion for dynamodctl");
    }

    @Test
    void everyCommandHasAManPage() throws IOException {
        List<String> missing = new ArrayList<>();
        List<CommandLine> commands = new ArrayList<>(List.of(Dynamodctl.commandLine()));
        for (int i = 0; i < commands.size(); i++) {
            CommandLine c = commands.get(i);
            commands.addAll(c.getSubcommands().values().stream().filter(s -> !commands.contains(s)).distinct().toList());
            Path page = TARGET.resolve("man").resolve(c.getCommandSpec().qualifiedName("-") + ".1");
            if (!Files.isRegularFile(page)) {
                missing.add(page.toString());
                continue;
            }
            String text = Files.readString(page);
            assertTrue(text.contains(".SH NAME\n" + BuildDocs.escape(c.getCommandSpec().qualifiedName("-")) + " \\- "), page + ":\n" + text);
            assertTrue(text.contains(".SH SYNOPSIS\n.nf\n" + BuildDocs.escape(c.getCommandSpec().qualifiedName(" "))), page + ":\n" + text);
        }
        assertEquals(List.of(), missing);
        assertTrue(commands.size() > 15, "dynamodctl, its commands and journal dump: " + commands.size());
        String status = Files.readString(TARGET.resolve("man/dynamodctl-status.1"));
        assertTrue(status.contains(".TP\n\\fB\\-n\\fR, \\fB\\-\\-lines\\fR=\\fIN\\fR\n"), status);
    }
}
