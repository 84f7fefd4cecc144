package dynamod.ctl;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * The training run of dynamodctl's AOT cache (bin/dynamodctl makes the cache with it): what every socket command
 * does before and around its one request, in one JVM — the picocli model of every command, help, parsing, a
 * connection attempt and its error. Nothing here reaches a manager; output goes nowhere.
 */
final class AotTraining {

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path nowhere = Files.createTempDirectory("dynamodctl-aot");
        try {
            String run = "--runtime-dir=" + nowhere;
            String[][] lines = {{"--help"}, {"status", "--help"}, {"list", run}, {"status", run, "x"}, {"is-active", run, "x"},
                {"tree", run, "--json"}, {"start", run, "x"}, {"logs", "--help"}};
            for (String[] line : lines) {
                CommandLine cli = Dynamodctl.commandLineFor(line);
                PrintWriter none = new PrintWriter(OutputStream.nullOutputStream());
                cli.setOut(none).setErr(none).execute(line);
            }
        } finally {
            Files.delete(nowhere);
        }
    }
}
